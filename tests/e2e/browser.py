"""Driving the Flet web app in real headless Chromium (Debian's, never a downloaded one).

Flutter draws on a canvas; clicking ``flt-semantics-placeholder`` builds the accessibility DOM,
after which text fields are ``role=textbox`` by label, buttons ``role=button`` and our
``ft.Semantics(identifier=...)`` wrappers carry ``flt-semantics-identifier``.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FAILURES = Path(__file__).resolve().parents[2] / "test-artifacts"


@contextlib.contextmanager
def phone_context(playwright, *, geolocation: dict | None = None, viewport: dict = PHONE,
                  color_scheme: str = "light", camera: bool = False) -> Iterator:
    """``camera``: Chromium's fake camera (a test pattern) with the permission granted."""
    args = ARGS + (["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
                   if camera else [])
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        permissions = (["geolocation"] if geolocation else []) + (["camera"] if camera else [])
        context = browser.new_context(
            viewport=viewport, device_scale_factor=2, locale="de-DE", timezone_id="Europe/Berlin",
            color_scheme=color_scheme, permissions=permissions, geolocation=geolocation)
        context.foreign_requests = []  # requests that left 127.0.0.1: none may, in any test

        def record(request) -> None:
            if request.url.startswith(("data:", "blob:")):
                return
            if urlparse(request.url).hostname != "127.0.0.1":
                context.foreign_requests.append(request.url)

        context.on("request", record)
        try:
            yield context
        except BaseException as exc:
            keep_failure_screens(context)
            for note in screen_words(context):
                exc.add_note(note)  # CI prints the traceback, not the screenshots
            raise
        context.close()
        assert context.foreign_requests == [], "the page reached beyond 127.0.0.1"
    finally:
        browser.close()


def keep_failure_screens(context) -> None:
    """What each phone showed when its test failed, in test-artifacts/failed-*.png (a timeout
    alone does not say whether the screen was empty, stale or elsewhere)."""
    FAILURES.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # one name per browser and page: a test with three phones fails through all three contexts
    # within the same second, and a shared name kept only the last (the one that did not fail)
    for i, page in enumerate(context.pages):
        try:
            page.screenshot(path=FAILURES / f"failed-{stamp}-{id(context):x}-{i}.png",
                            timeout=5_000)
        except Exception as exc:  # noqa: BLE001  (the failure stands; the note says why)
            page.gs_unresponsive = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


_WORDS_JS = """() => Array.from(document.querySelectorAll('flt-semantics')).flatMap(e => {
  const id = e.getAttribute('flt-semantics-identifier');
  const own = e.getAttribute('aria-label')
    || (e.children.length === 0 ? (e.textContent || '').trim() : '');
  return [id ? `[${id}]` : '', own].filter(Boolean);
})"""


def screen_words(context, limit: int = 1500) -> list[str]:
    """What each page said when its test failed, from its accessibility tree: identifiers in
    brackets, then labels and texts in tree order (a snackbar, a dialog or the wrong screen
    shows up here, in the CI log that keeps no screenshots)."""
    notes = []
    for i, page in enumerate(context.pages):
        if getattr(page, "gs_unresponsive", None):  # a page that cannot paint cannot answer
            notes.append(f"page {i} did not answer a screenshot: {page.gs_unresponsive}")
            continue
        try:  # wait_for_function: an evaluate with a timeout (a hung page must not hang the run)
            words = page.wait_for_function(f"JSON.stringify(({_WORDS_JS})())",
                                           timeout=5_000).json_value()
            words = json.loads(words)
        except Exception as exc:  # noqa: BLE001  (a dead page says so; the failure stands)
            words = [f"(no words: {type(exc).__name__})"]
        text = " · ".join(words)
        notes.append(f"page {i} showed: {text[:limit]}{' …' if len(text) > limit else ''}")
    return notes


def open_app(page, url: str, timeout: float = 60_000) -> None:
    page.goto(url)
    page.wait_for_selector("#loading", state="detached", timeout=timeout)
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=timeout)
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    page.wait_for_selector("flt-semantics", state="attached", timeout=timeout)


