"""Local save (report + outbox entry, committed, synchronous=FULL) with 10,000 reports stored.

Target: p99 < 5 ms. Run: .venv/bin/python bench/local_save.py [--existing 10000 --samples 500] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import patrol_wire as wire  # noqa: E402
from patrol_app.core.checks import CheckDraft, build_report  # noqa: E402
from patrol_app.core.store import LocalStore  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--existing", type=int, default=10_000)
    p.add_argument("--samples", type=int, default=500)
    p.add_argument("--smoke", action="store_true",
                   help="seconds on tiny data, the same code paths (CI runs this)")
    args = p.parse_args()
    if args.smoke:
        args.existing, args.samples = 50, 20
    place = wire.Place("pg", "Spielplatz", wire.PlaceType.PLAYGROUND, 51.68, 7.82, 30)
    fix = wire.GpsFix(51.68, 7.82, 8, wire.format_timestamp(datetime.now(timezone.utc)))
    with tempfile.TemporaryDirectory() as d:
        store = LocalStore(d)
        for i in range(args.existing):
            draft = CheckDraft(place=place, fix=fix, note=f"existing {i}")
            store.save_report(build_report(draft, team_id="t", now=datetime.now(timezone.utc)))
        times = []
        for i in range(args.samples):
            draft = CheckDraft(place=place, fix=fix, note=f"sample {i}")
            report = build_report(draft, team_id="t", now=datetime.now(timezone.utc))
            t = time.perf_counter()
            store.save_report(report)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p50 = statistics.median(times)
        p99 = times[int(len(times) * 0.99) - 1]
        print(f"store: {store.report_count()} reports; {args.samples} saves measured")
        print(f"save (report + outbox, committed): p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {times[-1]:.2f} ms")
        print("target p99 < 5 ms:", "met" if p99 < 5 else "NOT met")
        store.close()


if __name__ == "__main__":
    main()
