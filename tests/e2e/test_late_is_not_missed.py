"""End to end in real headless Chromium: a stop checked after its window is "verspätet", not
"verpasst" -- on the officer's Today and in the shift lead's progress, beside a done, a missed
and open stops."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import sync_playwright
from uuid6 import uuid7

import patrol_wire as wire
from tests.e2e.browser import by_id, log_in, phone_context
from tests.e2e.test_review_reaches_the_field import SUEDSTRASSE, api

pytestmark = pytest.mark.e2e

BAHNHOF = (51.6785, 7.8078)


def test_late_check_is_late_on_today_and_in_the_leads_progress(stack, artifacts):
    # the demo route for Heessen, begun 3 hours ago: stop 1 (Westentor, 0-60 min) is missed,
    # stop 2 (Südstraße, 75-135 min) ended 45 minutes ago, stop 3 (150-210 min) is due now
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=3)
    lead_api = api(stack.server_url, "schichtleitung")
    r = lead_api.post("/api/v1/assignments", json={
        "route_id": "route-innenstadt", "team_id": "team-heessen-1",
        "shift_start": wire.format_timestamp(start),
        "shift_end": wire.format_timestamp(start + timedelta(hours=8))})
    assert r.status_code == 201, r.text
    now = wire.format_timestamp(datetime.now(timezone.utc))  # KOD checks stop 3 in time
    r = api(stack.server_url, "kod2").post("/api/v1/reports/batch", json={"reports": [{
        "id": str(uuid7()), "observed_at": now, "place_id": "drug-bahnhof",
        "team_id": "team-heessen-1", "severity": "none", "visibility": "cooperation",
        "presence": {"verdict": "on_site", "distance_m": 3.0},
        "fix": {"lat": BAHNHOF[0], "lon": BAHNHOF[1], "accuracy_m": 6.0, "fixed_at": now,
                "source": "gps"}}]})
    assert r.json()["results"][0]["status"] == "created", r.text

    with sync_playwright() as pw, phone_context(pw, geolocation=SUEDSTRASSE) as officer_ctx, \
            phone_context(pw) as lead_ctx:
        officer = officer_ctx.new_page()
        log_in(officer, stack.app_url, "polizei2")
        by_id(officer, "stop-2").wait_for(timeout=60_000)  # the route arrived at the first sync
        assert "verpasst" in by_id(officer, "stop-2").inner_text()
        by_id(officer, "stop-2").click()  # a missed stop can still be checked: late
        by_id(officer, "check-locate").click()
        officer.get_by_text("vor Ort").wait_for(timeout=20_000)
        by_id(officer, "save-report").click()
        officer.get_by_role("tab", name="Ausgang").click()
        by_id(officer, "sync-now").click()
        officer.get_by_text("bestätigt", exact=False).first.wait_for(timeout=30_000)
        officer.get_by_role("tab", name="Heute").click()
        stop2 = by_id(officer, "stop-2")
        stop2.wait_for(timeout=20_000)
        assert "verspätet" in stop2.inner_text() and "verpasst" not in stop2.inner_text()
        assert "verpasst" in by_id(officer, "stop-1").inner_text()
        officer.mouse.move(380, 300)  # no tab tooltip over the screenshot
        officer.get_by_text("Gespeichert.", exact=False).first.wait_for(state="hidden", timeout=15_000)
        officer.wait_for_timeout(500)
        officer.screenshot(path=artifacts / "40-today-late.png")

        lead = lead_ctx.new_page()
        log_in(lead, stack.another_device("lead"), "schichtleitung")
        lead.get_by_role("tab", name="Streifen").click()
        counts = by_id(lead, "counts-team-heessen-1")
        counts.wait_for(timeout=30_000)
        assert "erledigt 1 · verspätet 1 · offen 3 · verpasst 1" in counts.inner_text()
        assert "verspätet" in by_id(lead, "pstop-team-heessen-1-2").inner_text()
        assert "erledigt" in by_id(lead, "pstop-team-heessen-1-3").inner_text()
        lead.mouse.move(380, 300)
        lead.wait_for_timeout(1500)
        lead.screenshot(path=artifacts / "41-lead-progress.png")
        for ctx in (officer_ctx, lead_ctx):
            assert ctx.foreign_requests == []

    (heessen,) = [p for p in lead_api.get("/api/v1/progress").json()
                  if p["team_id"] == "team-heessen-1"]
    assert [s["status"] for s in heessen["stops"]] == ["missed", "late", "done", "open", "open", "open"]
