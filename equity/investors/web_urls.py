"""The purchaser's pages: subscribing, paying, withdrawing, and their dashboard."""

from django.urls import path

from equity.investors import views

app_name = "investors"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("offres/<int:offering_id>/souscrire/", views.subscribe, name="subscribe"),
    path(
        "souscriptions/<int:subscription_id>/paiement/",
        views.payment_instructions,
        name="payment",
    ),
    path("souscriptions/<int:subscription_id>/retirer/", views.withdraw, name="withdraw"),
]
