from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self):
        from nmg_registry import imports
        from nmg_registry.models import PendingImport
        from surveys.services.file_import import import_upload

        imports.register_kind(PendingImport.Kind.SURVEY, import_upload)
