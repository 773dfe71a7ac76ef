"""What production mode does for page speed (issue 17), read from the real settings in a fresh
process: sessions cached in Redis without making Redis a dependency, persistent database
connections, compiled templates kept, static files compressed under hashed names."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.cache import caches
from django.template import engines

cached = settings.SESSION_CACHE_ALIAS == "sessions"
if cached:
    caches["sessions"].set("probe", 1)  # Redis is not listening: neither call may raise
loaders = engines["django"].engine.loaders
print(json.dumps({
    "engine": settings.SESSION_ENGINE,
    "alias": settings.SESSION_CACHE_ALIAS,
    "backend": settings.CACHES[settings.SESSION_CACHE_ALIAS]["BACKEND"],
    "read_while_down": caches["sessions"].get("probe") if cached else None,
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "health_checks": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
    "loaders": [loader if isinstance(loader, str) else loader[0] for loader in loaders],
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def _settings(**environ):
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SESSION_ENGINE")}
    environment |= {"DJANGO_SETTINGS_MODULE": "config.settings", **environ}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _production(**environ):
    return _settings(
        DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="portal.example", **environ
    )


def test_production_sessions_are_cached_in_redis_and_survive_an_outage():
    found = _production(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert found["engine"] == "django.contrib.sessions.backends.cached_db"
    assert found["alias"] == "sessions"
    # Not the default cache's per-process fallback: no process may keep sessions of its own.
    assert found["backend"] == "django_redis.cache.RedisCache"
    assert found["read_while_down"] is None  # a miss: the session is read from the database


def test_without_redis_or_outside_production_sessions_stay_in_the_database():
    assert _production(REDIS_URL="")["engine"] == "django.contrib.sessions.backends.db"
    assert _settings(REDIS_URL="redis://127.0.0.1:1/0", DJANGO_ENV="development")["engine"] == (
        "django.contrib.sessions.backends.db"
    )


def test_production_keeps_connections_compiled_templates_and_hashed_compressed_static_files():
    found = _production(REDIS_URL="")
    assert found["conn_max_age"] >= 60
    assert found["health_checks"] is True
    assert found["loaders"] == ["django.template.loaders.cached.Loader"]
    assert found["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_static_files_are_also_compressed_with_brotli(tmp_path):
    """WhiteNoise writes a .br beside each .gz when Brotli is installed (requirements.txt):
    Bootstrap's stylesheet, the one large render-blocking file, is 23 KB instead of 31 KB."""
    from whitenoise.compress import Compressor

    stylesheet = tmp_path / "site.css"
    stylesheet.write_text("body { margin: 0; padding: 0; }\n" * 200)
    written = list(Compressor(quiet=True).compress(str(stylesheet)))
    assert sorted(Path(name).suffix for name in written) == [".br", ".gz"]
