import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
application = get_wsgi_application()

# 生产环境的个人资料加密密钥必须来自环境变量：缺了就不启动，并指出变量名。
from xinfang.core.crypto import require_production_keys  # noqa: E402

require_production_keys()
