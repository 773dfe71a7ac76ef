"""The Redis cache, with each process's memory standing in while Redis is unreachable.

Sign-in must not depend on Redis: allauth's rate limiter writes to the cache on every login.
django-redis's IGNORE_EXCEPTIONS alone is not enough, because allauth reads a failed ``add`` of
its lock as "locked" and refuses every sign-in as rate limited. Falling back to local memory
keeps the limits counting (per process, so a little looser) until Redis returns."""

import logging

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_UNREACHABLE = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError)
FALLBACK_METHODS = (
    "get",
    "set",
    "add",
    "delete",
    "touch",
    "has_key",
    "incr",
    "decr",
    "get_many",
    "set_many",
    "delete_many",
    "clear",
)


class RedisCacheWithLocalFallback(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(
            f"redis-fallback:{server}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "KEY_PREFIX": params.get("KEY_PREFIX", "")},
        )


def _with_fallback(name):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(RedisCacheWithLocalFallback, self), name)(*args, **kwargs)
        except REDIS_UNREACHABLE as error:
            logger.warning("Redis unreachable for cache.%s, using local memory: %s", name, error)
            return getattr(self._fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in FALLBACK_METHODS:
    setattr(RedisCacheWithLocalFallback, _name, _with_fallback(_name))
