"""The registry's URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from nmg_registry import views

admin.site.site_header = "NMG Registry administration"
admin.site.site_title = "NMG Registry"
admin.site.index_title = "Registry records"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("compositions/", include("compositions.urls")),
    path("surveys/", include("surveys.urls")),
    path("admin/", admin.site.urls),
]
