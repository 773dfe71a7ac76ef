import os

import pytest

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"
# Redis's default number of databases (its `databases` setting).


@pytest.fixture
def redis_url():
    """The real Redis, where one is configured (CI with REQUIRE_SERVICES=1 fails without it, a
    bare developer machine skips). Parallel workers share its database: every test names its own
    queue and keys (a uuid), so none reads another's. (A database per worker was tried: Celery's
    producer pool keeps the broker it first connected to, so a test's task went to the wrong one.)"""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if REQUIRED:
            pytest.fail("REQUIRE_SERVICES=1 but REDIS_URL is not set")
        pytest.skip("REDIS_URL is not set")
    return url


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own on a free port, which the test may stop and start again
    (nothing else uses it, so stopping it disturbs no other test). Stopped at the end."""
    import shutil
    import socket
    import subprocess
    import time

    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        if REQUIRED:
            pytest.fail("REQUIRE_SERVICES=1 but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    class PrivateRedis:
        url = f"redis://127.0.0.1:{port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
            )
            client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.ping()
                    return
                except redis.exceptions.ConnectionError:
                    assert self.process.poll() is None, "redis-server exited"
                    assert time.monotonic() < deadline, "redis-server did not start"
                    time.sleep(0.05)

        def stop(self):
            self.process.terminate()
            self.process.wait(timeout=30)

    server = PrivateRedis()
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def silent_mail_server():
    """A real TCP server on a free port that accepts SMTP connections and never says a word,
    as a hung mail server does. Yields (port, connections accepted so far)."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    accepted = []
    done = threading.Event()

    def accept():
        while not done.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(connection)  # held open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    done.set()
    thread.join(timeout=5)
    listener.close()
    for connection in accepted:
        connection.close()


@pytest.fixture
def refusing_mail_port():
    """A port on which nothing listens: connecting is refused at once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
