"""Routes of the documents app, included under /api/v1/."""

urlpatterns: list = []
