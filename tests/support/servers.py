"""Real servers on free loopback ports for integration and end-to-end tests.

Each starts as its own process, is waited for (with its log printed if it fails to come up) and
is stopped by the fixture that started it -- nothing outlives a test run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    def __init__(self, args: list[str], log: Path, env: dict | None = None) -> None:
        self.args = args
        self.log_path = log
        self._log = open(log, "ab")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT,
                                     env={**os.environ, **(env or {})}, start_new_session=True)

    def wait_http(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(url, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.args} did not come up at {url}:\n{self.log_path.read_text()[-4000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


def _db(db: str | None) -> list[str]:
    return ["--db", db] if db else []


def server_cli(data: Path, *args: str, db: str | None = None) -> None:
    """``patrol-server`` on ``data`` (and on the PostgreSQL database ``db``, if given)."""
    subprocess.run([sys.executable, "-m", "sync_server", "--data", str(data), *_db(db), *args],
                   cwd=ROOT, check=True, capture_output=True)


def start_server(data: Path, port: int, log: Path, workers: int = 1, db: str | None = None) -> Proc:
    proc = Proc([sys.executable, "-m", "sync_server", "--data", str(data), *_db(db), "serve",
                 "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                 "--workers", str(workers)], log)
    proc.wait_http(f"http://127.0.0.1:{port}/readyz")  # serving, and its database answers
    return proc


def start_app(data: Path, port: int, server_url: str, log: Path) -> Proc:
    proc = Proc([sys.executable, "-m", "patrol_app", "--server", server_url, "--port", str(port),
                 "--data", str(data)], log, env={"TZ": "Europe/Berlin"})  # the demo city's clock
    proc.wait_http(f"http://127.0.0.1:{port}/")
    return proc
