from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path(
        "<slug:slug>/responses.<str:file_format>",
        views.export_responses,
        name="export_responses",
    ),
]
