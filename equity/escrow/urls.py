"""Routes of the escrow app, included under /api/v1/."""

urlpatterns: list = []
