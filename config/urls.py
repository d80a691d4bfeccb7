"""URL configuration: the web pages, the admin, the v1 API and its OpenAPI schema."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from equity.accounts import views as accounts

# The back office signs in through the same pages (and second factor) as the rest.
admin.site.login = secure_admin_login(admin.site.login)
handler404 = "equity.rest.page_not_found"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("statut-du-portail/", accounts.PortalStatusView.as_view(), name="portal-status"),
    # Our own sign-up (roles, birth date, audit) takes allauth's address.
    path("comptes/signup/", accounts.SignupView.as_view(), name="signup"),
    path("comptes/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("offres/", include("equity.offerings.web_urls", namespace="offerings")),
    path("investir/", include("equity.investors.web_urls", namespace="investors")),
    path("emetteur/", include("equity.offerings.issuer_urls", namespace="issuers")),
    path("conformite/", include("equity.compliance.web_urls", namespace="officers")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so no inline script is needed.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
