"""A first version in the history of every reference record shipped by the data migrations
(countries, working groups, the 2020 round and its questions), so that the first edit of
one shows its values before → after and a conflict message can list what changed."""

from django.db import migrations
from django.utils import timezone

REASON = "reference data shipped with the registry"
TRACKED = [
    ("nmg_registry", "Country"),
    ("nmg_registry", "WorkingGroup"),
    ("surveys", "Survey"),
    ("surveys", "Question"),
]


def record_first_versions(apps, schema_editor):
    now = timezone.now()
    for app_label, model_name in TRACKED:
        model = apps.get_model(app_label, model_name)
        historical = apps.get_model(app_label, f"Historical{model_name}")
        recorded = set(historical.objects.values_list("id", flat=True).distinct())
        fields = [field.attname for field in model._meta.concrete_fields]
        historical.objects.bulk_create(
            historical(
                **{name: getattr(obj, name) for name in fields},
                history_date=now,
                history_type="+",
                history_change_reason=REASON,
            )
            for obj in model.objects.exclude(pk__in=recorded)
        )


def forget_first_versions(apps, schema_editor):
    for app_label, model_name in TRACKED:
        historical = apps.get_model(app_label, f"Historical{model_name}")
        historical.objects.filter(history_change_reason=REASON).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("nmg_registry", "0004_api_token"),
        ("surveys", "0002_survey_2020_and_targets"),
    ]

    operations = [migrations.RunPython(record_first_versions, forget_first_versions)]
