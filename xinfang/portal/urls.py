from django.urls import path

from . import public_views, staff_views

app_name = "portal"
urlpatterns = [
    # 公众（无需登录）
    path("", public_views.index, name="index"),
    path("query/", public_views.lookup, name="lookup"),
    path("progress/", public_views.progress, name="progress"),
    path("progress/documents/<int:pk>/", public_views.document, name="document"),
    path("progress/documents/<int:pk>/read/", public_views.read, name="read"),
    path("progress/rate/", public_views.rate, name="rate"),
    path("progress/review/", public_views.review, name="review"),
    path("progress/leave/", public_views.leave, name="leave"),
    # 工作人员（需登录）
    path("visits/", staff_views.visit_list, name="visits"),
    path("visits/<int:pk>/", staff_views.visit_page, name="visit"),
    path("visits/<int:pk>/attention/", staff_views.attention, name="attention"),
    path("rates/", staff_views.rates_page, name="rates"),
    path("petitions/<int:petition_pk>/code/", staff_views.issue_code, name="issue_code"),
]
