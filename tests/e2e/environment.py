"""Whether the browser tests may be skipped when their browser is missing: never in CI."""

import os

import pytest


def in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason):
    """Skip on a developer's machine; fail in CI, where the browser tests must run."""
    if in_ci():
        pytest.fail(f"The browser tests must run in CI, but {reason}.", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason} (they run in CI)")


MISSING_PLAYWRIGHT = "the playwright package is not installed (pip install -r requirements-dev.txt)"
