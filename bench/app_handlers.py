"""Handler times of the field app with 10,000 reports on the device (no browser: the Python side
of each handler, which is what runs on the phone's CPU).

Targets: save < 50 ms; building the check form and the outbox < 300 ms.
Run: .venv/bin/python bench/app_handlers.py [--reports 10000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timezone
from types import SimpleNamespace

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft, build_report
from patrol_app.core.device import Device
from patrol_app.core.photos import process_photo
from patrol_app.ui.i18n import Translator
from patrol_app.ui.views.check_form import CheckFormView
from patrol_app.ui.views.outbox import OutboxView
from sync_server.demo import load_demo, playground_features


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
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        device = Device(d, "http://127.0.0.1:9")
        places = [wire.decode(wire.Place, {**f["properties"], "lon": f["geometry"]["coordinates"][0],
                                           "lat": f["geometry"]["coordinates"][1]})
                  for f in playground_features(load_demo())]
        device.store.apply_sync_page(wire.SyncPage("c1.1", False, places=places))
        place = places[0]
        fix = wire.GpsFix(place.lat, place.lon, 8, wire.format_timestamp(datetime.now(timezone.utc)))
        for i in range(args.reports):
            device.store.save_report(build_report(CheckDraft(place=places[i % len(places)], fix=fix),
                                                  team_id="t", now=datetime.now(timezone.utc)))
        from io import BytesIO

        from PIL import Image

        buf = BytesIO()
        Image.new("RGB", (1600, 1200), (20, 90, 160)).save(buf, "JPEG")
        photo = process_photo(buf.getvalue())
        import flet as ft

        app = SimpleNamespace(device=device, t=Translator("de"), fix=fix, progress=ft.Column(),
                              sync_status="", sync_now=lambda *_: None)

        def save() -> None:
            draft = CheckDraft(place=place, fix=fix, findings={wire.Finding.LITTER})
            draft.add_photo(photo)
            device.save_check(draft)

        save_ms = median_ms(save, args.runs)
        form_ms = median_ms(lambda: CheckFormView(app, place).build(), args.runs)
        outbox_ms = median_ms(lambda: OutboxView(app).build(), args.runs)
        print(f"device store: {device.store.report_count():,} reports")
        print(f"save handler (report + photo + outbox, committed): median {save_ms:.1f} ms (target < 50)")
        print(f"open check form: median {form_ms:.1f} ms (target < 300)")
        print(f"open outbox: median {outbox_ms:.1f} ms (target < 300)")


if __name__ == "__main__":
    main()
