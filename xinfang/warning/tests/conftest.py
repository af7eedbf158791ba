import pytest


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_LOG_FILE = tmp_path / "sms.log"
    settings.REDIS_URL = ""
