"""A report the server refuses, on the officer's screen (a real Flet session, the real server
in-process): shown as refused with the reason in words, never "all sent", and either corrected
from the check form prefilled (the refused one is then superseded and never sent) or sent again
after a change on the server. And the auto-sync loop that no failing sync can end."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import flet as ft
import pytest

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.core.store import ItemKind, OutboxState
from patrol_app.ui.app import FIELD_TABS, PatrolApp
from patrol_app.ui.views.outbox import OutboxView
from tests.conftest import PASSWORD, add_place, auth, make_report
from tests.support.flet_session import Harness

OUTBOX = next(i for i, tab in enumerate(FIELD_TABS) if tab.view is OutboxView)


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def device(client, tmp_path):
    d = Device(tmp_path / "phone", "http://testserver", transport=client._transport)
    d.login("officer", PASSWORD)
    d.sync()
    return d


async def open_outbox(device: Device) -> tuple[Harness, PatrolApp]:
    h = Harness()
    app = PatrolApp(h.page, device)
    await app.start()
    await h.settle()
    app.show_main(OUTBOX)
    await h.settle()
    return h, app


def states(device: Device) -> dict[tuple[str, str], OutboxState]:
    return {(i.kind.value, i.ref): i.state for i in device.store.outbox()}


def now_fix(place) -> wire.GpsFix:
    return wire.GpsFix(place.lat, place.lon, 5.0, wire.format_timestamp(datetime.now(timezone.utc)))


@pytest.mark.anyio
async def test_a_refused_report_is_corrected_from_the_prefilled_form_and_the_original_never_sent(
        device, client, photo):
    place = device.store.place("pg-1")
    draft = CheckDraft(place=place, fix=now_fix(place), note="Gruppe am Brunnen")
    draft.add_photo(photo)
    original = device.save_check(draft)
    # the server holds another report under the same id (a clash only a correction resolves)
    clash = {**json.loads(wire.canonical_json(original)), "note": "something else", "photos": []}
    assert client.put(f"/api/v1/reports/{original.id}", json=clash,
                      headers=auth(client.token)).status_code == 201
    h, app = await open_outbox(device)
    try:
        await app.sync_now()
        await h.settle()
        assert states(device)[("report", original.id)] is OutboxState.REJECTED
        assert h.text_shown("Auf dem Server liegt schon ein anderer Bericht")
        status = h.by_id("sync-status").value
        assert "Alles gesendet" not in status and "abgelehnt" in status, status

        await h.click(h.by_id(f"correct-{original.id}"))
        await h.until(lambda: h.has_id("save-report"))
        note = next(c for c in h.walk() if isinstance(c, ft.TextField) and c.label == "Bemerkung")
        assert note.value == "Gruppe am Brunnen"  # prefilled, visibly
        assert h.text_shown("1 Foto angehängt")
        await h.type(note, "Gruppe am Brunnen, acht Personen")
        await h.click(h.by_id("save-report"))
        await h.until(lambda: h.has_id(f"outbox-{original.id}") and h.text_shown("Ersetzt durch"))
        (correction,) = [r for r, _ in device.store.history() if r["id"] != original.id]
        await h.until(lambda: states(device)[("report", correction["id"])] is OutboxState.SENT
                      and states(device)[("photo", photo.sha256)] is OutboxState.SENT)
        assert states(device)[("report", original.id)] is OutboxState.SUPERSEDED
        assert not h.has_id(f"correct-{original.id}")  # no more a thing to act on
        assert h.by_id("sync-status").value == "Alles gesendet."
    finally:
        h.close()
    stored = client.get(f"/api/v1/reports/{correction['id']}", headers=auth(client.token)).json()
    assert stored["report"]["note"] == "Gruppe am Brunnen, acht Personen"
    assert stored["report"]["observed_at"] == original.observed_at  # the same check, corrected
    assert stored["report"]["fix"] == json.loads(wire.canonical_json(original))["fix"]
    assert stored["report"]["photos"] == [photo.sha256]
    assert client.app_storage.photo_count() == 1


@pytest.mark.anyio
async def test_a_refused_report_is_sent_again_after_the_place_was_added(device, client, storage):
    r = wire.decode(wire.Report, make_report(place_id="pg-new", note="neuer Spielplatz"))
    device.store.save_report(r)
    h, app = await open_outbox(device)
    try:
        await app.sync_now()
        await h.settle()
        assert h.text_shown("Der Ort ist auf dem Server unbekannt")
        add_place(storage, "pg-new")  # the administration adds the place
        await h.click(h.by_id(f"resend-{r.id}"))
        await h.until(lambda: states(device)[("report", r.id)] is OutboxState.SENT)
        await h.until(lambda: h.by_id("sync-status").value == "Alles gesendet.")
    finally:
        h.close()
    assert client.app_storage.report_count() == 1


@pytest.mark.anyio
async def test_an_unknown_refusal_code_shows_a_sentence_and_the_servers_words(device):
    r = wire.decode(wire.Report, make_report())
    device.store.save_report(r)
    device.store.mark(ItemKind.REPORT, [r.id], OutboxState.REJECTED, error_code="new_rule_2027",
                      error="the moon is in the wrong phase")
    h, app = await open_outbox(device)
    try:
        assert h.text_shown("Vom Server abgelehnt: the moon is in the wrong phase")
    finally:
        h.close()


@pytest.mark.anyio
async def test_the_auto_sync_loop_outlives_a_sync_that_raises(device, monkeypatch):
    """The loop used to end at the first exception (OverflowError from the backoff after two
    days offline) and stay dead until the next login."""
    real = device.sync
    calls = []

    def sync(progress=None):
        calls.append(1)
        if len(calls) == 1:
            raise OverflowError("int too large to convert to float")
        return real(progress)

    monkeypatch.setattr(device, "sync", sync)

    async def fast(_seconds: float) -> None:
        await asyncio.sleep(0.01)

    h = Harness()
    app = PatrolApp(h.page, device)
    app.autosync.sleep = fast  # minutes between rounds become milliseconds
    try:
        await app.start()  # its first sync raises; the loop it starts must go on regardless
        await h.until(lambda: len(calls) >= 3)
        assert app._auto_sync_running
        app.show_main(OUTBOX)
        await h.until(lambda: h.by_id("sync-status").value == "Alles gesendet.")
    finally:
        h.close()