def settled_screenshot(page, path: Path, timeout: float = 30.0) -> None:
    """A screenshot once the screen has stopped changing (two captures alike). Flutter's
    accessibility tree runs ahead of the painted canvas -- on a desktop-sized window under load
    the picture showed the previous tab 1 s after its new content was in the tree -- and charts
    animate and map tiles arrive after that."""
    deadline = time.monotonic() + timeout
    last = page.screenshot()
    while True:
        shot = page.screenshot()
        if shot == last:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"the screen kept changing for {timeout} s: {path.name}")
        last = shot
    path.write_bytes(shot)


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]')


def finger_tap(page, x: float, y: float) -> None:
    """A tap where a finger would give it, at (x, y) on the canvas. With the accessibility tree
    on (as these tests run), a click on a control's element becomes that control's tap action
    at its centre -- what a screen reader does -- so a map tapped that way always hears its
    centre; for this one tap the tree lets pointer events through to the canvas."""
    let_through = ("document.querySelectorAll('flt-semantics-host, flt-semantics-host *')"
                   ".forEach(e => e.style.pointerEvents = '{}')")
    page.evaluate(let_through.format("none"))
    try:
        page.mouse.click(x, y)
    finally:
        page.evaluate(let_through.format(""))


def open_menu_item(page, identifier: str) -> None:
    """An entry of the app bar's menu (language, logout): open the menu, tap the entry."""
    by_id(page, "app-menu").click()
    item = by_id(page, identifier)
    item.wait_for(timeout=10_000)
    item.click()


def focus(box) -> None:
    """Click a text field and wait until it has the focus: Flutter listens to the input only
    from then on, and a ``fill`` a few milliseconds early is lost (seen under load in CI).
    (A second click when the focus did not show made things worse: typing was lost more often.)"""
    box.click()
    try:
        expect(box).to_be_focused(timeout=5_000)
    except AssertionError:
        pass  # typing will show whether it arrived


def fill(page, label: str, value: str) -> None:
    box = page.get_by_role("textbox", name=label)
    focus(box)
    box.fill(value)


def replace(page, label: str, value: str) -> None:
    """Overwrite a field that already holds text (Flutter keeps its own copy of the value, so
    the text is selected and deleted with the keyboard first)."""
    box = page.get_by_role("textbox", name=label)
    focus(box)
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    box.fill(value)


DEMO_PASSWORD = "streife2026"


def submit_password(page, password: str) -> None:
    """Type the password and tap "Anmelden"; typed again only when the app answers that the
    field was empty (the one answer a lost keystroke gives; see ``log_in``)."""
    missing = page.get_by_text("Bitte Benutzername und Passwort eingeben.")
    for _ in range(3):
        replace(page, "Passwort", password)
        by_id(page, "login-submit").click()
        try:  # (the app hides an earlier message on a tap, so a message now is this tap's)
            page.wait_for_timeout(200)
            missing.first.wait_for(timeout=3_000)
        except Exception:  # noqa: BLE001  (no such answer: the login went its way)
            return
    raise AssertionError("the password field lost what was typed three times")


def log_in(page, url: str, username: str) -> None:
    """Open the app on a fresh device and log in as a demo user; returns once the login screen
    has gone.

    Typing that reaches a field before Flutter listens to it is lost, and the password field
    does not show its value to the page, so a lost password is only seen in the app's answer
    "Bitte Benutzername und Passwort eingeben." (seen in CI, three browsers under load). That
    answer -- the app telling the truth about an empty field -- is the one case typed again;
    any other outcome (a wrong password, a login that never ends) fails the test."""
    open_app(page, url)
    missing = page.get_by_text("Bitte Benutzername und Passwort eingeben.")
    for _ in range(3):
        fill(page, "Benutzername", username)
        fill(page, "Passwort", DEMO_PASSWORD)
        by_id(page, "login-submit").click()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not page.get_by_role("textbox", name="Passwort").count():
                return  # the first screen replaced the login
            if missing.count() and missing.first.is_visible():
                break
            page.wait_for_timeout(100)
        else:
            raise AssertionError(f"the login of {username} did not end in 90 s")
    raise AssertionError(f"the login form lost what was typed for {username} three times")


