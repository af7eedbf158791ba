from django.urls import path

from . import views

app_name = "petitions"
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("workbench/", views.workbench, name="workbench"),
    path("intake/", views.intake_page, name="intake"),
    path("intake/history/", views.intake_history, name="intake_history"),
    path("matters/<int:pk>/", views.matter_page, name="matter"),
    path("matters/<int:pk>/note/", views.matter_note, name="note"),
    path("matters/<int:pk>/<str:action>/", views.matter_action, name="action"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("attachments/<int:pk>/", views.attachment_open, name="attachment"),
]
