"""Handler times of the field app with 10,000 reports on the device (no browser: the Python side
of each handler, which is what runs on the phone's CPU).

The app is the real shell (``PatrolApp``) on a real Flet session over an in-memory connection
(tests/support/flet_session.py), opened through its own navigation, so the figures include
building the screen and the update the phone is sent -- and a view that needs more of the app
than a stand-in would offer cannot break this bench.

Targets: save < 50 ms; opening the check form and the outbox < 300 ms.
Run: .venv/bin/python bench/app_handlers.py [--reports 10000] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import patrol_wire as wire  # noqa: E402
from patrol_app.core.checks import CheckDraft, build_report  # noqa: E402
from patrol_app.core.device import Device  # noqa: E402
from patrol_app.core.photos import process_photo  # noqa: E402
from patrol_app.ui.app import FIELD_TABS, PatrolApp  # noqa: E402
from sync_server.demo import load_demo, playground_features  # noqa: E402
from tests.support.flet_session import Harness  # noqa: E402


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reports", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--smoke", action="store_true",
                   help="seconds on tiny data, the same code paths (CI runs this)")
    args = p.parse_args()
    if args.smoke:
        args.reports, args.runs = 50, 2
    with tempfile.TemporaryDirectory() as d:
        device = Device(d, "http://127.0.0.1:9")  # no server: nothing here syncs
        places = [wire.decode(wire.Place, {**f["properties"], "lon": f["geometry"]["coordinates"][0],
                                           "lat": f["geometry"]["coordinates"][1]})
                  for f in playground_features(load_demo())]
        device.store.apply_sync_page(wire.SyncPage("c1.1", False, places=places))
        place = places[0]
        fix = wire.GpsFix(place.lat, place.lon, 8, wire.format_timestamp(datetime.now(timezone.utc)))
        for i in range(args.reports):
            device.store.save_report(build_report(CheckDraft(place=places[i % len(places)], fix=fix),
                                                  team_id="t", now=datetime.now(timezone.utc)))
        photos = iter([camera_photo(i) for i in range(args.runs)])  # a new file per save: a
        # photo already stored is not written again, which would hide the fsync of a real save

        def save() -> None:
            draft = CheckDraft(place=place, fix=fix, findings={wire.Finding.LITTER})
            draft.add_photo(next(photos))
            device.save_check(draft)

        save_ms = median_ms(save, args.runs)
        form_ms, outbox_ms = asyncio.run(open_screens(device, place, fix, args.runs))
        print(f"device store: {device.store.report_count():,} reports")
        print(f"save handler (report + photo + outbox, committed): median {save_ms:.1f} ms (target < 50)")
        print(f"open check form: median {form_ms:.1f} ms (target < 300)")
        print(f"open outbox: median {outbox_ms:.1f} ms (target < 300)")
        device.store.close()


def camera_photo(seed: int):
    """A processed photo of its own (distinct bytes) for each save."""
    buf = BytesIO()
    Image.new("RGB", (1600, 1200), (20 + seed % 200, 90, 160)).save(buf, "JPEG")
    return process_photo(buf.getvalue())


async def open_screens(device: Device, place: wire.Place, fix: wire.GpsFix,
                       runs: int) -> tuple[float, float]:
    """Median ms to open the check form and the outbox, as the app's navigation does it."""
    h = Harness()
    try:
        app = PatrolApp(h.page, device)
        await app.start()  # the shell on the page (not logged in: the login screen, no sync)
        app.fix = fix
        outbox = next(i for i, tab in enumerate(FIELD_TABS) if tab.label == "nav_outbox")
        return (median_ms(lambda: app.show_check(place), runs),
                median_ms(lambda: app.show_main(outbox), runs))
    finally:
        h.close()


if __name__ == "__main__":
    main()
