"""The purchaser's pages: subscribing, paying, withdrawing, and their dashboard."""

from django.urls import path

from equity.investors import views

app_name = "investors"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