SECTION_OF = {"finding": "findings", "measure": "measures", "add": "photos", "take": "photos",
              "count": "checklist"}


def choose(page, identifier: str) -> None:
    """Tap a choice on the check form (``finding-syringes``, ``measure-order_to_leave``,
    ``add-photo``), opening its section first when it is closed (only the first screen's
    choices are shown without a tap)."""
    target = by_id(page, identifier)
    if not target.count() or not target.first.is_visible():
        header = by_id(page, "section-" + SECTION_OF[identifier.split("-")[0]])
        settle(header)  # a header tapped while the form still moved opened its neighbour
        header.click()
    settle(target.first)  # also after the form scrolled itself (to the photos, after one)
    target.first.click()


def settle(locator, timeout: float = 10.0) -> None:
    """Wait until ``locator`` is visible and has stopped moving: a section's opening animation
    grows its content for ~200 ms, and a tap or a measurement during it hits the wrong place
    (an "add photo" button 15 px high, a tap that opens no file chooser)."""
    locator.wait_for(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    last = locator.bounding_box()
    while True:
        time.sleep(0.12)
        box = locator.bounding_box()
        if box == last and box is not None:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{locator} kept moving for {timeout} s")
        last = box


def reveal(page, identifier: str, *, x: float = 195, y: float = 500, turns: int = 30):
    """Scroll the page (the wheel at x, y) until the control ``identifier`` is on screen, as a
    user does: Flutter drops a control scrolled out of view from the semantics tree, so a
    locator cannot find what lies below the fold."""
    target = by_id(page, identifier)
    for _ in range(turns):
        if target.count() and (box := target.bounding_box()) and box["height"] > 10 \
                and box["y"] + box["height"] < page.viewport_size["height"] - 100:
            settle(target)
            return target
        page.mouse.move(x, y)
        page.mouse.wheel(0, 200)
        page.wait_for_timeout(200)
    raise AssertionError(f"{identifier} did not come on screen after {turns} wheel turns")


def open_section(page, key: str) -> None:
    """Open a closed section of the check form (``photos``, ``measures`` ...) and wait until
    it has opened, before a screenshot or a tap inside; scrolls to it first."""
    header = reveal(page, f"section-{key}")
    header.click()
    page.wait_for_timeout(600)  # the content below the header grows with the animation
    if header.count():  # an open section near the bottom may take its header's place in the
        settle(header)  # semantics tree (its text field's label then names the group)


def page_shift(before: bytes, after: bytes, *, top: int = 110, bottom: int = 120,
               band: int = 90) -> int:
    """How many CSS pixels the page content moved up between two screenshots (``scale="css"``
    PNGs of the same viewport), read from the pixels themselves.

    Flutter web's semantics boxes (what locators measure) can lag behind the picture after a
    scroll, so a scroll is measured where the user sees it: bands of the first screenshot are
    looked for in the second; the shift with the smallest difference wins. ``top``/``bottom``:
    the app bar and navigation bar, which never scroll."""
    from io import BytesIO

    from PIL import Image, ImageChops, ImageStat

    a = Image.open(BytesIO(before)).convert("L")
    b = Image.open(BytesIO(after)).convert("L")
    width, height = a.size
    best = (float("inf"), 0)
    for y0 in range(top, height - bottom - band, band * 2):
        ref = a.crop((0, y0, width, y0 + band))
        if ImageStat.Stat(ref).stddev[0] < 4:  # a blank band matches anywhere
            continue
        for shift in range(-(height - bottom - band - top), height - bottom - band - top + 1):
            y1 = y0 - shift
            if y1 < top or y1 + band > height - bottom:
                continue
            diff = ImageStat.Stat(ImageChops.difference(ref, b.crop((0, y1, width, y1 + band)))).mean[0]
            if diff < best[0]:
                best = (diff, shift)
    return best[1]
