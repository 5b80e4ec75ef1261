"""HTTP client for the sync server, with an error hierarchy the sync engine can act on.

    ClientError
    ├── Offline          no connection, DNS, timeout, reset: try again later
    ├── AuthRequired     401: the token is missing, expired or revoked -> log in again
    │   └── InsecureServer  plain http to another machine: nothing sent -> an https address
    ├── ServerError      5xx or an unreadable answer: retry with backoff
    └── Rejected         4xx with an error code: this request will never succeed as it is

Retries are not done here: the outbox owns them (see sync.py).

Clocks: every answer's ``Date`` header tells the server's time, passed to ``on_server_time``
with the device's own reading (the device keeps the offset); report uploads carry the device's
clock as ``X-Device-Time``, so the server can tell a wrong phone clock from a late report.
"""

from __future__ import annotations

import ipaddress
import json
import os
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

import httpx

import patrol_wire as wire
from patrol_wire import API_PREFIX


class ClientError(Exception):
    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class Offline(ClientError):
    pass


class AuthRequired(ClientError):
    pass


class InsecureServer(AuthRequired):
    """The server address is plain http to another machine: a password or token would cross
    the network in clear text, so nothing is sent. An AuthRequired: the outbox keeps waiting
    and the officer logs in again, with the server's https address."""


class ServerError(ClientError):
    pass


class Rejected(ClientError):
    pass


DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
PROBE_TIMEOUT = httpx.Timeout(3.0)

Clock = Callable[[], datetime]
ServerTime = Callable[[datetime, datetime], None]  # (server's time, device's time) at one moment


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


ALLOW_INSECURE_ENV = "PATROL_ALLOW_INSECURE_HTTP"  # "1": plain http anywhere (test rigs, demos)


