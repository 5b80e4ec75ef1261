"""Tokens never cross a network in clear text: the device refuses a plain-http server address
that is not this device itself, unless PATROL_ALLOW_INSECURE_HTTP=1 says so explicitly, and
the login screen says why in German.

The addresses here use the reserved ``.invalid`` domain: a request that did go out fails at
once as Offline (no such name), so "refused before sending" and "tried" are told apart
without a network."""

from __future__ import annotations

import pytest

from patrol_app.core.client import (ALLOW_INSECURE_ENV, InsecureServer, Offline, SyncClient,
                                    insecure_reason)
from patrol_app.core.device import Device
from patrol_app.core.sync import Outcome
from tests.unit.test_views_headless import login_screen

GERMAN = "Unverschlüsselte Server-Adresse"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_allowance(monkeypatch):
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)


@pytest.mark.parametrize("url", [
    "https://streife.example", "https://10.0.0.5:8443/", "http://127.0.0.1:8000",
    "http://127.9.9.9", "http://localhost:8000", "http://LOCALHOST", "http://[::1]:8000",
])
def test_https_and_this_device_itself_may_carry_credentials(url):
    assert insecure_reason(url, env={}) is None


@pytest.mark.parametrize("url", [
    "http://10.0.0.5:8000", "http://streife.example", "http://127.0.0.1.evil.example",
    "http://[2001:db8::1]:8000", "http://0.0.0.0:8000", "ftp://streife.example", "streife.example",
    "http://", "https://",
])
def test_plain_http_elsewhere_and_non_addresses_are_refused(url):
    assert insecure_reason(url, env={}) is not None


def test_the_allowance_is_explicit_and_only_for_http():
    assert insecure_reason("http://10.0.0.5:8000", env={ALLOW_INSECURE_ENV: "1"}) is None
    assert insecure_reason("http://10.0.0.5:8000", env={ALLOW_INSECURE_ENV: "yes"}) is not None
    assert insecure_reason("ftp://10.0.0.5", env={ALLOW_INSECURE_ENV: "1"}) is not None


def test_login_to_plain_http_elsewhere_sends_nothing_and_keeps_nothing(tmp_path):
    device = Device(tmp_path / "phone", "http://127.0.0.1:9")
    with pytest.raises(InsecureServer):
        device.login("polizei", "secret", "http://streife.invalid:8000")
    assert device.store.get_meta("server_url") is None and device.store.get_meta("token") is None


def test_with_the_allowance_the_login_is_tried(tmp_path, monkeypatch):
    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")
    device = Device(tmp_path / "phone", "http://127.0.0.1:9")
    with pytest.raises(Offline):  # it went to the network: no such name
        device.login("polizei", "secret", "http://streife.invalid:8000")


def test_a_stored_plain_http_address_stops_the_sync_before_the_token_goes_out(tmp_path):
    """A device that logged in to a LAN address before this rule: its token stays home, its
    reports wait, the officer is asked to log in again."""
    device = Device(tmp_path / "phone", "http://127.0.0.1:9")
    device.store.set_meta("server_url", "http://streife.invalid:8000")
    device.store.set_meta("token", "a-token")
    device.store.set_meta("user", '{"username":"polizei","display_name":"P","role":"officer",'
                                  '"agency":"police","team_ids":[]}')
    device = Device(tmp_path / "phone", "http://127.0.0.1:9")
    result = device.sync()
    assert result.outcome is Outcome.AUTH_NEEDED  # not OFFLINE: nothing was tried
    assert device.probe() is False  # the probe carries no credentials and may try (no such name)


def test_the_health_probe_carries_no_credentials_and_is_not_refused():
    c = SyncClient("http://streife.invalid:8000", "a-token")
    try:
        assert c.insecure is not None
        assert c.probe() is False  # tried, and the name does not resolve
        with pytest.raises(InsecureServer):
            c.get_bytes("/api/v1/photos/x")
    finally:
        c.close()


@pytest.mark.anyio
async def test_the_login_screen_says_why_in_german(tmp_path):
    import flet as ft

    device = Device(tmp_path / "fresh", "http://127.0.0.1:9")
    h, app, fields = await login_screen(device)
    try:
        assert not fields["Server-Adresse"].visible  # shown as one line until "Ändern"
        await h.click(h.by_id("server-change"))
        await h.settle()
        assert fields["Server-Adresse"].visible
        await h.type(fields["Benutzername"], "polizei")
        await h.type(fields["Passwort"], "secret")
        await h.type(fields["Server-Adresse"], "http://192.168.1.20:8000")
        await h.click(h.by_id("login-submit"))
        await h.until(lambda: any(GERMAN in (c.value or "") for c in h.walk()
                                  if isinstance(c, ft.Text)))
        assert device.user is None and device.store.get_meta("token") is None
    finally:
        h.close()
