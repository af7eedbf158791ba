from django.urls import path

from . import views

app_name = "screening"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("items/<int:pk>/", views.mark, name="mark"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_page, name="round"),
    path("rounds/<int:pk>/report.docx", views.report, name="report"),
    path("key/", views.key_cases, name="key"),
]
