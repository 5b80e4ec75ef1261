"""Screens in a real Flet session without a browser (tests/support/flet_session.py), against the
real server app in-process: every tab of every role renders, and the officer answers a question
from review by tapping through Today."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import httpx
import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.ui.app import TABS_BY_ROLE, PatrolApp
from sync_server.app import create_app
from sync_server.demo import seed_demo
from tests.support.flet_session import Harness

PW = "streife2026"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    from sync_server.config import Settings
    from sync_server.storage import open_storage
    from tests.conftest import FAST_KDF

    settings = Settings(data_dir=tmp_path_factory.mktemp("demo"), kdf=FAST_KDF)
    storage = open_storage(settings)
    seed_demo(storage, settings)
    with TestClient(create_app(settings, storage)) as c:
        c._transport = SerialTransport(c._transport)
        yield c
    storage.close()


class SerialTransport(httpx.BaseTransport):
    """Starlette's TestClient transport, one request at a time. Several devices and a view's
    background load call it from different threads, and its in-process portal then fails now
    and again with ClosedResourceError (the app reads that as "offline"); a real uvicorn
    serves them side by side, which the integration and browser tests cover."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            response = self.inner.handle_request(request)
            response.read()
            return response


async def open_app(demo_server, tmp_path, username: str) -> tuple[Harness, PatrolApp]:
    device = Device(tmp_path / username, "http://testserver", transport=demo_server._transport)
    device.login(username, PW)
    device.sync()
    h = Harness()
    app = PatrolApp(h.page, device)
    await app.start()
    await h.settle()
    return h, app


async def login_screen(device: Device) -> tuple[Harness, PatrolApp, dict]:
    """A fresh app on ``device`` at its login screen, and its text fields by label."""
    import flet as ft

    h = Harness()
    app = PatrolApp(h.page, device)
    await app.start()
    await h.settle()
    return h, app, {c.label: c for c in h.walk() if isinstance(c, ft.TextField)}


def loaded(h: Harness) -> bool:
    """An online screen has replaced its spinner (with data or with an error)."""
    import flet as ft

    return not any(isinstance(c, ft.ProgressRing) for c in h.walk())


@pytest.mark.anyio
@pytest.mark.parametrize("username", ["polizei", "schichtleitung", "lagebild", "admin"])
async def test_every_tab_of_every_role_renders(demo_server, tmp_path, username):
    h, app = await open_app(demo_server, tmp_path, username)
    try:
        tabs = TABS_BY_ROLE[app.device.user.role]
        for i in range(len(tabs)):
            app.show_main(i)
            await h.until(lambda: loaded(h))
            shown = " ".join(h.texts())
            assert "Server nicht erreichbar" not in shown and "Problem" not in shown, (i, shown[:300])
            assert "nicht dargestellt" not in shown, (i, shown[:300])
            assert h.session.page.navigation_bar.selected_index == i
    finally:
        h.close()


@pytest.mark.anyio
async def test_officer_answers_a_question_from_today(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "kod")
    try:
        device = app.device
        place = device.store.place("westentor")
        fix = wire.GpsFix(place.lat, place.lon, 5.0, wire.format_timestamp(datetime.now(timezone.utc)))
        report = device.save_check(CheckDraft(place=place, fix=fix, note="Gruppe am Brunnen",
                                              findings={wire.Finding.ALCOHOL}))
        device.sync()
        sup = Device(tmp_path / "sup", "http://testserver", transport=demo_server._transport)
        sup.login("lagebild", PW)
        office = sup.office()
        office.review(report.id, wire.ReviewAction.START)
        office.review(report.id, wire.ReviewAction.ASK, "Wie groß war die Gruppe?")
        office.close()

        await app.sync_now()
        app.show_main(0)
        await h.until(lambda: h.has_id("answer-query"))
        assert h.text_shown("Wie groß war die Gruppe?")
        # which of the officer's reports at Westentor: its time, findings and note
        observed = app.t.datetime(wire.parse_timestamp(report.observed_at))
        about = f"{observed} · Alkohol · Gruppe am Brunnen"
        assert h.text_shown(about), [x for x in h.texts() if "Brunnen" in x]
        await h.click(h.by_id("answer-query"))
        await h.until(lambda: h.has_id("answer-text"))
        assert h.text_shown(about)
        await h.click(h.by_id("save-answer"))
        assert h.text_shown("Bitte eine Antwort eingeben.")  # empty answers are refused in words
        await h.type(h.by_id("answer-text"), "Etwa acht Personen.")
        await h.click(h.by_id("save-answer"))
        await h.until(lambda: h.has_id("stop-1") and not h.has_id("answer-query"))
        (amendment,) = [r for r, _ in device.store.history() if r.get("amends") == report.id]
        assert amendment["note"] == "Etwa acht Personen."
        await h.until(lambda: office_state(sup, report.id) == "in_review")
    finally:
        h.close()


