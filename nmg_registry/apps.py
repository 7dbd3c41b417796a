from django.apps import AppConfig


class NmgRegistryConfig(AppConfig):
    name = "nmg_registry"
    verbose_name = "Registry"
