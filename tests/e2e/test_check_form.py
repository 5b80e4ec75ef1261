"""End to end in headless Chromium at 390x844: a photo picked and saved at once arrives with
the report; a stale fix asks before it is saved "zu alt" (a fresh position with one tap, or
saved knowingly) and the reviewer reads why. Leaves the check form's screenshots in
test-artifacts/ (docs/screenshot-check-form*.png are from here)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import (by_id, choose, focus, log_in, open_section, phone_context,
                               settle, settled_screenshot)
from tests.e2e.test_officer_logs_a_check import WESTENTOR, reports_made_here, wait_for

pytestmark = pytest.mark.e2e

# The browser's GPS answers with a position whose timestamp lies ``window.fixAgeMs`` in the
# past -- what a phone does when it hands out a cached fix. No clock is moved, nobody waits.
# The age is counted from now: Chromium's emulated position keeps the time it was set (the
# context's start), so its own timestamp ages with the test, and under load a fix meant to
# be 3 min 20 s old could pass 4 min (the test's "Position ist 3 min alt" never came).
AGED_GPS = """
(() => {
  window.fixAgeMs = 0;
  const geo = navigator.geolocation;
  window.gpsAsked = [];  // the options of each request, as the app sent them
  const aged = (p) => {
    const timestamp = Date.now() - window.fixAgeMs;
    return {coords: p.coords, timestamp, toJSON: () => ({coords: p.coords, timestamp})};
  };
  const wrap = (name) => {
    const original = geo[name].bind(geo);
    geo[name] = (ok, err, opts) => (window.gpsAsked.push(opts || {}),
                                    original((p) => ok(aged(p)), err, opts));
  };
  wrap("getCurrentPosition");
  wrap("watchPosition");
})();
"""


@pytest.fixture
def camera_photo(tmp_path) -> Path:
    """A 6 MB JPEG of sensor-like noise, as a phone camera writes them: seconds of work from
    the browser's picker to an attached photo."""
    from PIL import Image

    path = tmp_path / "IMG_2041.jpg"
    Image.effect_noise((4000, 3000), 40).convert("RGB").save(path, quality=92)
    return path


def open_westentor(page, url: str) -> None:
    log_in(page, url, "polizei")
    by_id(page, "stop-1").wait_for(timeout=60_000)
    page.get_by_role("tab", name="Orte").click()
    by_id(page, "locate").click()
    by_id(page, "place-westentor").click(timeout=60_000)
    by_id(page, "check-locate").click()


def api_get(server_url: str, username: str, path: str) -> httpx.Response:
    token = httpx.post(f"{server_url}/api/v1/auth/login",
                       json={"username": username, "password": "streife2026"}).json()["token"]
    return httpx.get(f"{server_url}{path}", headers={"Authorization": f"Bearer {token}"})


def test_a_photo_picked_and_saved_at_once_arrives_with_the_report(stack, artifacts, camera_photo):
    with sync_playwright() as pw, phone_context(pw, geolocation=WESTENTOR) as ctx:
        page = ctx.new_page()
        open_westentor(page, stack.app_url)
        page.get_by_text("vor Ort").first.wait_for(timeout=20_000)
        page.wait_for_timeout(500)
        settled_screenshot(page, artifacts / "check-form-first-screen.png")
        choose(page, "finding-broken_glass")
        # The photo's bytes are held on their way until Save was tapped: "at once" then holds
        # on any machine (a fast one had the 6 MB through before the tap and saved directly).
        held = []
        page.route("**/upload?*", lambda route: held.append(route))
        with page.expect_file_chooser() as chooser:
            choose(page, "add-photo")
        chooser.value.set_files(str(camera_photo))
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(50)  # the browser starts the upload once the file is picked
        assert held, "the picked photo was never sent to the app's upload endpoint"
        by_id(page, "save-report").click()  # at once: the photo is still on its way
        page.get_by_text("danach wird gespeichert", exact=False).wait_for(timeout=10_000)
        page.wait_for_timeout(300)  # the canvas paints after the accessibility tree
        page.screenshot(path=artifacts / "check-form-photo-processing.png")
        assert by_id(page, "check-back").is_visible()  # still the form: it waits for the photo
        for route in held:
            route.continue_()
        page.get_by_text("Gespeichert").first.wait_for(timeout=60_000)
        page.get_by_role("tab", name="Ausgang").click()
        by_id(page, "sync-now").click()
        page.get_by_text("1/1 Foto bestätigt").wait_for(timeout=60_000)

    (item,) = wait_for(lambda: reports_made_here(stack.server_url, "polizei"), timeout=60)
    report = item["report"]
    assert report["findings"] == ["broken_glass"]
    assert len(report["photos"]) == 1  # not one photo fewer
    assert api_get(stack.server_url, "lagebild", f"/api/v1/photos/{report['photos'][0]}").status_code == 200


