"""End to end, three phones in real headless Chromium: the shift lead assigns a route to a team,
the officer's device receives it, a stop is missed, the officer checks the next stop, the
supervisor sends a question, the officer answers it, the supervisor approves."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import by_id, choose, fill, log_in, phone_context, replace
from tests.e2e.test_officer_logs_a_check import wait_for

pytestmark = pytest.mark.e2e

SUEDSTRASSE = {"latitude": 51.67690, "longitude": 7.81690, "accuracy": 6}
QUESTION = "Wie viele Personen standen vor der Kneipe?"
ANSWER = "Etwa 15 Personen, friedlich."


def api(server_url: str, username: str) -> httpx.Client:
    token = httpx.post(f"{server_url}/api/v1/auth/login",
                       json={"username": username, "password": "streife2026"}).json()["token"]
    return httpx.Client(base_url=server_url, headers={"Authorization": f"Bearer {token}"})


def sync_then_look(page, identifier: str, *, tab: str) -> None:
    """Sync from the outbox and go straight to ``tab``, as an officer would: what the sync
    brings is drawn there when it arrives, whether or not the sync ended before the tab tap
    (one tap each, none repeated: a lost tap is a bug)."""
    page.get_by_role("tab", name="Ausgang").click()  # already there: a no-op, not a redraw
    by_id(page, "sync-now").click()
    page.get_by_role("tab", name=tab).click()
    by_id(page, identifier).wait_for(timeout=30_000)


def test_route_missed_stop_question_answer_approval(stack, artifacts):
    lead_url = stack.another_device("lead")
    sup_url = stack.another_device("supervisor")
    # the shift began two hours ago: stop 1 (first hour) is missed, stop 2 (75-135 min) is due
    start = datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(hours=2)

    with sync_playwright() as pw, \
            phone_context(pw) as lead_ctx, \
            phone_context(pw, geolocation=SUEDSTRASSE) as officer_ctx, \
            phone_context(pw) as sup_ctx:
        lead = lead_ctx.new_page()
        log_in(lead, lead_url, "schichtleitung")
        lead.get_by_role("tab", name="Routen").click()
        by_id(lead, "assign-route-innenstadt").click()
        replace(lead, "Tag der Schicht", start.strftime("%d.%m.%Y"))  # typed the German way
        replace(lead, "Schichtbeginn", start.strftime("%H:%M"))
        replace(lead, "Schichtende", (start + timedelta(hours=8)).strftime("%H:%M"))
        lead.wait_for_timeout(300)
        lead.screenshot(path=artifacts / "20-lead-assign.png")
        by_id(lead, "confirm-assign").click()  # the first team: Streife Heessen 1
        lead.get_by_text("Zugewiesen.", exact=False).first.wait_for(timeout=20_000)
        lead.get_by_role("tab", name="Streifen").click()
        counts = by_id(lead, "counts-team-heessen-1")
        counts.wait_for(timeout=20_000)
        assert "verpasst 1" in counts.inner_text()
        lead.wait_for_timeout(300)
        lead.screenshot(path=artifacts / "21-lead-progress.png")

        officer = officer_ctx.new_page()
        log_in(officer, stack.app_url, "polizei2")
        by_id(officer, "stop-1").wait_for(timeout=30_000)  # the route arrived at the next sync
        assert "verpasst" in by_id(officer, "stop-1").inner_text()
        officer.get_by_text("Innenstadt Spätdienst", exact=False).first.wait_for()
        officer.wait_for_timeout(300)
        officer.screenshot(path=artifacts / "22-officer-route.png")
        by_id(officer, "stop-2").click()  # the Südstraße, due now
        by_id(officer, "check-locate").click()
        officer.get_by_text("vor Ort").wait_for(timeout=20_000)
        choose(officer, "finding-noise")
        by_id(officer, "save-report").click()
        officer.get_by_role("tab", name="Ausgang").click()
        by_id(officer, "sync-now").click()
        officer.get_by_text("bestätigt", exact=False).first.wait_for(timeout=30_000)

        sup = sup_ctx.new_page()
        log_in(sup, sup_url, "lagebild")
        first = sup.locator('[flt-semantics-identifier^="review-"]').first
        first.wait_for(timeout=30_000)
        assert "Südstraße" in first.inner_text() and "PK Lena Hoffmann" in first.inner_text()
        first.click()
        by_id(sup, "review-start").click()
        by_id(sup, "review-ask").click()
        fill(sup, "Frage an die Streife", QUESTION)
        by_id(sup, "review-send").click()
        sup.get_by_text("Rückfrage offen").first.wait_for(timeout=20_000)

        sync_then_look(officer, "answer-query", tab="Heute")
        officer.wait_for_timeout(300)
        officer.screenshot(path=artifacts / "23-officer-question.png")
        by_id(officer, "answer-query").click()
        fill(officer, "Ihre Antwort", ANSWER)
        by_id(officer, "save-answer").click()
        # "Antwort gespeichert", and a moment later, once sent, the sync's "Gespeichert und
        # gesendet." in its place (a slow poll saw only the second)
        officer.get_by_text(re.compile("Antwort gespeichert|Gespeichert und gesendet")
                            ).first.wait_for(timeout=20_000)

        sup_api = api(stack.server_url, "lagebild")
        report_id = wait_for(lambda: next(
            (i["report"]["id"] for i in sup_api.get("/api/v1/reports", params={"state": "in_review"}).json()["items"]
             if i["author"] == "polizei2"), None), timeout=60)
        by_id(sup, "detail-reload").click()
        sup.get_by_text(ANSWER, exact=False).first.wait_for(timeout=20_000)
        by_id(sup, "review-approve").click()
        sup.get_by_text("freigegeben").first.wait_for(timeout=20_000)
        sup.wait_for_timeout(300)
        sup.screenshot(path=artifacts / "24-supervisor-approved.png")
        for ctx in (lead_ctx, officer_ctx, sup_ctx):
            assert ctx.foreign_requests == []

    detail = sup_api.get(f"/api/v1/reports/{report_id}").json()
    assert detail["review_state"] == "approved"
    assert detail["report"]["place_id"] == "suedstrasse" and detail["report"]["team_id"] == "team-heessen-1"
    assert [a["report"]["note"] for a in detail["amendments"]] == [ANSWER]
    assert [e["action"] for e in detail["audit"]] == [
        "report.submit", "review.start", "review.ask", "report.amend", "report.answer_read",
        "review.approve"]  # the reload showed the supervisor the answer: read
    progress = api(stack.server_url, "schichtleitung").get("/api/v1/progress").json()
    heessen = next(p for p in progress if p["team_id"] == "team-heessen-1")
    assert [s["status"] for s in heessen["stops"]][:2] == ["missed", "done"]
