from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("outbox/", views.outbox_page, name="outbox"),
    path("outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/", views.import_batch, name="import_batch"),
    path("import/<int:pk>/start/", views.import_start, name="import_start"),
]
