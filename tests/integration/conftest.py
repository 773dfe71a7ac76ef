import os

import pytest

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture
def redis_url():
    """The real Redis, where one is configured: CI (REQUIRE_SERVICES=1) fails without it, a bare
    developer machine skips."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if REQUIRED:
            pytest.fail("REQUIRE_SERVICES=1 but REDIS_URL is not set")
        pytest.skip("REDIS_URL is not set")
    return url
