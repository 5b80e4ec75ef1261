"""End to end in real headless Chromium: the police officer logs a check with a photo and a
browser GPS fix, syncs, and the report is on the server with its photo."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import by_id, choose, fill, open_app, phone_context

pytestmark = pytest.mark.e2e

WESTENTOR = {"latitude": 51.68072, "longitude": 7.81055, "accuracy": 8}


def supervisor_reports(server_url: str) -> list[dict]:
    token = httpx.post(f"{server_url}/api/v1/auth/login",
                       json={"username": "lagebild", "password": "streife2026"}).json()["token"]
    return httpx.get(f"{server_url}/api/v1/reports",
                     headers={"Authorization": f"Bearer {token}"}).json()["items"]


def reports_made_here(server_url: str, author: str | None = None) -> list[dict]:
    """Reports this test made: the demo's seeded history carries device GPS fixes, reports
    made in the browser carry its fix."""
    return [i for i in supervisor_reports(server_url)
            if (i["report"].get("fix") or {}).get("source") == "browser"
            and author in (None, i["author"])]


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def test_police_officer_logs_a_check_with_photo_and_gps(stack, artifacts, sample_photo):
    with sync_playwright() as pw, phone_context(pw, geolocation=WESTENTOR) as ctx:
        page = ctx.new_page()
        open_app(page, stack.app_url)
        fill(page, "Benutzername", "polizei")
        fill(page, "Passwort", "streife2026")
        page.screenshot(path=artifacts / "01-login.png")
        by_id(page, "login-submit").click()

        by_id(page, "stop-1").wait_for(timeout=60_000)  # Today: team and route arrived by sync
        page.get_by_text("Streife Mitte 1").wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "02-today.png")
        page.get_by_role("tab", name="Orte").click()

        page.locator('[flt-semantics-identifier^="place-"]').first.wait_for(timeout=30_000)  # synced
        by_id(page, "locate").click()
        page.get_by_text("GPS ±8 m").wait_for(timeout=20_000)
        by_id(page, "place-westentor").wait_for(timeout=30_000)  # places arrived by sync, nearest first
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "03-places.png")
        by_id(page, "place-westentor").click()

        by_id(page, "check-locate").click()
        page.get_by_text("vor Ort").wait_for(timeout=20_000)
        with page.expect_file_chooser() as chooser:
            choose(page, "add-photo")
        chooser.value.set_files(str(sample_photo))
        page.get_by_text("1 Foto angehängt").wait_for(timeout=30_000)  # processed, thumbnail shown
        choose(page, "finding-syringes")
        choose(page, "measure-order_to_leave")
        page.screenshot(path=artifacts / "04-check-form.png")
        by_id(page, "save-report").click()

        page.get_by_role("tab", name="Ausgang").click()
        by_id(page, "sync-now").click()
        page.get_by_text("1/1 Foto bestätigt").wait_for(timeout=30_000)
        page.screenshot(path=artifacts / "05-outbox.png")

        # handover: lock with a new PIN, a wrong PIN is refused, the right one unlocks
        by_id(page, "lock").click()
        fill(page, "Neue PIN (4–8 Ziffern)", "2468")
        by_id(page, "set-pin").click()
        page.get_by_text("Gerät gesperrt").wait_for()
        fill(page, "PIN", "1111")
        by_id(page, "unlock").click()
        page.get_by_text("Falsche PIN.").wait_for()
        page.screenshot(path=artifacts / "06-locked.png")
        fill(page, "PIN", "2468")
        by_id(page, "unlock").click()
        page.get_by_role("tab", name="Ausgang").wait_for()
        assert ctx.foreign_requests == []

    items = wait_for(lambda: reports_made_here(stack.server_url))
    assert len(items) == 1
    item = items[0]
    report = item["report"]
    assert item["author"] == "polizei" and item["agency"] == "police"
    assert report["place_id"] == "westentor"
    assert report["fix"]["source"] == "browser" and report["fix"]["accuracy_m"] == 8
    assert report["presence"]["verdict"] == "on_site"
    assert item["server_presence"]["verdict"] == "on_site"
    assert report["findings"] == ["syringes"] and report["measures"] == ["order_to_leave"]
    assert len(report["photos"]) == 1
    photo_sha = report["photos"][0]
    token = httpx.post(f"{stack.server_url}/api/v1/auth/login",
                       json={"username": "polizei", "password": "streife2026"}).json()["token"]
    # the report lists no missing photo any more: the server has the picture
    again = httpx.post(f"{stack.server_url}/api/v1/reports/batch",
                       headers={"Authorization": f"Bearer {token}"}, json={"reports": [report]}).json()
    assert again["results"][0] == {"id": report["id"], "status": "identical", "missing_photos": [],
                                   "error": None}
    assert len(photo_sha) == 64
