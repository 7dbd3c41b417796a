"""Helpers shared by the admin tests of every app."""

from django.urls import reverse

from nmg_registry.models import Country


def admin_url(model, view="changelist", *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def first_countries(n):
    return list(Country.objects.order_by("code")[:n])


def assert_changelist_queries(client, django_assert_num_queries, model, seed, expected):
    """The changelist costs `expected` queries with a few rows and again with 25 more rows.

    `seed(n)` adds n rows of the model, spread over n countries where the model has one.
    """
    url = admin_url(model)
    seed(2)
    client.get(url)  # warms per-process caches such as content types
    with django_assert_num_queries(expected):
        few = client.get(url)
    seed(25)
    with django_assert_num_queries(expected):
        many = client.get(url)
    assert few.status_code == many.status_code == 200
    assert many.context["cl"].result_count == few.context["cl"].result_count + 25


def as_admin_user(user):
    """Gives a user access to the admin site; the policy still decides what they see there."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user
