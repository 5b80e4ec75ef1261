"""In Chromium at phone size: the admin adds an agency on the "Behörden" tab, it is listed with
its names and fits the screen; the youth office's officer sees the customs team mate by the
agency's name on Today. Screenshots in test-artifacts/."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import (DEMO_PASSWORD, DESKTOP, PHONE, by_id, fill, log_in, phone_context,
                               settle)

pytestmark = pytest.mark.e2e


def words_in(locator) -> str:
    """What a screen reader reads inside ``locator``: Flutter puts a card's texts in labels."""
    return locator.evaluate("n => [n, ...n.querySelectorAll('*')].map(e => "
                            "(e.getAttribute('aria-label') || '') + ' ' + "
                            "(e.childElementCount ? '' : e.textContent)).join(' ')")


def test_admin_adds_an_agency_and_officers_see_agencies_by_name(stack, artifacts):
    with sync_playwright() as pw:
        with phone_context(pw) as ctx:
            page = ctx.new_page()
            log_in(page, stack.app_url, "admin")
            page.get_by_role("tab", name="Behörden").click()
            by_id(page, "new-agency").wait_for(timeout=60_000)
            by_id(page, "agency-customs").wait_for(timeout=30_000)
            assert "Hauptzollamt Dortmund" in words_in(by_id(page, "agency-customs"))
            page.wait_for_timeout(500)
            page.screenshot(path=artifacts / "agencies-admin.png")
            by_id(page, "new-agency").click()
            code = page.get_by_role("textbox", name="Kürzel")
            settle(code)  # the dialog grows in: typing into it while it moves lost the text
            # A sibling semantics node lies over the field, so Playwright refuses an ordinary
            # click; a forced one is a tap at the field's place, which Flutter hit-tests as a
            # finger's (what a user taps is the field they see).
            code.click(force=True)
            try:  # Flutter listens once the field has the focus (see browser.focus)
                expect(code).to_be_focused(timeout=5_000)
            except AssertionError:
                code.click(force=True)
            code.fill("finanzamt_hamm")
            fill(page, "Name (deutsch)", "Finanzamt Hamm")
            fill(page, "Name (englisch)", "Hamm tax office")
            page.wait_for_timeout(300)
            page.screenshot(path=artifacts / "agencies-admin-new.png")
            by_id(page, "save-agency").click()
            card = by_id(page, "agency-finanzamt_hamm")
            card.wait_for(timeout=30_000)
            card.scroll_into_view_if_needed()
            shown = words_in(card)
            assert "Hamm tax office" in shown and "Partnerbehörde" in shown, shown
            box = card.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, box
            assert by_id(page, "toggle-agency-finanzamt_hamm").bounding_box()["height"] >= 48
        token = httpx.post(f"{stack.server_url}/api/v1/auth/login", json={
            "username": "admin", "password": DEMO_PASSWORD}).json()["token"]
        listed = httpx.get(f"{stack.server_url}/api/v1/admin/agencies",
                           headers={"Authorization": f"Bearer {token}"}).json()
        assert {"code": "finanzamt_hamm", "name_de": "Finanzamt Hamm", "name_en": "Hamm tax office",
                "kind": "partner", "active": True, "users": 0} in listed

        with phone_context(pw) as ctx:
            page = ctx.new_page()
            log_in(page, stack.another_device("jugendamt"), "jugendamt")
            page.get_by_text("ZOI Peter Krüger · Hauptzollamt Dortmund").wait_for(timeout=60_000)
            assert page.get_by_text("Katrin Neumann · Jugendamt der Stadt Hamm").count() == 1
            assert page.get_by_text("nicht gemischt").count() == 0  # two agencies: mixed
            page.wait_for_timeout(500)
            page.screenshot(path=artifacts / "agencies-today-partner-team.png")


def test_the_agencies_list_on_a_desktop(stack, artifacts):
    """The same tab at 1280x900: every Hamm partner listed by name, each card on the screen."""
    with sync_playwright() as pw, phone_context(pw, viewport=DESKTOP) as ctx:
        page = ctx.new_page()
        log_in(page, stack.app_url, "admin")
        page.get_by_role("tab", name="Behörden").click()
        by_id(page, "agency-customs").wait_for(timeout=60_000)
        for code, name in (("police", "Polizeipräsidium Hamm"), ("kod", "KOD"),
                           ("customs", "Hauptzollamt Dortmund"), ("youth_office", "Jugendamt")):
            assert name in words_in(by_id(page, f"agency-{code}")), code
        box = by_id(page, "agency-customs").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"] + 0.5, box
        page.wait_for_timeout(500)
        page.screenshot(path=artifacts / "agencies-admin-desktop.png")
        assert ctx.foreign_requests == []
