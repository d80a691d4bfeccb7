"""Public offering pages (the list and each offering), behind the portal's status (R19)."""

from django.urls import path

from equity.offerings.views import public

app_name = "offerings"

urlpatterns = [
    path("", public.offering_list, name="list"),
    path("<int:offering_id>/", public.offering_detail, name="detail"),
]
