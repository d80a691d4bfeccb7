"""The issuer's desk: enterprises, principals, offerings, closing and the register."""

from django.urls import path

from equity.offerings.views import issuer

app_name = "issuers"

urlpatterns = [
    path("", issuer.dashboard, name="dashboard"),
]
