from django.urls import path

from compositions import views

app_name = "compositions"

urlpatterns = [
    path("compositions/export.<str:file_format>", views.export_composition, name="export"),
    path("compositions/template.xlsx", views.composition_template, name="template"),
    path("countries/<str:code>/experts/", views.expert_list, name="experts"),
    path("countries/<str:code>/experts/add/", views.expert_add, name="expert-add"),
    path("countries/<str:code>/experts/<int:pk>/", views.expert_edit, name="expert-edit"),
    path(
        "countries/<str:code>/experts/<int:pk>/delete/",
        views.expert_delete,
        name="expert-delete",
    ),
    path(
        "countries/<str:code>/composition/upload/",
        views.composition_upload,
        name="upload",
    ),
    path(
        "countries/<str:code>/composition/upload/<uuid:pending_id>/confirm/",
        views.composition_upload_confirm,
        name="upload-confirm",
    ),
]
