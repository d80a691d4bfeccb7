"""The routes of CONTRACT.md, v1."""

from django.urls import include, path

from equity.accounts.api import AccountRegisterApi, TokenObtainApi
from equity.compliance.api import AuditEventListApi, AuditVerifyApi, SandboxClockApi
from equity.investors import api as investors
from equity.offerings import api as offerings

urlpatterns = [
    path("accounts/register", AccountRegisterApi.as_view(), name="account-register"),
    path("auth/token", TokenObtainApi.as_view(), name="auth-token"),
    path("issuers", offerings.IssuerCreateApi.as_view(), name="issuer-create"),
    path("issuers/<int:issuer_id>", offerings.IssuerDetailApi.as_view(), name="issuer-detail"),
    path("issuers/<int:issuer_id>/cap", offerings.IssuerCapApi.as_view(), name="issuer-cap"),
    path(
        "issuers/<int:issuer_id>/affiliates",
        offerings.IssuerAffiliateAddApi.as_view(),
        name="issuer-affiliate-add",
    ),
    path(
        "principals/<int:principal_id>/override",
        offerings.PrincipalOverrideApi.as_view(),
        name="principal-override",
    ),
    path("offerings", offerings.OfferingCreateApi.as_view(), name="offering-create"),
    path(
        "offerings/<int:offering_id>", offerings.OfferingDetailApi.as_view(), name="offering-detail"
    ),
    path(
        "offerings/<int:offering_id>/submit",
        offerings.OfferingSubmitApi.as_view(),
        name="offering-submit",
    ),
    path(
        "offerings/<int:offering_id>/approve",
        offerings.OfferingApproveApi.as_view(),
        name="offering-approve",
    ),
    path(
        "offerings/<int:offering_id>/reject",
        offerings.OfferingRejectApi.as_view(),
        name="offering-reject",
    ),
    path(
        "offerings/<int:offering_id>/open",
        offerings.OfferingOpenApi.as_view(),
        name="offering-open",
    ),
    path(
        "offerings/<int:offering_id>/suspend",
        offerings.OfferingSuspendApi.as_view(),
        name="offering-suspend",
    ),
    path(
        "offerings/<int:offering_id>/resume",
        offerings.OfferingResumeApi.as_view(),
        name="offering-resume",
    ),
    path(
        "offerings/<int:offering_id>/cancel",
        offerings.OfferingCancelApi.as_view(),
        name="offering-cancel",
    ),
    path(
        "offerings/<int:offering_id>/amend",
        offerings.OfferingAmendApi.as_view(),
        name="offering-amend",
    ),
    path(
        "offerings/<int:offering_id>/risk-acknowledgement",
        investors.RiskAcknowledgementApi.as_view(),
        name="offering-risk-acknowledgement",
    ),
    path(
        "offerings/<int:offering_id>/subscriptions",
        investors.SubscriptionCreateApi.as_view(),
        name="subscription-create",
    ),
    path("subscriptions", investors.SubscriptionListApi.as_view(), name="subscription-list"),
    path(
        "subscriptions/<int:subscription_id>",
        investors.SubscriptionDetailApi.as_view(),
        name="subscription-detail",
    ),
    path(
        "subscriptions/<int:subscription_id>/withdraw",
        investors.SubscriptionWithdrawApi.as_view(),
        name="subscription-withdraw",
    ),
    path(
        "suitability-determinations",
        investors.SuitabilityRecordApi.as_view(),
        name="suitability-record",
    ),
    path("", include("equity.documents.urls")),
    path("", include("equity.escrow.urls")),
    path("audit/events", AuditEventListApi.as_view(), name="audit-events"),
    path("audit/verify", AuditVerifyApi.as_view(), name="audit-verify"),
    path("sandbox/clock", SandboxClockApi.as_view(), name="sandbox-clock"),
]
