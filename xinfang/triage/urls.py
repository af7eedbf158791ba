from django.urls import path

from . import views

app_name = "triage"
urlpatterns = [
    path("suggest/", views.intake_suggestions, name="suggest"),
    path("precedents/<int:pk>/", views.reply_precedents, name="precedents"),
]
