from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.board, name="board"),
    path("unit/", views.unit, name="unit"),
    path("cases/", views.cases, name="cases"),
    path("matters/<int:matter_pk>/order/", views.order_new, name="order_new"),
    path("orders/<int:pk>/", views.order_page, name="order"),
    path("orders/<int:pk>/close/", views.order_close, name="order_close"),
    path("orders/<int:pk>/document/", views.order_document, name="order_document"),
    path("accountability/", views.register, name="accountability"),
    path("accountability/<int:pk>/", views.record_page, name="record"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.mark_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
]
