"""Issue 13 items 4, 11, 13-15 in real headless Chromium: the officer's check with two photos
gets a question; the answer waits on top of the supervisor's queue (1280x900) with a badge
until opened; the photo opens full screen; the officer opens the report from History (390x844);
the shift lead assigns a route with a German date and picked clock times. Leaves the README
screenshots in docs/."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import DESKTOP, by_id, choose, fill, log_in, phone_context, replace
from tests.e2e.test_officer_logs_a_check import WESTENTOR, reports_made_here, wait_for
from tests.e2e.test_review_reaches_the_field import api
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")
UTC_MINUTE = "%Y-%m-%dT%H:%M"
QUESTION = "Wie viele Personen waren in der Gruppe?"
ANSWER = "Etwa zwölf, alle friedlich."


def second_photo(tmp_path):
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (3000, 2000), (60, 70, 140))
    ImageDraw.Draw(im).ellipse([900, 400, 2100, 1600], fill=(230, 200, 40))
    path = tmp_path / "IMG_0002.jpg"
    im.save(path, quality=90)
    return path


def sync_then_look(page, identifier: str, *, tab: str) -> None:
    """Sync from the outbox, go to ``tab`` and wait there for what the sync brings."""
    page.get_by_role("tab", name="Ausgang").click()
    by_id(page, "sync-now").click()
    page.get_by_role("tab", name=tab).click()
    by_id(page, identifier).wait_for(timeout=30_000)


def shot(page, name: str) -> None:
    """A screenshot into test-artifacts/ (the README's copies in docs/ are chosen by hand)."""
    page.wait_for_timeout(600)  # the last frame drawn
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name)


