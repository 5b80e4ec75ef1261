"""End to end in headless Chromium: a check saved during an outage arrives within seconds of the
server coming back, with no tap; a refused report is visible with its reason and a way on; the
reviewer sees a phone clock two hours slow."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import sync_playwright

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from tests.e2e.browser import DEMO_PASSWORD, by_id, log_in, open_app, phone_context
from tests.e2e.test_kod_officer_offline import log_check
from tests.e2e.test_officer_logs_a_check import WESTENTOR

pytestmark = pytest.mark.e2e


def test_a_check_saved_during_an_outage_arrives_within_seconds_of_the_server_returning(
        stack, artifacts, sample_photo):
    with sync_playwright() as pw, phone_context(pw, geolocation=WESTENTOR) as ctx:
        page = ctx.new_page()
        log_in(page, stack.app_url, "kod")
        by_id(page, "stop-1").wait_for(timeout=60_000)

        log_check(page, "westentor", sample_photo, "finding-syringes")  # the network is there
        page.get_by_text("Gespeichert und gesendet.").first.wait_for(timeout=20_000)

        stack.stop_server()
        log_check(page, "westentor", sample_photo, "finding-broken_glass")
        page.get_by_text("Server nicht erreichbar – wird gesendet, sobald er erreichbar ist"
                         ).first.wait_for(timeout=20_000)
        page.get_by_role("tab", name="Ausgang").click()
        page.get_by_text("wartet: 1").wait_for(timeout=10_000)  # the report; its photo is known
        page.wait_for_timeout(20_000)  # a while away: the probes have backed off to their cap

        stack.start_server()
        back = time.monotonic()
        page.get_by_text("bestätigt: 3").wait_for(timeout=30_000)  # no tap: the probe noticed
        drained = time.monotonic() - back
        page.screenshot(path=artifacts / "outbox-drained.png")
        print(f"queue drained {drained:.1f} s after the server was back")
        assert drained < 20, drained
        assert ctx.foreign_requests == []


def _refused_phone(stack, data) -> str:
    """A phone whose store holds a check at a place the server does not know (a server restored
    from an older backup, say); its app process starts logged in and syncs."""
    phone = Device(data, stack.server_url)
    phone.login("kod", DEMO_PASSWORD)
    phone.sync()
    known = phone.store.place("westentor")
    place = wire.Place("spielplatz-neubau", "Spielplatz Am Neubaugebiet", wire.PlaceType.PLAYGROUND,
                       known.lat + 0.004, known.lon, 30.0, district_id=known.district_id)
    phone.store.db.execute("INSERT INTO ref_data (kind, id, body) VALUES ('place', ?, ?)",
                           [place.id, wire.canonical_json(place).decode()])
    fix = wire.GpsFix(place.lat, place.lon, 7.0, wire.format_timestamp(datetime.now(timezone.utc)))
    report = phone.save_check(CheckDraft(place=place, fix=fix, note="Schaukel defekt",
                                         findings={wire.Finding.DAMAGED_EQUIPMENT}))
    phone.store.close()
    return report.id


def _slow_phone_report(stack, data) -> str:
    offset = -timedelta(hours=2, minutes=3)
    phone = Device(data, stack.server_url, clock=lambda: datetime.now(timezone.utc) + offset)
    phone.login("polizei", DEMO_PASSWORD)
    phone.sync()
    place = phone.store.place("westentor")
    fix = wire.GpsFix(place.lat, place.lon, 6.0, wire.format_timestamp(phone.clock()))
    report = phone.save_check(CheckDraft(place=place, fix=fix, note="Gruppe am Brunnen, ruhig",
                                         findings={wire.Finding.ALCOHOL}))
    assert phone.sync().rejected == 0
    phone.store.close()
    return report.id


def test_a_refused_report_and_a_slow_phone_clock_as_officer_and_reviewer_see_them(
        stack, artifacts, tmp_path):
    refused = _refused_phone(stack, tmp_path / "device-refused")
    officer_url = stack.another_device("refused")  # opens that store, logged in
    skewed = _slow_phone_report(stack, tmp_path / "slow-phone")
    with sync_playwright() as pw, phone_context(pw, geolocation=WESTENTOR) as ctx:
        page = ctx.new_page()
        open_app(page, officer_url)
        page.get_by_role("tab", name="Ausgang").click()
        page.get_by_text("Der Ort ist auf dem Server unbekannt").wait_for(timeout=30_000)
        by_id(page, f"resend-{refused}").wait_for()
        page.wait_for_timeout(500)
        page.screenshot(path=artifacts / "screenshot-outbox-refused.png")
        by_id(page, f"correct-{refused}").click()
        page.get_by_text("Korrektur eines abgelehnten Berichts").wait_for(timeout=10_000)
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "correction-form.png")

        review = ctx.new_page()
        log_in(review, stack.app_url, "lagebild")
        by_id(review, f"review-{skewed}").click(timeout=60_000)
        review.get_by_text("Geräteuhr ging 2 h 3 min nach.").wait_for(timeout=20_000)
        review.wait_for_timeout(500)
        review.screenshot(path=artifacts / "screenshot-review-clock.png")
        assert ctx.foreign_requests == []
