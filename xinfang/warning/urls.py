from django.urls import path

from . import views

app_name = "warning"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/dispose/", views.dispose, name="dispose"),
]
