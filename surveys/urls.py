from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.rounds_to_answer, name="open"),
    path("<slug:slug>/answer/<str:code>/", views.answer, name="answer"),
    path(
        "<slug:slug>/responses.<str:file_format>",
        views.export_responses,
        name="export_responses",
    ),
]
