"""First frame of the web app in headless Chromium at phone size: time from navigation to the
splash screen gone (Flutter rendered) and to the login form usable, over several cold loads.

Run: .venv/bin/python bench/first_frame.py [--loads 5] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.browser import phone_context  # noqa: E402
from tests.support.servers import free_port, server_cli, start_app, start_server  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--loads", type=int, default=5)
    p.add_argument("--smoke", action="store_true",
                   help="seconds on tiny data, the same code paths (CI runs this)")
    args = p.parse_args()
    loads = 1 if args.smoke else args.loads
    with tempfile.TemporaryDirectory() as d:
        data = Path(d)
        server_cli(data / "server", "init")
        sport, aport = free_port(), free_port()
        server = start_server(data / "server", sport, data / "server.log")
        app = start_app(data / "device", aport, f"http://127.0.0.1:{sport}", data / "app.log")
        painted, usable = [], []
        try:
            with sync_playwright() as pw:
                for _ in range(loads):
                    with phone_context(pw) as ctx:  # a fresh browser: nothing cached
                        page = ctx.new_page()
                        t = time.perf_counter()
                        page.goto(f"http://127.0.0.1:{aport}")
                        page.wait_for_selector("#loading", state="detached", timeout=60_000)
                        painted.append(time.perf_counter() - t)
                        page.locator("flt-semantics-placeholder").dispatch_event("click")
                        page.get_by_role("textbox", name="Benutzername").wait_for(timeout=60_000)
                        usable.append(time.perf_counter() - t)
        finally:
            app.stop()
            server.stop()
    print(f"cold loads: {loads} (fresh Chromium each, 390x844)")
    print(f"splash gone (first Flutter frame): median {statistics.median(painted) * 1000:.0f} ms, "
          f"max {max(painted) * 1000:.0f} ms")
    print(f"login form usable: median {statistics.median(usable) * 1000:.0f} ms, "
          f"max {max(usable) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
