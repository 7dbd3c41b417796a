from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Assessment"

    def ready(self):
        from analytics import contributions  # its models are loaded only now

        contributions.register()
