"""``patrol-server serve --ssl-certfile --ssl-keyfile`` serves HTTPS itself (docs/deploy.md's
first option), with a certificate a client verifies; plain HTTP on that port gets nowhere."""

from __future__ import annotations

import ssl
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.servers import ROOT, Proc, free_port, server_cli


def test_the_server_speaks_tls_with_the_configured_certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", str(key), "-out", str(cert)], capture_output=True)
    if made.returncode:
        pytest.skip(f"openssl could not make a test certificate: {made.stderr[-300:]!r}")
    data, port = tmp_path / "server", free_port()
    server_cli(data, "init")
    proc = Proc([sys.executable, "-m", "sync_server", "--data", str(data), "serve", "--port",
                 str(port), "--log-level", "warning", "--ssl-certfile", str(cert),
                 "--ssl-keyfile", str(key)], tmp_path / "server.log")
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and answer is None and proc.proc.poll() is None:
            try:
                answer = httpx.get(f"https://127.0.0.1:{port}/healthz", verify=trust, timeout=2)
            except httpx.HTTPError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, (tmp_path / "server.log").read_text()
        with pytest.raises(httpx.HTTPError):  # tokens never cross in clear text on this port
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        proc.stop()


def test_tls_needs_both_files(tmp_path):
    out = subprocess.run([sys.executable, "-m", "sync_server", "--data", str(tmp_path), "serve",
                          "--ssl-certfile", "x.pem"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "both" in out.stderr
