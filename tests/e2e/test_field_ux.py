"""End to end in real headless Chromium at phone size: a half-filled check survives logout and
a failed login (the form is back for its author, photos included); the outbox shows the photos
as pictures, "Foto 1 von 2"; the supervisor's picture counts the answer waiting to be read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import (by_id, choose, fill, log_in, open_menu_item, open_section,
                               phone_context, replace, submit_password)
from tests.e2e.test_officer_logs_a_check import WESTENTOR, reports_made_here, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_photo(tmp_path) -> Path:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (3000, 2000), (40, 70, 160))
    ImageDraw.Draw(im).ellipse([900, 400, 2100, 1600], fill=(240, 200, 40))
    path = tmp_path / "IMG_0002.jpg"
    im.save(path, quality=90)
    return path


def shown(page, text: str, timeout: float = 30_000) -> None:
    """Text anywhere in the accessibility DOM, also inside a merged label (a tile's title and
    subtitle, a row's words): what a screen reader reads."""
    page.wait_for_function("t => document.body.innerHTML.includes(t)", arg=text, timeout=timeout)


def attach(page, photo: Path, count: str) -> None:
    with page.expect_file_chooser() as chooser:
        choose(page, "add-photo")  # opens the photos section the first time
    chooser.value.set_files(str(photo))
    page.get_by_text(count).wait_for(timeout=30_000)


def test_logout_keeps_the_half_filled_check_for_its_author(stack, artifacts, sample_photo,
                                                           second_photo):
    with sync_playwright() as pw, phone_context(pw, geolocation=WESTENTOR) as ctx:
        page = ctx.new_page()
        log_in(page, stack.app_url, "polizei")
        by_id(page, "stop-1").wait_for(timeout=60_000)
        page.get_by_role("tab", name="Orte").click()
        by_id(page, "locate").click()
        page.get_by_text("GPS ±8 m").wait_for(timeout=20_000)
        by_id(page, "place-westentor").wait_for(timeout=30_000)
        page.wait_for_timeout(300)
        by_id(page, "place-westentor").click()
        by_id(page, "check-locate").click()
        page.get_by_text("vor Ort").wait_for(timeout=20_000)
        open_section(page, "severity")  # "Dringlichkeit und Bemerkung"
        fill(page, "Bemerkung", "Zwei Personen am Brunnen")
        attach(page, sample_photo, "1 Foto angehängt")  # the form then scrolls to its photos
        attach(page, second_photo, "2 Fotos angehängt")
        page.wait_for_timeout(500)  # the note reaches the app with the field's change event

        open_menu_item(page, "logout")
        page.get_by_text("Der angefangene Bericht bleibt für dich aufbewahrt").wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "40-logout-keeps-draft.png")
        by_id(page, "confirm-logout").click()

        by_id(page, "login-submit").wait_for(timeout=20_000)
        replace(page, "Benutzername", "polizei")
        submit_password(page, "falsch")
        page.get_by_text("Anmeldung fehlgeschlagen").wait_for(timeout=20_000)
        page.wait_for_timeout(500)
        assert page.get_by_role("progressbar").count() == 0  # no spinner under the message
        submit_password(page, "streife2026")

        by_id(page, "save-report").wait_for(timeout=60_000)  # the check, back as it was
        page.get_by_text("2 Fotos angehängt").wait_for()  # and the note (checked on the server)
        page.get_by_text("Dein angefangener Bericht ist wieder da.").first.wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "41-draft-restored.png")
        dom = page.content()  # what a screen reader reads: Flutter's own words in German too
        assert "characters remaining" not in dom and "remaining" not in dom
        print("counter words in the DOM:", sorted(set(re.findall(r"[^<>\"]{0,30}Zeichen[^<>\"]{0,20}", dom)))[:5])
        by_id(page, "save-report").click()

        page.get_by_role("tab", name="Ausgang").click()
        by_id(page, "sync-now").click()
        page.get_by_text("2/2 Fotos bestätigt").first.wait_for(timeout=30_000)
        shown(page, "Foto 2 von 2")  # in a tile's label, not a text node
        page.mouse.move(195, 120)
        page.wait_for_timeout(1500)
        page.screenshot(path=artifacts / "42-outbox-thumbnails.png")
        assert ctx.foreign_requests == []

    (item,) = wait_for(lambda: reports_made_here(stack.server_url, "polizei"))
    assert item["report"]["note"] == "Zwei Personen am Brunnen"
    assert len(item["report"]["photos"]) == 2


def test_the_picture_counts_an_answer_waiting_to_be_read(stack, artifacts, tmp_path):
    import patrol_wire as wire
    from patrol_app.core.checks import CheckDraft
    from patrol_app.core.device import Device

    officer = Device(tmp_path / "kod", stack.server_url)
    officer.login("kod", "streife2026")
    officer.sync()
    report = officer.save_check(CheckDraft(place=officer.store.place("westentor"),
                                           no_fix_reason="GPS gestört", note="Gruppe am Brunnen"))
    officer.sync()
    sup = Device(tmp_path / "sup", stack.server_url)
    sup.login("lagebild", "streife2026")
    office = sup.office()
    office.review(report.id, wire.ReviewAction.START)
    office.review(report.id, wire.ReviewAction.ASK, "Wie groß war die Gruppe?")
    office.close()
    officer.sync()
    (query,) = officer.open_queries()
    officer.answer_query(query, "Etwa acht Personen.")
    officer.sync()

    with sync_playwright() as pw, phone_context(pw) as ctx:
        page = ctx.new_page()
        log_in(page, stack.app_url, "lagebild")
        page.get_by_role("tab", name="Lagebild").click()
        by_id(page, "pic-answers-waiting").wait_for(timeout=60_000)
        shown(page, "1 neue Antwort auf Rückfragen, noch ungelesen.")
        page.mouse.move(195, 120)  # off the tab bar: no hover tooltip in the picture
        page.wait_for_timeout(2500)
        page.screenshot(path=artifacts / "43-picture-answers-waiting.png")
        by_id(page, "pic-read-answers").click()
        by_id(page, f"new-answer-{report.id}").wait_for(timeout=30_000)
        assert ctx.foreign_requests == []
