"""Citizen complaints against patrol effort over a year: the import and the picture's figures.

1. Seeds a store in a temp dir (removed at the end) as ``bench/situation.py`` does: the Hamm
   demo (with its 320 complaints), bench teams, and ``--reports`` reports over a year through
   the storage's real ingest (derived day figures included).
2. Imports ``--complaints`` synthetic complaints for the same year through the real import
   (``complaints_import.import_file``: a German CSV, ~60 % clustered at the demo's hot places,
   the rest at random playgrounds or anywhere in a district): rows per second, and the same
   file again (every row a duplicate).
3. ``GET /situation/complaints``'s whole computation (``complaints.compute`` + encoding) for
   7, 30, 90 and 365 days, first run and median of ``--runs``; the shift lead's suggestions
   (28 days). Target at 1M reports and 20k complaints: 90 days < 300 ms, like the picture.

Run (heavy: take the machine-wide lock):
    flock /tmp/gs-heavy.lock nice -n 10 .venv/bin/python bench/complaints.py
        [--reports 1000000] [--complaints 20000] [--runs 5] [--smoke]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import patrol_wire as wire  # noqa: E402
from sync_server import complaints  # noqa: E402
from sync_server.complaints_import import import_file  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.demo import TZ, load_demo  # noqa: E402
from sync_server.places import PlaceBook  # noqa: E402
from sync_server.storage import PictureFilter, open_storage  # noqa: E402
from tests.conftest import FAST_KDF  # noqa: E402

from situation import World, add_reports, timed  # noqa: E402  (bench/situation.py's seeding)

WINDOWS = (7, 30, 90, 365)
CATEGORIES = ["Lärm", "Müll", "Drogen", "Alkohol", "Belästigung", "Sachbeschädigung", "Hundekot",
              "Jugendgruppen", "Beleuchtung", "Sonstiges"]


def complaints_csv(world: World, n: int, days: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    demo = load_demo()
    lines = ["Vorgangsnummer;Eingang;Breite;Länge;Kategorie;Beschreibung"]
    for i in range(n):
        if rng.random() < 0.6:
            p = rng.choice(world.hot)
            lat0, lon0, spread = p.lat, p.lon, 80.0
        elif rng.random() < 0.5:
            p = rng.choice(world.places)
            lat0, lon0, spread = p.lat, p.lon, 50.0
        else:
            d = rng.choice(demo["districts"])
            lat0, lon0, spread = d["lat"], d["lon"], math.sqrt(d["area_km2"] * 1e6 / math.pi) * 0.6
        r, a = spread * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        lat = lat0 + r * math.cos(a) / 111_320
        lon = lon0 + r * math.sin(a) / (111_320 * math.cos(math.radians(lat0)))
        when = (world.now - timedelta(days=days) * rng.random()).astimezone(TZ)
        german = lambda x: f"{x:.6f}".replace(".", ",")  # noqa: E731  (decimal comma)
        lines.append(f"B-{i:07d};{when:%d.%m.%Y %H:%M};{german(lat)};{german(lon)};"
                     f"{rng.choice(CATEGORIES)};Freitext, wird nicht importiert")
    return ("\n".join(lines) + "\n").encode("utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--complaints", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="seconds on tiny data (CI runs this)")
    args = ap.parse_args()
    days = 365
    if args.smoke:
        args.reports, args.complaints, args.runs, days = 3000, 500, 1, 14
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="bench-complaints-") as tmp:
        settings = Settings(data_dir=Path(tmp), kdf=FAST_KDF)
        storage = open_storage(settings)
        try:
            t = time.perf_counter()
            world = World(storage, settings, now, days)
            stored = add_reports(storage, world, args.reports, seed=5, stops=False)
            print(f"seeded {stored:,} reports over {days} days in {time.perf_counter() - t:.0f} s",
                  flush=True)

            data = complaints_csv(world, args.complaints, days)
            for label in ("import", "again (duplicates)"):
                t = time.perf_counter()
                rep = import_file(storage, data, "csv", zone=TZ, actor="bench", now=now)
                s = time.perf_counter() - t
                print(f"{label}: {args.complaints:,} rows in {s * 1000:.0f} ms"
                      f" ({args.complaints / s:,.0f} rows/s): accepted {rep.accepted:,},"
                      f" near a place {rep.placed:,}, duplicates {rep.n_duplicates:,},"
                      f" rejected {rep.n_rejected:,}", flush=True)
                if rep.n_rejected:
                    raise SystemExit(f"the bench's file has bad rows: {rep.rejected[:3]}")

            book = PlaceBook(storage)
            f = PictureFilter("police")
            for window in WINDOWS:
                since = now - timedelta(days=window)

                def whole(since=since):
                    wire.encode(complaints.compute(storage, f, since=since, until=now, places=book))

                first, median = timed(whole, args.runs)
                pic = complaints.compute(storage, f, since=since, until=now, places=book)
                print(f"complaints picture {window:>3} days: first {first:7.1f} ms, median"
                      f" {median:7.1f} ms  ({pic.complaints:,} complaints, {pic.checks:,} checks,"
                      f" {len(pic.places)} places, {sum(g.stands_out for g in pic.places)} stand"
                      " out)", flush=True)

            def gaps():
                wire.encode(complaints.suggestions(storage, f, since=now - timedelta(days=28),
                                                   until=now, places=book))

            first, median = timed(gaps, args.runs)
            print(f"lead's suggestions 28 days: first {first:.1f} ms, median {median:.1f} ms")
        finally:
            storage.close()


if __name__ == "__main__":
    main()
