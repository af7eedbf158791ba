from django.urls import path

from . import views, views_periods as p

app_name = "warning"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/close/", views.close, name="close"),
    # 重大紧急事项（第二十五条）
    path("matters/<int:pk>/flag/", p.flag, name="flag"),
    path("urgent/<int:pk>/", p.urgent_report, name="urgent"),
    path("urgent/<int:pk>/acknowledge/", p.urgent_acknowledge, name="urgent_acknowledge"),
    # 敏感时期
    path("periods/", p.period_list, name="periods"),
    path("periods/new/", p.period_new, name="period_new"),
    path("periods/<int:pk>/", p.period_page, name="period"),
    path("periods/<int:pk>/daily/", p.daily_report, name="daily_report"),
    path("periods/<int:pk>/consolidate/", p.consolidate, name="consolidate"),
    path("periods/<int:pk>/key/", p.key_add, name="key_add"),
    path("periods/<int:pk>/receptions/", p.reception_new, name="reception_new"),
    path("consolidated/<int:pk>/download/", p.consolidated_download, name="consolidated_download"),
    path("key/<int:pk>/review/", p.key_review, name="key_review"),
    path("receptions/<int:pk>/", p.reception_record, name="reception_record"),
    path("<int:pk>/dispose/", views.dispose, name="dispose"),
]
