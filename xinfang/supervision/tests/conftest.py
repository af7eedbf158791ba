import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_LOG_FILE = tmp_path / "sms.log"


@pytest.fixture(autouse=True)
def jobs_in_process(request, settings):
    # 只有标了 celery 的测试经真实的 worker 跑任务；其余测试即使配置了 Redis 也在本进程运行，
    # 免得把任务投进没有 worker 消费的队列。
    if request.node.get_closest_marker("celery") is None:
        settings.REDIS_URL = ""