def insecure_reason(base_url: str, env: Mapping[str, str] = os.environ) -> str | None:
    """Why credentials must not go to this address, or None when they may: https; http to
    this device itself (loopback: nothing crosses a network); or any http address when
    ``PATROL_ALLOW_INSECURE_HTTP=1`` says so explicitly (an environment variable, so a phone
    build cannot be talked into it from the login screen)."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    if scheme == "https" and parts.hostname:
        return None
    if scheme != "http" or not parts.hostname:
        return f"{base_url!r} is not an http(s) address"
    if _is_loopback(parts.hostname) or env.get(ALLOW_INSECURE_ENV) == "1":
        return None
    return (f"{base_url!r} is plain http to another machine (use https, or set "
            f"{ALLOW_INSECURE_ENV}=1 on a closed test network)")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


class SyncClient:
    """Talks to one server. ``transport`` can be injected (tests, fault proxies); ``clock`` is
    the device's clock (tests shift it).

    Requests that carry a password or a token refuse a plain-http address off this device
    (:func:`insecure_reason`) with InsecureServer, before anything is sent; the health probe
    carries neither. An injected transport carries the bytes itself (the tests' in-process
    server) and is not checked: with the default one, every byte goes to the network."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = utc_now,
        on_server_time: ServerTime | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.clock = clock
        self.on_server_time = on_server_time
        self.insecure = None if transport is not None else insecure_reason(self.base_url)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------ endpoints

    def login(self, username: str, password: str) -> wire.LoginResponse:
        data = self._request(
            "POST", f"{API_PREFIX}/auth/login", json={"username": username, "password": password},
            auth=False,
        )
        resp = wire.decode(wire.LoginResponse, data)
        self.token = resp.token
        return resp

    def logout(self) -> None:
        """End this session on the server (the token stops working there at once)."""
        self._request("POST", f"{API_PREFIX}/auth/logout", timeout=PROBE_TIMEOUT)

    def put_report(self, report: wire.Report) -> wire.ReportResult:
        data = self._request("PUT", f"{API_PREFIX}/reports/{report.id}",
                             content=wire.canonical_json(report), device_time=True)
        return wire.decode(wire.ReportResult, data)

    def push_batch(self, bodies: list[str]) -> list[wire.ReportResult]:
        """Send reports as the store keeps them (canonical JSON), one result per item, in order.

        The texts go out unchanged: the server reads a batch of canonical reports in one pass
        and stores their bytes (see ``patrol_wire.decode_batch``)."""
        payload = '{"reports":[' + ",".join(bodies) + "]}"
        data = self._request("POST", f"{API_PREFIX}/reports/batch", content=payload.encode(),
                             device_time=True)
        return wire.decode(wire.BatchResponse, data).results

    def put_photo(self, sha256: str, jpeg: bytes) -> wire.PhotoResult:
        data = self._request("PUT", f"{API_PREFIX}/photos/{sha256}", content=jpeg,
                             headers={"Content-Type": "image/jpeg"})
        return wire.decode(wire.PhotoResult, data)

    def pull(self, cursor: str | None) -> wire.SyncPage:
        params = {"agencies": "1", "operations": "1"}  # kinds newer than the first servers
        if cursor:
            params = {"cursor": cursor, **params}
        data = self._request("GET", f"{API_PREFIX}/sync", params=params)
        return wire.decode(wire.SyncPage, data)

    def probe(self) -> bool:
        """Is the server there? ``GET /healthz`` with a short timeout, no login, nothing
        raised: the cheap question an outbox asks often while it waits for the network."""
        try:
            resp = self._send("GET", "/healthz", headers={}, timeout=PROBE_TIMEOUT)
        except Offline:
            return False
        return resp.status_code == 200

    def get_bytes(self, url: str, params: dict | None = None) -> bytes:
        """A binary resource (a photo, an export); errors as for every other call."""
        self._refuse_insecure()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        resp = self._send("GET", url, headers=headers, params=params or {})
        if resp.is_success:
            return resp.content
        _answer(resp)  # raises the matching error
        raise ServerError("unexpected answer", status=resp.status_code)

    # ------------------------------------------------------------ plumbing

    def _request(self, method: str, url: str, *, auth: bool = True, headers: dict | None = None,
                 device_time: bool = False, **kwargs: Any) -> Any:
        self._refuse_insecure()  # every call here carries the token or (login) the password
        headers = dict(headers or {})
        if "content" in kwargs and "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"
        if auth:
            if not self.token:
                raise AuthRequired("not logged in", code="auth_required", status=401)
            headers["Authorization"] = f"Bearer {self.token}"
        if device_time:
            headers["X-Device-Time"] = wire.format_timestamp(self.clock())
        return _answer(self._send(method, url, headers=headers, **kwargs))

    def _refuse_insecure(self) -> None:
        if self.insecure is not None:
            raise InsecureServer(self.insecure, code="insecure_server")

    def _send(self, method: str, url: str, *, headers: dict, **kwargs: Any) -> httpx.Response:
        sent = self.clock()
        try:
            resp = self._http.request(method, url, headers=headers, **kwargs)
        except (httpx.TransportError, OSError) as exc:
            # connect errors, timeouts, resets and truncated responses alike: the request may or
            # may not have reached the server; PUT semantics make the retry safe either way
            raise Offline(f"{type(exc).__name__}: {exc}") from exc
        if self.on_server_time is not None:
            server = server_time(resp)
            if server is not None:  # the answer left the server about halfway through
                self.on_server_time(server, sent + (self.clock() - sent) / 2)
        return resp


def server_time(resp: httpx.Response) -> datetime | None:
    """The server's clock from an answer's ``Date`` header (RFC 9110, whole seconds: half a
    second is added so the estimate is unbiased), or None when absent or unreadable."""
    value = resp.headers.get("date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return moment + timedelta(milliseconds=500)


def _answer(resp: httpx.Response) -> Any:
    try:
        body = resp.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        body = None
    if resp.status_code == 204:
        return None
    if resp.is_success:
        if body is None:
            raise ServerError("unreadable answer from the server", status=resp.status_code)
        return body
    err = (body or {}).get("error", {}) if isinstance(body, dict) else {}
    code = err.get("code") if isinstance(err, dict) else None
    message = err.get("message", resp.reason_phrase) if isinstance(err, dict) else resp.reason_phrase
    if resp.status_code == 401:
        raise AuthRequired(message, code=code or "auth_required", status=401)
    if resp.status_code >= 500 or resp.status_code in (408, 429) or code is None:
        # 429/408 and answers without our error shape (a proxy's page) are transient
        raise ServerError(message, code=code, status=resp.status_code)
    raise Rejected(message, code=code, status=resp.status_code)
