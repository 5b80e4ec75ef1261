"""End to end in real headless Chromium: the supervisor downloads the steering group's report from
the situation picture (phone size), and the PDF the browser saves carries the API's figures for
the running quarter."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import sync_playwright

import patrol_wire as wire
from patrol_app.core.periods import report_periods
from tests.e2e.browser import by_id, log_in, phone_context, settled_screenshot

pytestmark = pytest.mark.e2e
CITY = ZoneInfo("Europe/Berlin")  # the app process's clock (tests/support/servers.py)


def scrolled_to(page, identifier: str, tries: int = 150):
    """The picture is a long scrolling page: wheel down until the control lies on the screen
    above the navigation bar (Flutter moves its semantics nodes as it scrolls). Flutter web
    scrolls about a quarter of a wheel's delta, and the picture grew with the complaint and
    fear-space boxes: 40 turns no longer reached its end."""
    node = by_id(page, identifier)
    node.first.wait_for(state="attached", timeout=30_000)
    bottom = page.viewport_size["height"] - 100
    for _ in range(tries):
        box = node.first.bounding_box()
        if box and 60 <= box["y"] and box["y"] + box["height"] <= bottom:
            return node.first
        page.mouse.move(195, 400)
        page.mouse.wheel(0, 350 if not box or box["y"] > bottom else -150)
        page.wait_for_timeout(200)  # a frame or two of scrolling, then look again
    raise AssertionError(f"{identifier} never came onto the screen")


def test_supervisor_downloads_the_steering_report(stack, artifacts, tmp_path):
    with sync_playwright() as pw:
        with phone_context(pw) as ctx:
            page = ctx.new_page()
            log_in(page, stack.app_url, "lagebild")
            page.get_by_role("tab", name="Lagebild").click()
            by_id(page, "fig-checks").wait_for(timeout=30_000)
            button = scrolled_to(page, "report-pdf")
            settled_screenshot(page, artifacts / "32-picture-steering-report.png")
            with page.expect_download(timeout=60_000) as download:
                button.click()
            clicked_at = datetime.now(timezone.utc)
            saved = tmp_path / download.value.suggested_filename
            download.value.save_as(saved)
            assert ctx.foreign_requests == []

    quarter = next(p for p in report_periods(datetime.now(CITY)) if p.key == "quarter_now")
    assert saved.name == f"lenkungsgruppe-{quarter.start:%Y%m%d}-{clicked_at.astimezone(quarter.start.tzinfo):%Y%m%d}.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(saved), "-"], capture_output=True, text=True,
                          check=True).stdout
    token = httpx.post(f"{stack.server_url}/api/v1/auth/login",
                       json={"username": "lagebild", "password": "streife2026"}).json()["token"]
    pic = httpx.get(f"{stack.server_url}/api/v1/situation", headers={"Authorization": f"Bearer {token}"},
                    params={"since": wire.format_timestamp(quarter.start),
                            "until": wire.format_timestamp(clicked_at)}).json()
    assert pic["checks"] > 0  # the demo's fortnight of reports lies in the running quarter
    checks = re.search(r"^\s*Kontrollen\s+([\d.]+)\s", text, re.M)
    assert checks and int(checks[1].replace(".", "")) == pic["checks"]
    assert f"{quarter.start.month // 3 + 1}. Quartal {quarter.start.year}" in text
    flat = " ".join(text.split())
    for name in ("Anna Müller", "Jonas Schmidt", "Thomas Becker", "Müller", "Schmidt", "Becker",
                 "Streife Mitte 1"):  # the demo's officers, supervisor and team
        assert name not in flat
