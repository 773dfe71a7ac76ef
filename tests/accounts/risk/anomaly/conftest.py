import pytest
import time_machine

from accounts.risk.anomaly import training
from tests.accounts.risk.anomaly.support import NOW


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Model files go to a folder of the test's own; no model stays loaded between tests."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    training._loaded.clear()
    yield settings.PRIVATE_MEDIA_ROOT
    training._loaded.clear()


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield
