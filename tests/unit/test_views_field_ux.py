"""Field UX in a real Flet session without a browser (tests/support/flet_session.py), against the
real server app in-process: a failed login stops its spinner, the outbox shows photos as
pictures ("Foto 1 von 2"), a half-filled check survives logout for its author only, the app
bar's tap targets, the supervisor's picture counts answers waiting to be read."""

from __future__ import annotations

from datetime import datetime, timezone

import flet as ft
import pytest

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.ui.app import PatrolApp
from tests.support.flet_session import Harness
from tests.unit.test_views_headless import PW, anyio_backend, demo_server, loaded, open_app  # noqa: F401


def visible_rings(h: Harness) -> list[ft.ProgressRing]:
    """Spinners the phone shows: visible themselves and inside visible parents."""
    out = []

    def walk(c, shown: bool) -> None:
        if not isinstance(c, ft.BaseControl):
            return
        shown = shown and getattr(c, "visible", True) is not False
        if isinstance(c, ft.ProgressRing) and shown:
            out.append(c)
        for name in ("content", "controls", "actions"):
            v = getattr(c, name, None)
            for child in v if isinstance(v, list) else [v]:
                walk(child, shown)

    walk(h.page, True)
    return out


@pytest.mark.anyio
async def test_a_failed_login_stops_the_spinner_under_its_message(demo_server, tmp_path):
    device = Device(tmp_path / "fresh", "http://testserver", transport=demo_server._transport)
    h = Harness()
    app = PatrolApp(h.page, device)
    await app.start()
    await h.settle()
    try:
        fields = {c.label: c for c in h.walk() if isinstance(c, ft.TextField)}
        await h.type(fields["Benutzername"], "polizei")
        await h.type(fields["Passwort"], "falsch")
        await h.click(h.by_id("login-submit"))
        await h.until(lambda: h.text_shown("Anmeldung fehlgeschlagen"))
        assert not h.unsent_changes(), "the spinner's end never reached the phone"
        assert visible_rings(h) == []
        await h.type(fields["Passwort"], PW)  # and the next try still works
        await h.click(h.by_id("login-submit"))
        await h.until(lambda: device.user is not None and not h.has_id("login-submit"))
    finally:
        h.close()
