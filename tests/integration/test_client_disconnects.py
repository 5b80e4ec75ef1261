"""A client that drops the connection mid-upload (a phone losing its network) costs the server
log one line, not a traceback, and nothing half-received is kept."""

from __future__ import annotations

import socket
import time

import httpx

from tests.support.servers import free_port, server_cli, start_server


def _send_half(port: int, method: str, path: str, token: str, total: int, sent: int,
               ctype: str) -> None:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall((f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                   f"Content-Type: {ctype}\r\nContent-Length: {total}\r\n\r\n").encode()
                  + b"x" * sent)
        time.sleep(0.2)  # the server is reading the body when the phone goes away


def test_a_dropped_upload_logs_one_line(tmp_path, monkeypatch):
    data = tmp_path / "server"
    server_cli(data, "init")
    monkeypatch.setenv("PATROL_NEW_PASSWORD", "lang-genug-2026")
    server_cli(data, "create-user", "anna", "--role", "officer", "--agency", "kod")
    port, log = free_port(), tmp_path / "server.log"
    proc = start_server(data, port, log)
    try:
        url = f"http://127.0.0.1:{port}"
        token = httpx.post(f"{url}/api/v1/auth/login", json={
            "username": "anna", "password": "lang-genug-2026"}).json()["token"]
        _send_half(port, "PUT", f"/api/v1/photos/{'a' * 64}", token, 5_000_000, 100_000, "image/jpeg")
        _send_half(port, "POST", "/api/v1/reports/batch", token, 1_000_000, 50_000, "application/json")
        deadline = time.monotonic() + 10
        while log.read_text().count("client went away") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert httpx.get(f"{url}/healthz").status_code == 200
    finally:
        proc.stop()
    text = log.read_text()
    lines = [line for line in text.splitlines() if "client went away" in line]
    assert lines == ["client went away during PUT /api/v1/photos/" + "a" * 64,
                     "client went away during POST /api/v1/reports/batch"], text
    assert "Traceback" not in text, text
    assert not [p for p in (data / "photos").rglob("*") if p.is_file()]  # no half photo left
