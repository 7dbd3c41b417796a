"""The countries' pages: the list, each profile, a representative's forms for the record and
the mirror groups, the history, and "My countries"."""

from django.urls import path

from nmg_registry import views

app_name = "countries"

urlpatterns = [
    path("countries/", views.country_list, name="list"),
    path("my-countries/", views.my_countries, name="mine"),
    path("countries/<str:code>/", views.country_detail, name="detail"),
    path("countries/<str:code>/edit/", views.country_edit, name="edit"),
    path("countries/<str:code>/history/", views.country_history, name="history"),
    path("countries/<str:code>/groups/add/", views.mirror_group_add, name="group-add"),
    path("countries/<str:code>/groups/<int:pk>/edit/", views.mirror_group_edit, name="group-edit"),
    path(
        "countries/<str:code>/groups/<int:pk>/delete/",
        views.mirror_group_delete,
        name="group-delete",
    ),
]