def test_a_stale_fix_asks_before_it_is_saved_and_the_reviewer_reads_why(stack, artifacts):
    with sync_playwright() as pw, phone_context(pw, geolocation=WESTENTOR) as ctx:
        ctx.add_init_script(AGED_GPS)
        page = ctx.new_page()
        log_in(page, stack.app_url, "polizei")
        by_id(page, "stop-1").wait_for(timeout=60_000)
        page.evaluate("window.fixAgeMs = 3 * 60 * 1000 + 20 * 1000")
        page.get_by_role("tab", name="Orte").click()
        by_id(page, "locate").click()
        by_id(page, "place-westentor").click(timeout=60_000)
        page.get_by_text("Position zu alt", exact=False).first.wait_for(timeout=20_000)

        # first check: the officer chooses a new position -- one tap, then it is saved
        by_id(page, "save-report").click()
        page.get_by_text("Position ist 3 min alt").wait_for(timeout=10_000)
        page.wait_for_timeout(400)
        page.screenshot(path=artifacts / "check-form-stale-prompt.png")
        page.evaluate("window.fixAgeMs = 0")  # the GPS has a fresh fix now
        page.evaluate("window.gpsAsked = []")
        by_id(page, "stale-relocate").click()
        page.get_by_text("Gespeichert und gesendet.").first.wait_for(timeout=30_000)
        asked = page.evaluate("window.gpsAsked")
        # "Neue Position" asks for one: a browser allowed a cached fix (the plugin's default
        # maximumAge was 5 min) answers with the stale one again
        assert asked and all(o.get("maximumAge") == 0 for o in asked), asked
        page.wait_for_timeout(500)  # the place list is redrawn after the sync

        # second check: the GPS is stuck on an old fix; saved "zu alt" knowingly
        page.evaluate("window.fixAgeMs = 5 * 60 * 1000")
        by_id(page, "place-westentor").click(timeout=30_000)
        by_id(page, "check-locate").click()
        page.get_by_text("Position 5 min alt", exact=False).first.wait_for(timeout=20_000)
        by_id(page, "save-report").click()
        by_id(page, "stale-save-anyway").click(timeout=10_000)
        page.get_by_text("Gespeichert").first.wait_for(timeout=30_000)
        page.get_by_role("tab", name="Ausgang").click()
        by_id(page, "sync-now").click()
        page.get_by_text("bestätigt: 2", exact=False).wait_for(timeout=60_000)

    items = wait_for(lambda: len(reports_made_here(stack.server_url, "polizei")) == 2
                     and reports_made_here(stack.server_url, "polizei"), timeout=60)
    verdicts = sorted(i["report"]["presence"]["verdict"] for i in items)
    assert verdicts == ["on_site", "stale"]
    stale = next(i for i in items if i["report"]["presence"]["verdict"] == "stale")
    assert stale["server_presence"]["verdict"] == "stale"  # both judge the same fix the same
    detail = api_get(stack.server_url, "lagebild", f"/api/v1/reports/{stale['report']['id']}").json()
    assert 295 <= detail["times"]["fix_age_s"] <= 330  # 5 min old when saved: the reviewer's why


def test_check_form_screens_expanded(stack, artifacts):
    """The sections open on demand; at 390 px no choice runs under its neighbour."""
    with sync_playwright() as pw, phone_context(pw, geolocation=WESTENTOR) as ctx:
        page = ctx.new_page()
        open_westentor(page, stack.app_url)
        page.get_by_text("vor Ort").first.wait_for(timeout=20_000)
        open_section(page, "measures")
        boxes = [by_id(page, f"measure-{m}").bounding_box() for m in
                 ("talk", "order_to_leave", "identity_check", "referral_help", "notice_city_office")]
        for a in boxes:
            assert a["x"] >= 0 and a["x"] + a["width"] <= 390
            for b in boxes:
                if a is not b:
                    apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                             or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
                    assert apart, (a, b)
        save = by_id(page, "save-report").bounding_box()
        assert save["y"] + save["height"] <= 844 and save["y"] > 700  # the Save bar at the bottom
        page.wait_for_timeout(300)
        settled_screenshot(page, artifacts / "check-form-expanded.png")

        # numbers: a numeric keyboard, and what is not a number is said, not dropped
        open_section(page, "checklist")
        persons = page.get_by_role("textbox", name="Anwesende Personen")
        settle(persons)
        focus(persons)
        persons.fill("ca. 10")
        page.get_by_text("Bitte eine ganze Zahl eingeben (z. B. 10).").wait_for(timeout=10_000)
        by_id(page, "save-report").click()
        page.get_by_text("„ca. 10“ ist keine Zahl", exact=False).wait_for(timeout=10_000)
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "check-form-not-a-number.png")
        by_id(page, "check-back").click()

        by_id(page, "lock").click()  # the PIN, too, gets the keypad
        pin = page.get_by_role("textbox", name="Neue PIN (4–8 Ziffern)")
        focus(pin)
