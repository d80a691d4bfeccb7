"""The issuer's desk: enterprises, principals, offerings, closing and the register."""

from django.urls import path

from equity.offerings.views import issuer, issuer_actions, issuer_offerings

app_name = "issuers"

urlpatterns = [
    path("", issuer.dashboard, name="dashboard"),
    path("entreprises/nouvelle/", issuer.issuer_create_page, name="issuer-create"),
    path("entreprises/<int:issuer_id>/", issuer.issuer_detail, name="issuer-detail"),
    path("offres/nouvelle/", issuer_offerings.offering_create_page, name="offering-create"),
    path("offres/apercu/", issuer_offerings.offering_preview, name="offering-preview"),
    path("offres/<int:offering_id>/", issuer_actions.offering_detail, name="offering-detail"),
    path(
        "offres/<int:offering_id>/modifier/",
        issuer_offerings.offering_edit,
        name="offering-edit",
    ),
    path(
        "offres/<int:offering_id>/soumettre/",
        issuer_actions.offering_submit_action,
        name="offering-submit",
    ),
    path(
        "offres/<int:offering_id>/ouvrir/",
        issuer_actions.offering_open_action,
        name="offering-open",
    ),
    path(
        "offres/<int:offering_id>/modification/",
        issuer_actions.offering_amend_action,
        name="offering-amend",
    ),
    path(
        "offres/<int:offering_id>/clore/",
        issuer_actions.offering_close_action,
        name="offering-close",
    ),
    path(
        "offres/<int:offering_id>/annuler/",
        issuer_actions.offering_cancel_action,
        name="offering-cancel",
    ),
    path(
        "offres/<int:offering_id>/registre/",
        issuer_actions.offering_register,
        name="offering-register",
    ),
]