@pytest.mark.anyio
async def test_a_late_check_shows_late_on_today_and_in_the_leads_progress(demo_server, tmp_path):
    """Heessen's route began 3 hours ago: the Südstraße (75-135 min) checked now is late, the
    Westentor (0-60 min) never checked is missed -- on the phone and for the shift lead."""
    from datetime import timedelta

    lead = Device(tmp_path / "lead", "http://testserver", transport=demo_server._transport)
    lead.login("schichtleitung", PW)
    office = lead.office()
    start = datetime.now(timezone.utc) - timedelta(hours=3)
    office.assign(wire.AssignRequest("route-innenstadt", "team-heessen-1", wire.format_timestamp(start),
                                     wire.format_timestamp(start + timedelta(hours=8))))
    office.close()
    h, app = await open_app(demo_server, tmp_path, "polizei2")
    try:
        place = app.device.store.place("suedstrasse")
        fix = wire.GpsFix(place.lat, place.lon, 5.0, wire.format_timestamp(datetime.now(timezone.utc)))
        report = app.device.save_check(CheckDraft(place=place, fix=fix))
        app.show_main(0)
        checked = app.t.time(wire.parse_timestamp(report.observed_at))
        await h.until(lambda: h.has_id("stop-2"))
        assert h.text_shown(f"verspätet {checked}") and h.text_shown("verpasst")
        # the next stop is the first open one, said in words (not a shade alone): stop 3
        marked = [seq for seq in range(1, 7) if h.has_id(f"stop-{seq}")
                  and h.by_id(f"stop-{seq}").trailing is not None]
        assert marked == [3] and h.text_shown("als Nächstes")
        app.device.sync()
    finally:
        h.close()
    h, app = await open_app(demo_server, tmp_path, "schichtleitung")
    try:
        app.show_main(0)  # Streifen
        await h.until(lambda: h.has_id("counts-team-heessen-1"))
        assert h.text_shown("erledigt 0 · verspätet 1 · offen 4 · verpasst 1")
        assert h.text_shown(f"verspätet {checked}") and h.text_shown("Verspätet kontrolliert: 1")
    finally:
        h.close()


def office_state(device: Device, report_id: str) -> str:
    office = device.office()
    try:
        return office.report(report_id)["review_state"]
    finally:
        office.close()


@pytest.mark.anyio
async def test_login_with_an_empty_field_says_so_and_asks_nobody(demo_server, tmp_path):
    import flet as ft

    device = Device(tmp_path / "fresh", "http://testserver", transport=demo_server._transport)
    h, app, fields = await login_screen(device)
    try:
        await h.type(fields["Benutzername"], "polizei")
        await h.click(h.by_id("login-submit"))
        await h.until(lambda: h.text_shown("Bitte Benutzername und Passwort eingeben."))
        assert device.user is None  # nothing was sent
        await h.type(fields["Passwort"], PW)
        await h.click(h.by_id("login-submit"))
        await h.until(lambda: device.user is not None and not h.has_id("login-submit"))
    finally:
        h.close()


@pytest.mark.anyio
async def test_a_question_pulled_by_a_background_sync_appears_on_today(demo_server, tmp_path):
    """The officer stays on Today while a sync (auto-sync, or one started from the outbox
    just before switching tabs) brings a question: Today redraws with it, no tap needed."""
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        device = app.device
        place = device.store.place("westentor")
        fix = wire.GpsFix(place.lat, place.lon, 5.0, wire.format_timestamp(datetime.now(timezone.utc)))
        report = device.save_check(CheckDraft(place=place, fix=fix, note="Ruhig"))
        device.sync()
        app.show_main(0)
        await h.settle()
        assert not h.has_id("answer-query")
        sup = Device(tmp_path / "sup", "http://testserver", transport=demo_server._transport)
        sup.login("lagebild", PW)
        office = sup.office()
        office.review(report.id, wire.ReviewAction.START)
        office.review(report.id, wire.ReviewAction.ASK, "Wer war noch vor Ort?")
        office.close()

        await app.sync_now()  # what the auto-sync loop does; nobody navigates
        await h.until(lambda: h.has_id("answer-query"))
        assert h.text_shown("Wer war noch vor Ort?")
    finally:
        h.close()


@pytest.mark.anyio
async def test_a_tap_right_after_tapping_the_shown_tab_again_is_not_lost(demo_server, tmp_path):
    """Tapping the tab already shown must not rebuild its screen: the officer's next tap would
    land on a control that was replaced meanwhile, and Flet drops events of removed controls."""
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        device = app.device
        place = device.store.place("westentor")
        device.save_check(CheckDraft(place=place, note="Ruhig", no_fix_reason="GPS gestört"))
        outbox_tab = next(i for i, tab in enumerate(TABS_BY_ROLE[wire.Role.OFFICER])
                          if tab.label == "nav_outbox")
        app.show_main(outbox_tab)
        await h.settle()
        sync_button = h.by_id("sync-now")  # what the officer's thumb is over
        nav = h.page.navigation_bar
        h.session.apply_patch(nav._i, {"selected_index": outbox_tab})  # the same tab, again
        await h.session.dispatch_event(nav._i, "change", outbox_tab)
        await h.click(sync_button)
        await h.until(lambda: device.unsent_count() == 0)  # the tap reached the sync button
    finally:
        h.close()
