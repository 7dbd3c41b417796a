"""The countries' pages: the list, each profile, a representative's forms for the record and
the mirror groups, the history, and "My countries"."""

from django.urls import path  # noqa: F401

app_name = "countries"

urlpatterns = []
