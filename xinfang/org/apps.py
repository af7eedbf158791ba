from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "xinfang.org"
    label = "org"
    verbose_name = "组织机构与人员"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .labels import clear_cache
        from .models import Department

        # 部门改名、移动或删除后，页面上的部门路径立即跟上（缓存见 labels.py）。
        post_save.connect(clear_cache, sender=Department, dispatch_uid="org.labels.clear")
        post_delete.connect(clear_cache, sender=Department, dispatch_uid="org.labels.clear_delete")
