"""Routes of the escrow app, included under /api/v1/."""

from django.urls import path

from equity.escrow import api

urlpatterns = [
    path(
        "payments/notifications", api.PaymentNotificationApi.as_view(), name="payment-notification"
    ),
    path("offerings/<int:offering_id>/escrow", api.EscrowApi.as_view(), name="offering-escrow"),
    path(
        "offerings/<int:offering_id>/close", api.OfferingCloseApi.as_view(), name="offering-close"
    ),
    path(
        "offerings/<int:offering_id>/register",
        api.SecuritiesRegisterApi.as_view(),
        name="offering-register",
    ),
    path("disbursements", api.DisbursementListApi.as_view(), name="disbursement-list"),
    path(
        "disbursements/<int:disbursement_id>/confirm",
        api.DisbursementConfirmApi.as_view(),
        name="disbursement-confirm",
    ),
    path(
        "subscriptions/<int:subscription_id>/bank-transfers",
        api.BankTransferRecordApi.as_view(),
        name="bank-transfer-record",
    ),
    path(
        "escrow/bank-statements", api.BankStatementImportApi.as_view(), name="bank-statement-import"
    ),
]
