from django.urls import path

from . import report_views, views

app_name = "assessment"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("units/<int:pk>/", views.unit_page, name="unit"),
    path("units/<int:pk>/data.json", views.unit_data, name="unit_data"),
    path("units/<int:pk>/records/", views.records_page, name="records"),
    path("units/<int:pk>/metrics/<str:key>/", views.metric_page, name="metric"),
    path("bulletins/<int:year>/<int:month>/", views.bulletin_page, name="bulletin"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/new/", report_views.request_report, name="request_report"),
    path("reports/<int:pk>/", report_views.report_status, name="report"),
    path("reports/<int:pk>/<str:fmt>/", report_views.download, name="download"),
    path("recommendations/", report_views.recommendation_list, name="recommendations"),
    path("recommendations/new/", report_views.recommendation_add, name="add_recommendation"),
    path("recommendations/<int:pk>/answer/", report_views.recommendation_answer, name="answer_recommendation"),
]
