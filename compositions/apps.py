from django.apps import AppConfig


class CompositionsConfig(AppConfig):
    name = "compositions"
    verbose_name = "Compositions"

    def ready(self):
        from compositions import contributions  # its models are loaded only now

        contributions.register()
