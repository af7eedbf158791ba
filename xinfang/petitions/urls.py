from django.urls import path

from . import edit_views, ledger_views, record_views, views

app_name = "petitions"
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("workbench/", views.workbench, name="workbench"),
    path("intake/", views.intake_page, name="intake"),
    path("intake/history/", views.intake_history, name="intake_history"),
    path("matters/<int:pk>/", views.matter_page, name="matter"),
    path("matters/<int:pk>/note/", views.matter_note, name="note"),
    path("matters/<int:pk>/print/", ledger_views.print_matter, name="print"),
    path("matters/<int:pk>/correct/", edit_views.correct_matter, name="correct_matter"),
    path("petitions/<int:pk>/correct/", edit_views.correct_petition, name="correct_petition"),
    path("matters/<int:pk>/petitioners/<int:petitioner>/full/", views.petitioner_full, name="petitioner_full"),
    path("matters/<int:pk>/referral/", record_views.referral, name="referral"),
    path("matters/<int:pk>/discipline/", record_views.discipline_route, name="discipline_route"),
    path("matters/<int:pk>/discipline/<int:row_pk>/", record_views.discipline_answer, name="discipline_answer"),
    path("matters/<int:pk>/aftercare/", record_views.aftercare, name="aftercare"),
    path("matters/<int:pk>/recommend/", record_views.recommend, name="recommend"),
    path("recommendations/", record_views.recommendations, name="recommendations"),
    path("recommendations/<int:pk>/feedback/", record_views.recommendation_feedback, name="recommendation_feedback"),
    path("matters/<int:pk>/<str:action>/", views.matter_action, name="action"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("matters/<int:pk>/execution/<int:item_pk>/", views.execution_done, name="execution_done"),
    path("attachments/<int:pk>/", views.attachment_open, name="attachment"),
]