def test_answer_waits_for_review_photo_full_screen_history_detail_and_german_dates(
        stack, artifacts, sample_photo, tmp_path):
    sup_url = stack.another_device("supervisor")
    lead_url = stack.another_device("lead")
    with sync_playwright() as pw, \
            phone_context(pw, geolocation=WESTENTOR) as officer_ctx, \
            phone_context(pw, viewport=DESKTOP) as sup_ctx, \
            phone_context(pw) as lead_ctx:
        # the officer: a check at the Westentor with two photos, sent
        officer = officer_ctx.new_page()
        log_in(officer, stack.app_url, "polizei")
        officer.get_by_role("tab", name="Orte").click()
        by_id(officer, "locate").click()
        by_id(officer, "place-westentor").click(timeout=60_000)
        by_id(officer, "check-locate").click()
        officer.get_by_text("vor Ort").first.wait_for(timeout=20_000)
        with officer.expect_file_chooser() as chooser:
            choose(officer, "add-photo")
        chooser.value.set_files([str(sample_photo), str(second_photo(tmp_path))])
        officer.get_by_text("2 Foto", exact=False).first.wait_for(timeout=60_000)
        by_id(officer, "save-report").click()
        officer.get_by_role("tab", name="Ausgang").click()
        by_id(officer, "sync-now").click()
        (item,) = wait_for(lambda: reports_made_here(stack.server_url, "polizei"), timeout=60)
        report_id = item["report"]["id"]
        sup_api = api(stack.server_url, "lagebild")
        wait_for(lambda: all(sup_api.get(f"/api/v1/photos/{s}").status_code == 200
                             for s in item["report"]["photos"]), timeout=60)
        for action, text in (("start", ""), ("ask", QUESTION)):
            assert sup_api.post(f"/api/v1/reports/{report_id}/review",
                                json={"action": action, "text": text}).status_code == 200

        # the question arrives; the answer goes back
        sync_then_look(officer, "answer-query", tab="Heute")
        by_id(officer, "answer-query").click()
        fill(officer, "Ihre Antwort", ANSWER)
        by_id(officer, "save-answer").click()
        wait_for(lambda: sup_api.get("/api/v1/reports", params={"unread_answers": "true"}).json()["items"],
                 timeout=60)

        # the supervisor's queue: the answer first, badged and counted, though in review now
        sup = sup_ctx.new_page()
        log_in(sup, sup_url, "lagebild")
        by_id(sup, "answers-waiting").wait_for(timeout=60_000)
        assert "Neue Antworten auf Rückfragen: 1" in by_id(sup, "answers-waiting").inner_text()
        first = sup.locator('[flt-semantics-identifier^="review-"]').first
        assert first.get_attribute("flt-semantics-identifier") == f"review-{report_id}"
        by_id(sup, f"new-answer-{report_id}").wait_for()
        shot(sup, "screenshot-review-answered.png")
        first.click()
        by_id(sup, "detail-new-answer").wait_for(timeout=30_000)
        sup.get_by_text(ANSWER, exact=False).first.wait_for()
        sup.get_by_text("PK Anna Müller (polizei)", exact=False).first.wait_for()  # the trail's names
        by_id(sup, "photo-1").click()
        by_id(sup, "photo-viewer").wait_for(timeout=30_000)
        assert "Foto 1 von 2" in by_id(sup, "photo-caption").inner_text()
        for ident in ("photo-close", "photo-next"):
            box = by_id(sup, ident).bounding_box()
            assert box["width"] >= 48 and box["height"] >= 48, (ident, box)
        viewer = by_id(sup, "photo-viewer").bounding_box()
        assert viewer["width"] >= DESKTOP["width"] - 1 and viewer["height"] >= DESKTOP["height"] - 60
        by_id(sup, "photo-next").click()
        sup.get_by_text("Foto 2 von 2").wait_for(timeout=10_000)
        sup.mouse.move(640, 450)
        sup.mouse.wheel(0, -600)  # the wheel zooms into the photo
        shot(sup, "screenshot-photo-viewer.png")
        by_id(sup, "photo-close").click()
        by_id(sup, "photo-viewer").wait_for(state="detached", timeout=10_000)
        by_id(sup, "detail-back").click()
        sup.locator('[flt-semantics-identifier^="review-"]').first.wait_for(timeout=30_000)
        assert by_id(sup, "answers-waiting").count() == 0  # read: no longer waiting
        assert sup_api.get("/api/v1/reports").json()["unread_answers"] == 0

        # the officer: History opens the report with what device and server know
        officer.get_by_role("tab", name="Verlauf").click()
        by_id(officer, f"history-{report_id}").click(timeout=30_000)
        officer.get_by_text("Prüfung: in Prüfung").wait_for(timeout=30_000)
        for text in ("Übertragung: bestätigt", "2/2 Fotos bestätigt", "Laut Server: vor Ort",
                     "Anwesenheit laut Gerät: vor Ort", QUESTION, ANSWER):
            officer.get_by_text(text, exact=False).first.wait_for(timeout=10_000)
        shot(officer, "screenshot-history-detail.png")
        by_id(officer, "photo-2").click()
        by_id(officer, "photo-viewer").wait_for(timeout=20_000)
        assert "Foto 2 von 2" in by_id(officer, "photo-caption").inner_text()
        officer.wait_for_timeout(600)
        officer.screenshot(path=artifacts / "history-photo-viewer-phone.png")
        by_id(officer, "photo-close").click()
        by_id(officer, "report-back").click()
        officer.get_by_text("Antwort auf Rückfrage vom", exact=False).first.wait_for(timeout=20_000)

        # the shift lead: a night shift on a German date, start picked from the clock dialog
        lead = lead_ctx.new_page()
        log_in(lead, lead_url, "schichtleitung")
        lead.get_by_role("tab", name="Routen").click()
        by_id(lead, "assign-route-innenstadt").click(timeout=60_000)
        day = datetime.now(BERLIN).date() + timedelta(days=2)
        replace(lead, "Tag der Schicht", "32.12.2026")
        by_id(lead, "confirm-assign").click()
        lead.get_by_text("Bitte ein Datum wie 01.12.2026 eingeben.").wait_for(timeout=10_000)
        replace(lead, "Tag der Schicht", day.strftime("%d.%m.%Y"))
        replace(lead, "Schichtende", "6:00")
        by_id(lead, "assign-start-pick").click()
        lead.get_by_role("button", name="OK").wait_for(timeout=10_000)
        lead.get_by_role("button", name="OK").click()  # the dial's 14:00 as it stands
        replace(lead, "Schichtbeginn", "22:00")
        lead.get_by_text("1. 22:00–23:00", exact=False).first.wait_for(timeout=10_000)
        shot(lead, "screenshot-lead-assign.png")
        by_id(lead, "confirm-assign").click()
        lead.get_by_text("Zugewiesen.", exact=False).first.wait_for(timeout=20_000)
        for ctx in (officer_ctx, sup_ctx, lead_ctx):
            assert ctx.foreign_requests == []

    # the app runs on the demo city's clock: 22:00 to 06:00 in Hamm, stored in UTC
    begin = datetime.combine(day, time(22), BERLIN).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(6), BERLIN).astimezone(timezone.utc)
    shifts = api(stack.server_url, "schichtleitung").get(
        "/api/v1/assignments", params={"at": (begin + timedelta(hours=1)).isoformat()}).json()
    assert (begin.strftime(UTC_MINUTE), end.strftime(UTC_MINUTE)) in [
        (a["shift_start"][:16], a["shift_end"][:16]) for a in shifts
        if a["route_id"] == "route-innenstadt"], shifts
