from django.urls import path

from . import import_views, views

app_name = "screening"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("items/<int:pk>/", views.mark, name="mark"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_page, name="round"),
    path("rounds/<int:pk>/report.docx", views.report, name="report"),
    path("key/", views.key_cases, name="key"),
    path("import/", import_views.upload, name="import"),
    path("import/<int:pk>/", import_views.run_page, name="import_run"),
]
