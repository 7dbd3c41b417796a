"""The registry's admin site: Django's, with its titles and one view made safe."""

from django.contrib import admin
from django.contrib.contenttypes import views as contenttype_views
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path


class RegistryAdminSite(admin.AdminSite):
    """Django's admin site; its "view on site" redirect answers 404 to an id the model's key
    cannot hold, where Django's own view lets the conversion error through as a 500."""

    site_header = "NMG Registry administration"
    site_title = "NMG Registry"
    index_title = "Registry records"

    def get_urls(self):
        urls = [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]
        return [
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(view_on_site),
                name="view_on_site",
            ),
            *urls,
        ]


def view_on_site(request, content_type_id, object_id):
    """Django's redirect to a record's page on the site; an odd id names no record."""
    try:
        return contenttype_views.shortcut(request, content_type_id, object_id)
    except (ValidationError, ValueError) as exc:
        raise Http404("No such record.") from exc
