"""The steering group's report (``GET /report.pdf``'s work) on a year of 1M reports with a year of
real planning.

Seeds like bench/situation.py (its ``World`` and ``add_reports``: the Hamm demo, 8 mixed teams,
two shifts a day with 4-8 teams on each, stop checks in time / late / not at all, the other
reports spread over places, teams and the year, through the storage's real ingest), then times
the report -- figures (``report.gather``: the picture for the window and for the previous
window of the same length, measures by agency, every planned stop judged) and the PDF
(``report.render``) -- for a calendar quarter, the running half-year and the whole year: first
run and median of ``--runs``, pages and size. Target: the year at 1M reports < 5 s.

Run (heavy: take the machine-wide lock):
    flock /tmp/gs-heavy.lock nice -n 10 .venv/bin/python bench/report_pdf.py [--reports 1000000]
        [--runs 3] [--reader police] [--out DIR] [--keep] [--smoke]
``--out DIR`` writes each window's PDF there (the README's page image is made from one).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import situation as seeding  # noqa: E402  (bench/situation.py: the same seeding)
from sync_server import report  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.places import PlaceBook  # noqa: E402
from sync_server.storage import PictureFilter, SqliteStorage  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
TARGET_S = 5.0
PAGE = re.compile(rb"/Type /Page\b")


def windows(now: datetime, days: int) -> list[tuple[str, datetime, datetime]]:
    """A calendar quarter (the last complete one), the running half-year, the whole seeded
    span; on a fortnight (``--smoke``) the last week and the fortnight."""
    if days < 200:
        return [("last 7 days", now - timedelta(days=7), now),
                (f"last {days} days", now - timedelta(days=days), now)]
    local = now.astimezone(TZ)
    q = (local.month - 1) // 3
    q_start = local.replace(month=q * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    prev_q = (q_start - timedelta(days=1)).replace(day=1)
    prev_q = prev_q.replace(month=(prev_q.month - 1) // 3 * 3 + 1)
    h_start = local.replace(month=1 if local.month <= 6 else 7, day=1, hour=0, minute=0,
                            second=0, microsecond=0)
    return [("last complete quarter", prev_q.astimezone(timezone.utc), q_start.astimezone(timezone.utc)),
            ("half-year so far", h_start.astimezone(timezone.utc), now),
            (f"year ({days} days)", now - timedelta(days=days), now)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reader", default="police", help="the reader's agency (the agency rule)")
    ap.add_argument("--out", type=Path, help="write each window's PDF into this directory")
    ap.add_argument("--cooperation", default="Sicherheitskooperation Hamm (synthetische Daten)",
                    help="the name on the report")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (and say where)")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny data (a fortnight, 3k reports, one run; CI runs this)")
    args = ap.parse_args()
    days = seeding.DAYS
    if args.smoke:
        days, args.reports, args.runs = 14, 3000, 1

    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        settings = Settings.from_env(str(tmp / "server"))
        storage = SqliteStorage(settings.db_path)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        t = time.perf_counter()
        world = seeding.World(storage, settings, now, days)
        added = seeding.add_reports(storage, world, args.reports - storage.report_count(), 0, stops=True)
        print(f"seeded: {len(world.assignments):,} assignments over {days} days, "
              f"{storage.report_count():,} reports (+{added:,}), "
              f"{settings.db_path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - t:.0f} s",
              flush=True)
        book = PlaceBook(storage)
        f = PictureFilter(args.reader)
        results = []
        for label, since, until in windows(now, days):
            gather_ms, render_ms, totals = [], [], []
            pdf = b""
            for _ in range(1 + args.runs):
                t0 = time.perf_counter()
                fig = report.gather(storage, f, since=since, until=until, cooperation=args.cooperation,
                                    tz=settings.timezone, grace=settings.missed_grace, now=now,
                                    places=book)
                t1 = time.perf_counter()
                pdf = report.render(fig)
                t2 = time.perf_counter()
                gather_ms.append((t1 - t0) * 1000)
                render_ms.append((t2 - t1) * 1000)
                totals.append(t2 - t0)
            pages = len(PAGE.findall(pdf))
            median = statistics.median(totals[1:]) if args.runs else totals[0]
            results.append((label, median))
            print(f"  {label:24s} {fig.now.checks:>9,} checks, {fig.stops.total:>6,} stops:"
                  f" first {totals[0]:5.2f} s, median {median:5.2f} s"
                  f" (figures {statistics.median(gather_ms[1:] or gather_ms):6.0f} ms,"
                  f" PDF {statistics.median(render_ms[1:] or render_ms):5.0f} ms);"
                  f" {pages} pages, {len(pdf) / 1024:.0f} KiB", flush=True)
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                name = args.out / f"report-{label.split()[0]}-{since:%Y%m%d}-{until:%Y%m%d}.pdf"
                name.write_bytes(pdf)
                print(f"    written: {name}")
        year = results[-1][1]
        print(f"\nreport for {results[-1][0]} at {storage.report_count():,} reports: {year:.2f} s"
              f" (target < {TARGET_S:.0f} s at 1M reports and a year of planning)")
        storage.close()
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
