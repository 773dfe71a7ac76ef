"""What the core-link tests share: a real HTTP server standing in for the core system (it checks
the portal's signature with its own HMAC code), and signed answers from the core system."""

import contextlib
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.integration.outbound import services
from accounts.models import CoreInstruction

TEST_KIND = "test.instruction"
KEYS = {"k-2025": "first-shared-secret", "k-2026": "second-shared-secret"}


def expected_signature(secret, timestamp, method, path, body):
    """The scheme as the core system's developers read it in the README, written independently."""
    message = timestamp.encode() + b"\n" + method.encode() + b"\n" + path.encode() + b"\n" + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class CoreSystemStub:
    """A core system on a free local port. ``answers`` is a queue of what to do with each request:
    an HTTP status (200, 500, 302) or "timeout" (answer only after the portal has given up);
    empty, it answers 200. Every request is kept, with whether its signature verified."""

    def __init__(self, keys, *, slow_seconds=1.5):
        self.keys = dict(keys)
        self.answers = []
        self.requests = []
        self.slow_seconds = slow_seconds
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                secret = stub.keys.get(self.headers.get("X-Core-Key-Id", ""), "")
                timestamp = self.headers.get("X-Core-Timestamp", "")
                valid = bool(secret) and hmac.compare_digest(
                    expected_signature(secret, timestamp, "POST", self.path, body),
                    self.headers.get("X-Core-Signature", ""),
                )
                stub.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body, "signature_valid": valid}
                )
                answer = stub.answers.pop(0) if stub.answers else 200
                if answer == "timeout":
                    time.sleep(stub.slow_seconds)
                    answer = 200
                if not valid:
                    answer = 401
                self.send_response(answer)
                if answer == 302:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                with contextlib.suppress(OSError):  # the portal gave up waiting
                    self.wfile.write(json.dumps({"received": valid}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/core/v1/instructions"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def signed_headers(path, body, *, key_id="k-2025", secret=None, timestamp=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    secret = KEYS[key_id] if secret is None else secret
    return {
        "HTTP_X_CORE_KEY_ID": key_id,
        "HTTP_X_CORE_TIMESTAMP": timestamp,
        "HTTP_X_CORE_SIGNATURE": expected_signature(secret, timestamp, "POST", path, body),
    }


def outcome_path(key):
    return f"/api/integration/v1/instructions/{key}/outcome/"


def answer(client, key, body, **signing):
    """POST a signed answer; ``body`` a dict (sent as JSON) or raw bytes."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    path = outcome_path(key)
    return client.generic("POST", path, raw, content_type="application/json", **signed_headers(path, raw, **signing))


class HandlerRecorder:
    """A handler for the test kind that remembers each call (and can refuse)."""

    def __init__(self):
        self.calls = []
        self.refuse_with = None

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        if self.refuse_with is not None:
            raise self.refuse_with


def instruction_state():
    return list(
        CoreInstruction.objects.order_by("pk").values_list(
            "status", "attempts", "outcome_detail", "outcome_data", "answered_at", "last_error"
        )
    )


def register(recorder, kind=TEST_KIND):
    services.core_outcome_handler_register(kind, recorder)


@pytest.fixture
def handler():
    recorder = HandlerRecorder()
    register(recorder)
    yield recorder
    services.core_outcome_handler_unregister(TEST_KIND)


@pytest.fixture
def core_keys(settings):
    settings.CORE_SYSTEM_KEYS = dict(KEYS)
    settings.CORE_SYSTEM_CURRENT_KEY_ID = "k-2025"
    return settings


@pytest.fixture
def core_system(core_keys):
    """The stub core system, and the portal configured to send to it."""
    with CoreSystemStub(KEYS) as stub:
        core_keys.CORE_SYSTEM_URL = stub.url
        core_keys.CORE_SYSTEM_TIMEOUT_SECONDS = 0.5
        core_keys.CORE_SYSTEM_MAX_ATTEMPTS = 3
        core_keys.CORE_SYSTEM_RETRY_BASE_SECONDS = 30
        core_keys.CORE_SYSTEM_RETRY_MAX_SECONDS = 3600
        yield stub
