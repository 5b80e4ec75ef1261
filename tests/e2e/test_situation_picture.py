"""End to end in real headless Chromium: the supervisor opens the situation picture (on a phone
and on a desktop-sized window) and the figures shown are the API's."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import sync_playwright

import patrol_wire as wire
from tests.e2e.browser import DESKTOP, by_id, log_in, open_app, phone_context, settled_screenshot

pytestmark = pytest.mark.e2e

CITY = ZoneInfo("Europe/Berlin")  # the app process's clock (tests/support/servers.py)


def shown(page, identifier: str) -> str:
    node = by_id(page, identifier)
    node.wait_for(timeout=30_000)
    return (node.get_attribute("aria-label") or node.inner_text()).strip()


def window_line(page, days: int, asked_at: datetime):
    """The picture's "<since> bis <until>" line as drawn for a window of ``days`` asked for at
    ``asked_at`` (give or take a minute): it names the window's first day, so it appears only
    once the figures of that window are on the screen (they are drawn in the same update).
    Flutter puts a card's texts into its group's label."""
    starts = {(asked_at + timedelta(seconds=s) - timedelta(days=days)).astimezone(CITY)
              .strftime("%d.%m.%Y") for s in (-60, 0, 60)}
    line = re.compile(rf"^({'|'.join(map(re.escape, starts))}) \d\d:\d\d bis ")
    return page.get_by_label(line).or_(page.get_by_text(line))


def test_supervisor_sees_the_apis_figures(stack, artifacts):
    with sync_playwright() as pw:
        with phone_context(pw) as ctx:
            page = ctx.new_page()
            log_in(page, stack.app_url, "lagebild")
            page.get_by_role("tab", name="Lagebild").click()
            window_line(page, 7, datetime.now(timezone.utc)).wait_for(timeout=30_000)
            by_id(page, "pic-days").click()
            asked_at = datetime.now(timezone.utc)
            page.get_by_role("button", name="letzte 30 Tage").click()  # the open menu's entry
            window_line(page, 30, asked_at).wait_for(timeout=30_000)
            figures = {k: shown(page, f"fig-{k}") for k in ("checks", "findings", "measures", "places")}
            playgrounds = shown(page, "coverage-playground")
            settled_screenshot(page, artifacts / "30-picture-phone.png")
            assert ctx.foreign_requests == []

        token = httpx.post(f"{stack.server_url}/api/v1/auth/login",
                           json={"username": "lagebild", "password": "streife2026"}).json()["token"]
        pic = httpx.get(f"{stack.server_url}/api/v1/situation", headers={"Authorization": f"Bearer {token}"},
                        params={"since": wire.format_timestamp(asked_at - timedelta(days=30)),
                                "until": wire.format_timestamp(asked_at)}).json()
        assert pic["checks"] > 0
        assert figures == {"checks": str(pic["checks"]), "findings": str(pic["findings"]),
                           "measures": str(pic["measures"]), "places": str(pic["places_checked"])}
        (cov,) = [c for c in pic["coverage"] if c["place_type"] == "playground" and c["district_id"] is None]
        assert f"{cov['checked']} von {cov['total']}" in playgrounds

        with phone_context(pw, viewport=DESKTOP) as ctx:  # the same device, now on a desktop
            page = ctx.new_page()
            open_app(page, stack.app_url)
            page.get_by_role("tab", name="Lagebild").click()
            by_id(page, "hotspot-1").wait_for(timeout=30_000)
            settled_screenshot(page, artifacts / "31-picture-desktop.png")  # with the basemap tiles
            assert ctx.foreign_requests == []
