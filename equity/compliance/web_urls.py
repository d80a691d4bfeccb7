"""The compliance officers' console (second factor required: OfficerMfaMiddleware)."""

from django.urls import path, re_path

from equity.compliance.views import audit, clock, downloads, money, review

app_name = "officers"

urlpatterns = [
    path("", review.queue, name="queue"),
    path("offres/<int:offering_id>/", review.offering_review, name="offering"),
    path("offres/<int:offering_id>/approuver/", review.offering_approve_view, name="approve"),
    path("offres/<int:offering_id>/refuser/", review.offering_reject_view, name="reject"),
    path("offres/<int:offering_id>/suspendre/", review.offering_suspend_view, name="suspend"),
    path("offres/<int:offering_id>/reprendre/", review.offering_resume_view, name="resume"),
    path("offres/<int:offering_id>/annuler/", review.offering_cancel_view, name="cancel"),
    path(
        "offres/<int:offering_id>/principaux/<int:principal_id>/derogation/",
        review.principal_override,
        name="override",
    ),
    path("offres/<int:offering_id>/argent/", money.offering_money_page, name="money"),
    path("groupes/<int:issuer_id>/", review.group, name="group"),
    path("audit/", audit.audit_page, name="audit"),
    path("audit/verifier/", audit.audit_verify, name="audit-verify"),
    path("exports/", downloads.exports_page, name="exports"),
    re_path(
        r"^exports/(?P<name>[a-z-]+)\.(?P<file_format>csv|pdf)$",
        downloads.export_file,
        name="export",
    ),
    path("horloge/", clock.sandbox_clock, name="sandbox-clock"),
]
