"""The quality bar at two phone sizes, light and dark: nothing cut off, touch targets >= 48 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import by_id, fill, log_in, open_app, phone_context, settle
from tests.e2e.test_officer_logs_a_check import WESTENTOR

pytestmark = pytest.mark.e2e

SIZES = [({"width": 390, "height": 844}, "light"), ({"width": 412, "height": 915}, "dark")]


def assert_fits(page, locator, viewport, min_height=48):
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, box
    assert box["height"] >= min_height, box


def test_main_screens_fit_and_have_big_targets(stack, artifacts):
    with sync_playwright() as pw:
        for viewport, scheme in SIZES:
            with phone_context(pw, geolocation=WESTENTOR, viewport=viewport, color_scheme=scheme) as ctx:
                page = ctx.new_page()
                open_app(page, stack.app_url)
                # the device (the app process) stays logged in between browser sessions
                page.locator('[flt-semantics-identifier="login-submit"],'
                             ' [flt-semantics-identifier="stop-1"]').first.wait_for(timeout=30_000)
                if by_id(page, "login-submit").count():
                    fill(page, "Benutzername", "kod")
                    fill(page, "Passwort", "streife2026")
                    assert_fits(page, by_id(page, "login-submit"), viewport)
                    by_id(page, "login-submit").click()
                by_id(page, "stop-1").wait_for(timeout=60_000)
                for _ in range(3):  # below the fold at 412x915, and a clipped box is smaller
                    page.mouse.move(195, 400)
                    page.mouse.wheel(0, 200)
                    page.wait_for_timeout(200)
                settle(by_id(page, "today-locate"))
                assert_fits(page, by_id(page, "today-locate"), viewport)
                assert_fits(page, by_id(page, "stop-1"), viewport)
                for tab in ("Heute", "Orte", "Ausgang", "Karte", "Verlauf"):
                    assert_fits(page, page.get_by_role("tab", name=tab), viewport)
                name = f"{viewport['width']}x{viewport['height']}-{scheme}"
                page.wait_for_timeout(300)
                page.screenshot(path=artifacts / f"layout-today-{name}.png")
                page.get_by_role("tab", name="Karte").click()
                by_id(page, "map").wait_for(timeout=20_000)  # markers only: no tile URL here
                page.wait_for_timeout(800)
                page.screenshot(path=artifacts / f"layout-map-{name}.png")
                page.get_by_role("tab", name="Orte").click()
                assert_fits(page, by_id(page, "locate"), viewport)
                by_id(page, "locate").click()
                page.get_by_text("GPS ±8 m").wait_for(timeout=20_000)
                page.wait_for_timeout(300)
                by_id(page, "place-westentor").click()
                for ident in ("check-locate", "save-report", "finding-broken_glass"):
                    assert_fits(page, by_id(page, ident), viewport)
                assert_fits(page, by_id(page, "section-photos"), viewport)  # opens the photos
                page.wait_for_timeout(300)
                page.screenshot(path=artifacts / f"layout-check-{name}.png")


def test_office_screens_fit_at_phone_size_in_the_dark(stack, artifacts):
    """The supervisor's and the shift lead's screens on a phone at night: nothing sticks out,
    the buttons are big enough."""
    viewport = {"width": 390, "height": 844}
    with sync_playwright() as pw, phone_context(pw, viewport=viewport, color_scheme="dark") as ctx:
        page = ctx.new_page()
        log_in(page, stack.another_device("supervisor"), "lagebild")
        card = page.locator('[flt-semantics-identifier^="review-"]').first
        card.wait_for(timeout=60_000)
        assert_fits(page, card, viewport)
        for tab in ("Prüfung", "Lagebild", "Streifen"):
            assert_fits(page, page.get_by_role("tab", name=tab), viewport)
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "layout-review-dark.png")
        card.click()
        by_id(page, "review-start").wait_for(timeout=30_000)
        assert_fits(page, by_id(page, "review-start"), viewport)
        page.wait_for_timeout(2000)  # the basemap tiles
        page.screenshot(path=artifacts / "layout-report-detail-dark.png")
        by_id(page, "detail-back").click()
        page.get_by_role("tab", name="Lagebild").click()
        by_id(page, "fig-checks").wait_for(timeout=30_000)
        for ident in ("pic-days", "pic-agency", "fig-checks"):
            assert_fits(page, by_id(page, ident), viewport, min_height=20)
        page.wait_for_timeout(1500)
        page.screenshot(path=artifacts / "layout-picture-dark.png")

    with sync_playwright() as pw, phone_context(pw, viewport=viewport, color_scheme="dark") as ctx:
        page = ctx.new_page()
        log_in(page, stack.another_device("lead"), "schichtleitung")
        page.get_by_role("tab", name="Routen").click()
        by_id(page, "new-route").wait_for(timeout=60_000)
        assert_fits(page, by_id(page, "new-route"), viewport)
        assert_fits(page, by_id(page, "assign-route-innenstadt"), viewport)
        page.get_by_role("tab", name="Teams").click()
        by_id(page, "new-team").wait_for(timeout=30_000)
        assert_fits(page, by_id(page, "new-team"), viewport)
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "layout-teams-dark.png")
