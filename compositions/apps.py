from django.apps import AppConfig


class CompositionsConfig(AppConfig):
    name = "compositions"
    verbose_name = "Compositions"

    def ready(self):
        from compositions.services.file_import import import_upload
        from nmg_registry import imports
        from nmg_registry.models import PendingImport

        imports.register_kind(PendingImport.Kind.COMPOSITION, import_upload)
