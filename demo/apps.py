from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo data set and its `load_demo_data` command: above every other app,
    as it fills them all through their own import services."""

    name = "demo"
    verbose_name = "Demo data"
