"""The registry's URLs."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from analytics import views as analytics_views
from nmg_registry import views

# Swagger UI draws its icons from data: URLs in its style sheet; its start-up script is served
# as a file of its own (the split view), so no inline script is needed even here.
API_DOCS_POLICY = {"img-src": ["data:"]}
api_docs = csp_update(API_DOCS_POLICY)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

urlpatterns = [
    path("", analytics_views.dashboard, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.privacy, name="privacy"),
    path(
        "accounts/login/",
        views.SignInView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    # Password change and reset; the pages above take precedence.
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/tokens/", views.api_tokens, name="api-tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("", include("nmg_registry.country_urls")),
    path("", include("compositions.urls")),
    path("surveys/", include("surveys.urls")),
    path("assessment/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    # The assessment first: its surveys/<slug>/summary/ sits beside the rounds' own URLs.
    path("api/v1/", include("analytics.api.urls")),
    path("api/v1/", include("nmg_registry.api.urls")),
    path("api/v1/", include("surveys.api.urls")),
    path("api/v1/", include("compositions.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
]

# JSON for an address under /api/ that names no endpoint; Django's page elsewhere.
handler404 = "nmg_registry.api.exceptions.page_not_found"
# The site's own pages (JSON under /api/), rendered without touching the database; an
# unreachable database is a 503 with Retry-After, not a 500.
handler400 = "nmg_registry.errors.bad_request"
handler500 = "nmg_registry.errors.server_error"
