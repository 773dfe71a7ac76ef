"""Serving and loading for the page benchmark: gunicorn processes, wrk runs and their figures.

wrk's own summary has no p95, so a small Lua script prints the figures as JSON at the end of a
run (and counts answers other than 200, which wrk would count as successes)."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

WRK_SCRIPT = """
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
init = function(args)
  bad = 0
end
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do not_ok = not_ok + thread:get("bad") end
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d, "bad": %d}\\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
      + summary.errors.status, not_ok))
end
"""
# Each wrk thread runs the script in a Lua state of its own: done() sums the threads' counts.
WRK_THREADS = 2


class Server:
    """A gunicorn with ``workers`` sync workers on 127.0.0.1:``port``, serving ``app``."""

    def __init__(self, app, port, environ, workers=2, log=None):
        self.app, self.port, self.workers = app, port, workers
        self.environ = {**os.environ, **environ}
        self.log = log or str(ROOT / "var" / f"bench-pages-{port}.log")
        self.process = None

    def __enter__(self):
        command = [
            GUNICORN,
            self.app,
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.environ, stdout=log, stderr=log)  # noqa: S603
        return self

    def wait_ready(self, path, headers, timeout=60):
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}{path}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited; see {self.log}")
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.app} not ready at {url}; see {self.log}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop, for its workers too
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wrk_run(url, *, seconds, connections, headers):
    """One wrk run; returns requests/s, p50/p95/p99 (ms) and the count of failed answers."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    command += ["-s", script.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    try:
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        os.unlink(script.name)
    figures = json.loads(output.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures
