"""The WP6 staff permission `nmg_registry.manage_registry` moves from a model without a table
(which made `manage.py dumpdata` fail) to Country. Its codename stays, so every
`has_perm("nmg_registry.manage_registry")` keeps its answer; the permission row itself
moves to Country's content type, so every group (WP6 staff) and user holding it keeps it."""

from django.conf import settings
from django.db import migrations

CODENAME = "manage_registry"
NAME = "Can manage the whole registry (WP6 staff)"


def _move_permission(apps, *, source_model: str, target_model: str):
    """Give the permission on `source_model` to `target_model`, keeping its grants."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    source_type = ContentType.objects.filter(app_label="nmg_registry", model=source_model).first()
    target_type, _ = ContentType.objects.get_or_create(app_label="nmg_registry", model=target_model)
    moving = (
        Permission.objects.filter(content_type=source_type, codename=CODENAME).first()
        if source_type
        else None
    )
    if moving is not None:
        already_there = Permission.objects.filter(
            content_type=target_type, codename=CODENAME
        ).first()
        if already_there is None:
            # The same row, so every grant (a group's, a user's) follows it.
            moving.content_type = target_type
            moving.save(update_fields=["content_type"])
        else:
            # Created on the target already (a `migrate` that stopped before this one ran
            # Django's post-migrate step): hand the grants over, then drop the old row.
            _regrant(apps, old=moving, new=already_there)
            moving.delete()


def _regrant(apps, *, old, new):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    for through, owner in (
        (Group.permissions.through, "group_id"),
        (User.user_permissions.through, f"{User._meta.model_name}_id"),
    ):
        owners = through.objects.filter(permission_id=old.pk).values_list(owner, flat=True)
        for owner_id in list(owners):
            through.objects.get_or_create(**{owner: owner_id, "permission_id": new.pk})


def forwards(apps, schema_editor):
    _move_permission(apps, source_model="registrypermissions", target_model="country")
    # The table-less model's content type would stay behind as a stale row that
    # `remove_stale_contenttypes` asks about; nothing else refers to it.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="nmg_registry", model="registrypermissions").delete()


def backwards(apps, schema_editor):
    _move_permission(apps, source_model="country", target_model="registrypermissions")


class Migration(migrations.Migration):
    dependencies = [
        ("nmg_registry", "0005_reference_data_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="country",
            options={
                "ordering": ["code"],
                "permissions": [(CODENAME, NAME)],
                "verbose_name_plural": "countries",
            },
        ),
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="RegistryPermissions"),
    ]
