"""Accounts erased before the erasure was marked explicitly: they took the user name
erased-user-<id>, lost their name and e-mail, their password and their access. They now
carry the erasure's mark (an unusable password no other account can have), which is what
says an account was erased; a live account that merely bears such a name is left alone."""

from django.conf import settings
from django.db import migrations

ERASED_PASSWORD = "!erased-on-request"  # nmg_registry.personal_data.ERASED_PASSWORD


def mark_erased_accounts(apps, schema_editor):
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    candidates = User.objects.filter(
        username__startswith="erased-user-",
        password__startswith="!",
        is_active=False,
        is_staff=False,
        is_superuser=False,
        email="",
        first_name="",
        last_name="",
    )
    for pk, username in candidates.values_list("pk", "username"):
        if username == f"erased-user-{pk}":
            User.objects.filter(pk=pk).update(password=ERASED_PASSWORD)


class Migration(migrations.Migration):
    dependencies = [
        ("nmg_registry", "0009_erasure_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(mark_erased_accounts, migrations.RunPython.noop)]
