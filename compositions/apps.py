from django.apps import AppConfig


class CompositionsConfig(AppConfig):
    name = "compositions"
    verbose_name = "Compositions"
