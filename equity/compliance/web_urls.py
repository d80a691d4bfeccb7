"""The compliance officers' console (second factor required: OfficerMfaMiddleware)."""

from django.urls import path

from equity.compliance import views

app_name = "officers"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("audit/", views.audit_trail, name="audit"),
    path("exports/", views.exports, name="exports"),
]
