"""Create a local WP6 admin account when the database has none, for `make run`."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

LOCAL_ADMIN_USERNAME = "admin"
LOCAL_ADMIN_PASSWORD = "nmg-local-admin"


class Command(BaseCommand):
    help = "Create a local superuser 'admin' if no superuser exists (debug mode only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create a local admin with a known password: DJANGO_DEBUG is off. "
                "Use `python manage.py createsuperuser` instead."
            )
        User = get_user_model()
        local_admin = User.objects.filter(username=LOCAL_ADMIN_USERNAME).first()
        if local_admin is None and not User.objects.filter(is_superuser=True).exists():
            local_admin = User.objects.create_superuser(
                username=LOCAL_ADMIN_USERNAME, email="", password=LOCAL_ADMIN_PASSWORD
            )
            self.stdout.write(self.style.SUCCESS("Local admin account created."))
        if local_admin is not None and local_admin.check_password(LOCAL_ADMIN_PASSWORD):
            self.stdout.write(
                f"Admin login: {LOCAL_ADMIN_USERNAME} / {LOCAL_ADMIN_PASSWORD} "
                "(local use only; change it in the admin if others can reach this machine)"
            )
        else:
            self.stdout.write("A superuser exists already; sign in with your own account.")
