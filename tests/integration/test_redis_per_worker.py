"""Parallel test workers share one Redis server, never one Redis database: each xdist worker gets
a database of its own (tests/integration/conftest.py), so a key, a queue or an unacknowledged
message one worker writes is never read, stolen or deleted by another."""

import os
import uuid

import redis

from tests.integration.conftest import redis_url_for_worker


def test_two_workers_writing_the_same_key_do_not_collide(redis_url):
    configured = os.environ["REDIS_URL"]
    first, second = (redis.Redis.from_url(redis_url_for_worker(configured, worker)) for worker in ("gw0", "gw1"))
    key = f"probe-{uuid.uuid4()}"
    try:
        first.set(key, "written by gw0", ex=60)
        second.set(key, "written by gw1", ex=60)
        assert (first.get(key), second.get(key)) == (b"written by gw0", b"written by gw1")
        second.delete(key)
        assert first.get(key) == b"written by gw0"  # one worker's clean-up leaves the other's keys
    finally:
        first.delete(key)
        second.delete(key)


def test_the_fixture_hands_this_worker_its_own_database(redis_url):
    assert redis_url == redis_url_for_worker(os.environ["REDIS_URL"], os.environ.get("PYTEST_XDIST_WORKER"))
