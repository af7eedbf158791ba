from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("departments/", views.department_list, name="departments"),
    path("departments/<int:pk>/", views.department_detail, name="department"),
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("lockouts/<int:pk>/unlock/", views.lockout_unlock, name="unlock"),
]
