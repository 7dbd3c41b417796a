from django.urls import path

from compositions import views

app_name = "compositions"

urlpatterns = [
    path("compositions/export.<str:file_format>", views.export_composition, name="export"),
    path("compositions/template.xlsx", views.composition_template, name="template"),
]
