from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class NmgRegistryConfig(AppConfig):
    name = "nmg_registry"
    verbose_name = "Registry"

    def ready(self):
        from nmg_registry import contributions  # its models are loaded only now

        contributions.register()


class RegistryAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with RegistryAdminSite as `admin.site`, where every model admin
    registers. Named in INSTALLED_APPS in place of django.contrib.admin."""

    default = False  # not the configuration of the nmg_registry app itself
    default_site = "nmg_registry.admin_site.RegistryAdminSite"
