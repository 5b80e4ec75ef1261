"""The situation picture on a synthetic year: 1M reports across the Hamm demo places.

1. Generates the store once (``--data``, default bench-data/situation; ``--reports`` 1,000,000
   over the 365 days before now, evenings busier, ~45 % at hotspots), kept for later runs.
2. The 30-day situation query in-process: first (cold) run and the median of ``--runs``;
   7 and 90 days and a district filter beside it for context. Target: 30-day median < 100 ms.
3. GeoJSON export of the newest 100k reports from a real uvicorn process, streamed to nowhere:
   the server's peak resident memory (VmHWM) before and after. Target: peak < 200 MB.

Run: .venv/bin/python bench/situation.py [--reports 1000000] [--runs 15]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import patrol_wire as wire  # noqa: E402
from sync_server import situation  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.demo import _FINDINGS, _MEASURES, seed_demo  # noqa: E402
from sync_server.places import PlaceBook  # noqa: E402
from sync_server.storage import NewReport, PictureFilter, SqliteStorage  # noqa: E402
from tests.support.servers import free_port, start_server  # noqa: E402


def uuid7_at(ms: int, rng: random.Random) -> str:
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


def generate(storage: SqliteStorage, settings: Settings, n: int, now: datetime) -> None:
    seed_demo(storage, settings)
    rng = random.Random(7)
    places = [wire.decode(wire.Place, json.loads(b)) for b in storage.picture_places()]
    places = [p for p in places if p.type.value in _FINDINGS]
    hot = [p for p in places if p.type.value != "playground"]
    users = [storage.user_by_name(u)[0] for u in ("polizei", "kod", "polizei2", "kod2")]
    teams = {"polizei": "team-mitte-1", "kod": "team-mitte-1", "polizei2": "team-heessen-1",
             "kod2": "team-heessen-1"}
    start = now - timedelta(days=365)
    span_ms = 365 * 86_400_000
    hours = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1]
    weights = [2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7, 8, 8, 7, 5, 3, 2]
    batch = 5000
    t0 = time.perf_counter()
    for base in range(0, n, batch):
        by_author: dict[int, list[NewReport]] = {}
        # times ascending within the batch (uuid7: appends), spread over the year
        moments = sorted(start + timedelta(milliseconds=(base + i) * span_ms // n) for i in range(min(batch, n - base)))
        for moment in moments:
            moment = moment.replace(hour=rng.choices(hours, weights)[0], minute=rng.randrange(60))
            place = rng.choice(hot) if rng.random() < 0.45 else rng.choice(places)
            user = rng.choice(users)
            findings = sorted(set(rng.sample(_FINDINGS[place.type.value], rng.choice([0, 0, 1, 1, 2, 3]))))
            measures = sorted(set(rng.sample(_MEASURES, rng.choice([0, 1, 2])))) if findings else []
            rid = uuid7_at(int(moment.timestamp() * 1000), rng)
            observed = wire.format_timestamp(moment)
            body = wire.canonical_json(wire.decode(wire.Report, {
                "id": rid, "observed_at": observed, "place_id": place.id,
                "severity": "low" if findings else "none", "visibility": "cooperation",
                "presence": {"verdict": "on_site", "distance_m": 5.0},
                "fix": {"lat": place.lat, "lon": place.lon, "accuracy_m": 8.0,
                        "fixed_at": observed, "source": "gps"},
                "findings": findings, "measures": measures})).decode()
            mask = 0
            for f in findings:
                mask |= 1 << wire.FINDING_BITS[f]
            by_author.setdefault(user.id, []).append(NewReport(
                id=rid, content_hash=hashlib.sha256(body.encode()).hexdigest(), body=body,
                place_id=place.id, team_id=teams[user.username], observed_at=observed,
                lat=place.lat, lon=place.lon, accuracy_m=8.0, device_verdict="on_site",
                server_verdict="on_site", server_distance_m=5.0, severity="low" if findings else "none",
                visibility="cooperation", photos=[], findings_mask=mask, n_findings=len(findings),
                n_measures=len(measures)))
        for user in users:
            items = by_author.get(user.id)
            if items:
                storage.ingest_reports(items, author=user, received_at=wire.format_timestamp(now))
        if (base // batch) % 40 == 0:
            print(f"  generated {base + batch:,} reports ({time.perf_counter() - t0:.0f} s)", flush=True)


def timed(fn, runs: int) -> tuple[float, float]:
    first_start = time.perf_counter()
    fn()
    first = (time.perf_counter() - first_start) * 1000
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return first, statistics.median(times)


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / "bench-data" / "situation"))
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--export", type=int, default=100_000, help="reports in the exported window")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny data in a fresh temporary store (CI runs this)")
    args = ap.parse_args()
    if args.smoke:
        smoke_dir = tempfile.TemporaryDirectory()  # removed when the bench ends
        args.data, args.reports, args.runs, args.export = smoke_dir.name, 2_000, 1, 500

    settings = Settings.from_env(args.data)
    storage = SqliteStorage(settings.db_path)
    now = datetime.now(timezone.utc)
    if storage.report_count() < args.reports:
        print(f"generating {args.reports:,} reports into {settings.db_path} (once) ...")
        generate(storage, settings, args.reports - storage.report_count(), now)
    count = storage.report_count()
    size_mb = settings.db_path.stat().st_size / 1e6
    print(f"store: {count:,} reports, {size_mb:,.0f} MB ({settings.db_path})")

    f = PictureFilter("police")
    book = PlaceBook(storage)  # as the server keeps it
    for days, flt, label in ((30, f, "30 days"), (7, f, "7 days"), (90, f, "90 days"),
                             (30, PictureFilter("police", district_id="mitte"), "30 days, Mitte")):
        def run(days=days, flt=flt):
            return situation.compute(storage, flt, since=now - timedelta(days=days), until=now,
                                     places=book)
        first, median = timed(run, args.runs)
        pic = run()
        print(f"situation {label:15}: first {first:6.1f} ms, median {median:6.1f} ms"
              f"  ({pic.checks:,} checks, {len(pic.hotspots)} hotspots)")
    storage.close()

    # the newest --export reports: find the window start
    reader = SqliteStorage(settings.db_path)
    rows = reader._read().execute("SELECT observed_at FROM reports ORDER BY observed_at DESC"
                                  " LIMIT 1 OFFSET ?", [args.export - 1]).fetchone()
    reader.close()
    since = rows[0]
    port = free_port()
    proc = start_server(Path(args.data), port, Path(args.data) / "bench-server.log")
    try:
        token = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/login",
                           json={"username": "lagebild", "password": "streife2026"}).json()["token"]
        before = vm_hwm_mb(proc.proc.pid)
        t = time.perf_counter()
        n_bytes = 0
        with httpx.stream("GET", f"http://127.0.0.1:{port}/api/v1/export/reports.geojson",
                          params={"since": since, "until": wire.format_timestamp(now + timedelta(minutes=1))},
                          headers={"Authorization": f"Bearer {token}"}, timeout=600) as resp:
            for chunk in resp.iter_bytes():
                n_bytes += len(chunk)
        elapsed = time.perf_counter() - t
        after = vm_hwm_mb(proc.proc.pid)
        print(f"GeoJSON export of {args.export:,} reports: {n_bytes / 1e6:.0f} MB in {elapsed:.1f} s;"
              f" server peak RSS {before:.0f} MB before, {after:.0f} MB after (target < 200 MB)")
    finally:
        proc.stop()


if __name__ == "__main__":
    main()
