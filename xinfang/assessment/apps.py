from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "xinfang.assessment"
    verbose_name = "量化考核与统计"
    default_auto_field = "django.db.models.BigAutoField"
