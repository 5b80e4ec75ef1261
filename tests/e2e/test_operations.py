"""Joint operations in real headless Chromium at phone size (390x844): the operation lead plans an
operation in the form (agencies, teams, a place found by search, an area drawn on the map), opens the demo's running
Südstraße night and sees a report of a participating team arrive in the live feed, opens
yesterday's Christmas-market evening and downloads its one-page summary PDF; an officer of a
participating team finds the briefing on Today. Screenshots in test-artifacts/operations-*.png."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import sync_playwright
from uuid6 import uuid7

import patrol_wire as wire
from tests.e2e.browser import (DESKTOP, by_id, fill, finger_tap, log_in, phone_context,
                               settled_screenshot)
from tests.e2e.test_review_reaches_the_field import api

pytestmark = pytest.mark.e2e


def scrolled_to(page, identifier: str, tries: int = 80):
    """Wheel the screen until the control lies fully on it (Flutter drops controls scrolled
    out of view from the semantics tree)."""
    node = by_id(page, identifier)
    bottom = page.viewport_size["height"] - 8  # the sub screens have no navigation bar
    for _ in range(tries):
        box = node.first.bounding_box() if node.count() else None
        if box and 60 <= box["y"] and box["y"] + box["height"] <= bottom:
            page.wait_for_timeout(250)
            return node.first
        page.mouse.move(195, 450)
        down = box is None or box["y"] + box["height"] > bottom
        page.mouse.wheel(0, 250 if down else -150)
        page.wait_for_timeout(200)
    raise AssertionError(f"{identifier} did not come on screen")


def suedstrasse_check(server_url: str) -> str:
    """A check of the Zoll/Polizei team at the Südstraße, sent now (as the officer's phone would)."""
    zoll = api(server_url, "zoll2")
    now = datetime.now(timezone.utc)
    place = next(p for p in zoll.get("/api/v1/sync").json()["places"] if p["id"] == "suedstrasse")
    body = {"id": str(uuid7()), "observed_at": wire.format_timestamp(now - timedelta(seconds=30)),
            "severity": "medium", "visibility": "cooperation", "team_id": "team-suedstrasse-zoll",
            "place_id": "suedstrasse", "presence": {"verdict": "on_site", "distance_m": 4.0},
            "fix": {"lat": place["lat"], "lon": place["lon"], "accuracy_m": 6.0,
                    "fixed_at": wire.format_timestamp(now - timedelta(seconds=35)), "source": "gps"},
            "findings": ["youth_protection", "alcohol"], "measures": ["talk", "youth_office_informed"],
            "note": "Zwei Jugendliche mit Schnaps angesprochen."}
    r = zoll.put(f"/api/v1/reports/{body['id']}", json=body)
    assert r.status_code == 201, r.text
    return body["id"]


def test_lead_plans_an_operation_follows_the_live_feed_and_reads_the_summary(stack, artifacts, tmp_path):
    officer_url = stack.another_device("zoll2")
    with sync_playwright() as pw, phone_context(pw) as lead_ctx, phone_context(pw) as officer_ctx:
        lead = lead_ctx.new_page()
        log_in(lead, stack.app_url, "einsatzleitung")
        lead.get_by_role("tab", name="Einsätze").click()
        by_id(lead, "operation-op-demo-suedstrasse").wait_for(timeout=60_000)
        settled_screenshot(lead, artifacts / "operations-1-list.png")

        # plan: name, the default evening, three agencies, a team, a place found by search
        by_id(lead, "new-operation").click()
        fill(lead, "Name des Einsatzes", "Kontrolle Bahnhofsumfeld")
        settled_screenshot(lead, artifacts / "operations-2-form.png")
        for code in ("police", "kod", "federal_police"):
            scrolled_to(lead, f"op-agency-{code}").click()
        scrolled_to(lead, "op-team-team-markt-bpol").click()
        scrolled_to(lead, "op-place-search")
        fill(lead, "Ort suchen und hinzufügen", "Bahnhof")
        scrolled_to(lead, "op-place-drug-bahnhof").click()
        scrolled_to(lead, "op-picked-drug-bahnhof")
        # the area drawn on the map: three taps, three corners, the polygon closes itself
        # (a map without markers is no node of the accessibility tree: its place on the screen
        # is read off the button floating at its top right and the legend just under it)
        legend = scrolled_to(lead, "op-area-map-legend").bounding_box()
        unlock = scrolled_to(lead, "op-area-map-unlock").bounding_box()
        left, right = legend["x"], unlock["x"] + unlock["width"] + 8
        top, bottom = unlock["y"] - 8, legend["y"] - 6
        assert bottom - top > 250, (unlock, legend)  # the whole map is on the screen
        for fx, fy in ((0.3, 0.3), (0.7, 0.35), (0.5, 0.75)):
            finger_tap(lead, left + fx * (right - left), top + fy * (bottom - top))
            lead.wait_for_timeout(300)
        by_id(lead, "op-area-count").get_by_text("3 Ecken").wait_for(timeout=10_000)
        settled_screenshot(lead, artifacts / "operations-3-form-area.png")
        scrolled_to(lead, "save-operation").click()
        lead.get_by_text("Einsatz gespeichert", exact=False).first.wait_for(timeout=30_000)
        lead.get_by_text("Noch keine Meldung der beteiligten Streifen.").wait_for(timeout=30_000)
        lead.get_by_text("Kontrolle Bahnhofsumfeld").first.wait_for(timeout=30_000)
        lead_api = api(stack.server_url, "einsatzleitung")
        (made,) = [o for o in lead_api.get("/api/v1/operations").json()
                   if o["name"] == "Kontrolle Bahnhofsumfeld"]
        assert sorted(made["agencies"]) == ["federal_police", "kod", "police"]
        assert made["team_ids"] == ["team-markt-bpol"] and made["place_ids"] == ["drug-bahnhof"]
        corners = made["polygon"]
        assert len(corners) == 3 and len({tuple(c) for c in corners}) == 3
        (top_left, top_right, bottom) = corners  # north is up: the taps' order on the map
        assert top_left[1] < top_right[1] and bottom[0] < min(top_left[0], top_right[0])
        by_id(lead, "operation-area-map").wait_for(timeout=30_000)  # the detail shows the area

        # the running Südstraße night: its feed, and a report arriving while it is open
        by_id(lead, "operation-back").click()
        by_id(lead, "operation-op-demo-suedstrasse").click(timeout=60_000)
        lead.get_by_text("Meldungen", exact=False).first.wait_for(timeout=30_000)
        before = lead_api.get("/api/v1/operations/op-demo-suedstrasse/reports").json()["items"]
        assert before, "the demo's running operation has checks"
        by_id(lead, f"feed-{before[-1]['id']}").wait_for(timeout=30_000)
        settled_screenshot(lead, artifacts / "operations-4-live-feed.png")
        new_id = suedstrasse_check(stack.server_url)
        by_id(lead, f"feed-{new_id}").wait_for(timeout=30_000)  # the next poll brings it
        lead.get_by_text(f"{len(before) + 1} Meldungen", exact=False).first.wait_for(timeout=10_000)
        settled_screenshot(lead, artifacts / "operations-5-live-feed-new.png")

        # yesterday's Christmas-market evening: the summary and its PDF
        by_id(lead, "operation-back").click()
        by_id(lead, "operation-op-demo-weihnachtsmarkt").click(timeout=60_000)
        by_id(lead, "operation-summary").wait_for(timeout=30_000)
        settled_screenshot(lead, artifacts / "operations-6-summary.png")
        button = scrolled_to(lead, "operation-pdf")
        settled_screenshot(lead, artifacts / "operations-7-summary-pdf.png")
        with lead.expect_download(timeout=60_000) as download:
            button.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name.startswith("einsatz-") and saved.read_bytes().startswith(b"%PDF-")
        text = " ".join(subprocess.run(["pdftotext", "-layout", str(saved), "-"], capture_output=True,
                                       text=True, check=True).stdout.split())
        summary = lead_api.get("/api/v1/operations/op-demo-weihnachtsmarkt/summary").json()
        assert "Weihnachtsmarkt – Abendeinsatz" in text and summary["checks"] > 0
        assert f"Gesamt {summary['checks']} {summary['findings']} {summary['measures']}" in text
        for name in ("Anna Müller", "Jonas Schmidt", "Sarah Keller", "Elif Demir", "Streife Mitte 1"):
            assert name not in text

        # an officer of a participating team: the briefing on Today, above the route
        officer = officer_ctx.new_page()
        log_in(officer, officer_url, "zoll2")
        card = by_id(officer, "today-operation")
        card.wait_for(timeout=60_000)
        officer.get_by_text("Einsatz: Nachtstreife Südstraße").first.wait_for(timeout=10_000)
        box = card.bounding_box()
        assert box and box["y"] + box["height"] < 844 - 80  # on the first screen, above the bar
        assert box["height"] < 160  # a small card, not a wall of text
        settled_screenshot(officer, artifacts / "operations-8-today-briefing.png")


def test_the_operation_lead_follows_the_running_night_on_a_desktop(stack, artifacts):
    """The same screens at 1280x900: the list, then the running operation with its area on the
    map, its briefing and the feed."""
    lead_api = api(stack.server_url, "einsatzleitung")
    feed = lead_api.get("/api/v1/operations/op-demo-suedstrasse/reports").json()["items"]
    assert feed, "the demo's running operation has checks"
    with sync_playwright() as pw, phone_context(pw, viewport=DESKTOP) as ctx:
        page = ctx.new_page()
        log_in(page, stack.app_url, "einsatzleitung")
        page.get_by_role("tab", name="Einsätze").click()
        by_id(page, "operation-op-demo-suedstrasse").click(timeout=60_000)
        by_id(page, f"feed-{feed[-1]['id']}").wait_for(timeout=30_000)
        page.get_by_text(f"{len(feed)} Meldungen", exact=False).first.wait_for(timeout=10_000)
        by_id(page, "operation-area-map").wait_for(timeout=30_000)
        box = by_id(page, "operation-area-map").bounding_box()
        assert box and box["width"] > 600  # the map takes the width, not a phone's column
        page.wait_for_timeout(1500)  # tiles
        settled_screenshot(page, artifacts / "operations-9-desktop.png")
        assert ctx.foreign_requests == []
