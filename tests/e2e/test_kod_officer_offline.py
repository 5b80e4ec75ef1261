"""End to end: the KOD officer loses the server mid-shift, logs two checks with GPS and a photo
each (one from a file, one from the live camera), sees them waiting, is asked before logging out
(and keeps them), and everything is confirmed once the server is back."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import by_id, choose, fill, open_app, open_menu_item, phone_context
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_officer_logs_a_check import WESTENTOR, reports_made_here, wait_for

pytestmark = pytest.mark.e2e


def log_check(page, place_id: str, photo: Path | None, finding: str, verdict: str = "vor Ort",
              persons: int = 0, search: str | None = None) -> None:
    page.get_by_role("tab", name="Orte").click()
    by_id(page, "locate").click()
    page.get_by_text("GPS ±8 m").wait_for(timeout=20_000)
    page.wait_for_timeout(300)  # the list is redrawn nearest-first
    if search:  # the list only renders what fits on screen: narrow it down like a user would
        fill(page, "Ort suchen", search)
    by_id(page, f"place-{place_id}").click()
    by_id(page, "check-locate").click()
    page.get_by_text(verdict).wait_for(timeout=20_000)
    for _ in range(persons):  # event mode: the big counter
        by_id(page, "count-persons-plus").click()
    if persons:
        page.get_by_text(str(persons), exact=True).wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=ARTIFACTS / "event-counters.png")
    if photo is None:  # the live camera (Chromium's fake device shows a test pattern)
        choose(page, "take-photo")
        page.wait_for_timeout(2000)  # preview running
        page.screenshot(path=ARTIFACTS / "camera.png")
        by_id(page, "shutter").click()
    else:
        with page.expect_file_chooser() as chooser:
            choose(page, "add-photo")
        chooser.value.set_files(str(photo))
    page.get_by_text("1 Foto angehängt").wait_for(timeout=30_000)
    choose(page, finding)
    by_id(page, "save-report").click()
    page.get_by_text("Gespeichert").first.wait_for(timeout=10_000)


def test_kod_officer_works_through_a_server_outage(stack, artifacts, sample_photo):
    with sync_playwright() as pw, phone_context(pw, geolocation=WESTENTOR, camera=True) as ctx:
        page = ctx.new_page()
        open_app(page, stack.app_url)
        fill(page, "Benutzername", "kod")
        fill(page, "Passwort", "streife2026")
        by_id(page, "login-submit").click()
        by_id(page, "stop-1").wait_for(timeout=60_000)

        stack.stop_server()
        log_check(page, "westentor", sample_photo, "finding-syringes")
        log_check(page, "event-weihnachtsmarkt", None, "finding-alcohol", verdict="nicht vor Ort",
                  persons=3, search="Weihnacht")

        page.get_by_role("tab", name="Ausgang").click()
        page.get_by_text("Offline – Berichte werden gespeichert").wait_for(timeout=10_000)
        page.get_by_text("wartet: 4").wait_for(timeout=10_000)  # two reports, two photos
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "07-outbox-offline.png")

        open_menu_item(page, "logout")
        page.get_by_text("Abmelden?").wait_for()
        page.get_by_role("button", name="Abbrechen").click()

        stack.start_server()
        by_id(page, "sync-now").click()
        page.get_by_text("bestätigt: 4").wait_for(timeout=30_000)
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "08-outbox-synced.png")
        page.get_by_role("tab", name="Verlauf").click()
        page.get_by_text("Weihnachtsmarkt Innenstadt").wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "09-history.png")
        assert ctx.foreign_requests == []

    items = wait_for(lambda: reports_made_here(stack.server_url, "kod"))
    by_place = {i["report"]["place_id"]: i for i in items}
    assert sorted(by_place) == ["event-weihnachtsmarkt", "westentor"]
    assert by_place["event-weihnachtsmarkt"]["report"]["counts"] == {"persons": 3}
    assert by_place["event-weihnachtsmarkt"]["server_presence"]["verdict"] == "off_site"
    assert all(len(i["report"]["photos"]) == 1 for i in items)
    assert all(i["agency"] == "kod" for i in items)
