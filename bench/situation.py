"""The situation picture on a synthetic year of reports and of real planning, new code beside old.

1. Seeds a store in a temp dir (removed at the end; nothing cached elsewhere): the Hamm demo,
   8 mixed teams, 12 route templates of 6-10 stops, and a year of planning -- two shifts a day
   (06:00-14:00 and 18:00-02:00 local, the second across midnight), 4-8 teams on each, about
   4,400 assignments. Reports go in through the storage's real ingest
   (``SqliteStorage.ingest_reports``, the call the batch endpoint ends in, derived day figures
   included), skipping only HTTP and validation: the generator sets the server verdict. Per
   stop, its team checks it in time (60 %), late (12 %) or not at all; the rest of the reports
   are spread over teams, places and the year (evenings busier, ~45 % at hotspots).
2. At each step of ``--steps`` (default 100k and 1M reports): ``GET /situation``'s whole
   computation (``situation.compute`` + encoding) for 7, 30 and 90 days, first run and median
   of ``--runs``, and the missed/late part alone; beside it the same call on the old tree
   (``git archive`` of ``--old`` into the temp dir, run in a child process on the same store,
   one run, stopped after ``--old-budget`` s). Targets at 1M reports and a year of planning:
   30 days < 100 ms, 90 days < 300 ms.
3. GeoJSON export of the newest 100k reports from a real uvicorn process, streamed to nowhere:
   the server's peak resident memory (VmHWM) before and after. Target: peak < 200 MB.

Run (heavy: take the machine-wide lock):
    flock /tmp/gs-heavy.lock nice -n 10 .venv/bin/python bench/situation.py [--steps 100000,1000000]
        [--runs 7] [--old main] [--old-budget 150] [--port 0] [--no-export] [--smoke]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, time as clock, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import patrol_wire as wire  # noqa: E402
from sync_server import planning, situation  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.demo import _FINDINGS, _MEASURES, seed_demo  # noqa: E402
from sync_server.places import PlaceBook  # noqa: E402
from sync_server.security import hash_password  # noqa: E402
from sync_server.storage import NewReport, PictureFilter, SqlStorage, open_storage  # noqa: E402
from tests.support.servers import free_port, start_server  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
DAYS = 365  # of planning and reports (``--smoke``: a fortnight)
SHIFTS = [(clock(6, 0), 8), (clock(18, 0), 8)]  # local start, hours
N_TEAMS = 8
P_DONE, P_LATE = 0.60, 0.12
WINDOWS = (7, 30, 90)
HOURS = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1]
HOUR_WEIGHTS = [2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7, 8, 8, 7, 5, 3, 2]


def uuid7_at(ms: int, rng: random.Random) -> str:
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


# ---------------------------------------------------------------- seeding


class World:
    """What the generator needs: places, teams with their members, the year's assignments."""

    def __init__(self, storage: SqlStorage, settings: Settings, now: datetime, days: int) -> None:
        settings.tiles_file.parent.mkdir(parents=True, exist_ok=True)
        settings.tiles_file.touch()  # no basemap: the export streams reports, not tiles
        seed_demo(storage, settings, now=now)
        self.now, self.days = now, days
        places = [wire.decode(wire.Place, json.loads(b)) for b in storage.picture_places()]
        self.places = [p for p in places if p.type.value in _FINDINGS and p.active_from is None]
        self.hot = [p for p in self.places if p.type.value != "playground"]
        pw = hash_password("bench-password-1", settings.kdf)
        self.teams: list[tuple[str, list]] = []
        for i in range(N_TEAMS):
            members = []
            for agency in ("police", "kod"):
                name = f"bench-{agency}-{i}"
                user = (storage.user_by_name(name) or (None,))[0] or storage.create_user(
                    username=name, display_name=name, password_hash=pw, role=wire.Role.OFFICER,
                    agency=agency)
                members.append(user)
            team_id = f"bench-team-{i}"
            storage.upsert_team(team_id, f"Streife {i + 1}", None, [u.id for u in members])
            self.teams.append((team_id, members))
        self.assignments = self._plan(storage)

    def _plan(self, storage: SqlStorage) -> list[wire.Assignment]:
        rng = random.Random(11)
        templates = []
        for i in range(12):
            district = rng.choice(sorted({p.district_id for p in self.places if p.district_id}))
            pool = [p for p in self.places if p.district_id == district] + self.hot
            chosen = rng.sample(pool, rng.randint(6, 10))
            stops = [wire.TemplateStop(p.id, 45 * k, 45 * k + 60) for k, p in enumerate(chosen)]
            templates.append(wire.RouteTemplate(f"bench-route-{i}", f"Runde {i + 1}", stops))
        out = []
        first_day = (self.now - timedelta(days=self.days)).astimezone(TZ).date()
        for d in range(self.days + 1):
            day = first_day + timedelta(days=d)
            for start_at, hours in SHIFTS:
                start = datetime.combine(day, start_at, TZ)
                if start > self.now:
                    continue
                for team_id, _ in rng.sample(self.teams, rng.randint(4, 8)):
                    a = planning.concrete_assignment(
                        rng.choice(templates), team_id, wire.format_timestamp(start),
                        wire.format_timestamp(start + timedelta(hours=hours)))
                    storage.upsert_assignment(a.id, team_id, wire.canonical_json(a).decode(),
                                              shift_start=a.shift_start, shift_end=a.shift_end,
                                              actor="bench")
                    out.append(a)
        return out


class Reports:
    """Fast report rows: bodies from string pieces made once per place and finding combination
    (the bodies are valid reports in the shape the export reads, not byte-canonical)."""

    def __init__(self, places: list[wire.Place], rng: random.Random) -> None:
        self.rng = rng
        self.fix = {p.id: ('{"accuracy_m":8.0,"fixed_at":"{at}",'
                           f'"lat":{p.lat!r},"lon":{p.lon!r},"source":"gps"}}') for p in places}
        self.combos: dict[str, list[tuple[str, int, int, str, int]]] = {}
        for ptype, pool in _FINDINGS.items():
            combos = []
            for k in (0, 0, 1, 1, 2, 3):
                findings = sorted(set(rng.sample(pool, k)))
                for _ in range(4):
                    measures = sorted(set(rng.sample(_MEASURES, rng.choice([0, 1, 2])))) if findings else []
                    mask = sum(1 << wire.FINDING_BITS[f] for f in findings)
                    combos.append((json.dumps(findings), mask, len(findings), json.dumps(measures),
                                   len(measures)))
            self.combos[ptype] = combos

    def make(self, place: wire.Place, moment: datetime, team_id: str | None, verdict: str) -> NewReport:
        rng = self.rng
        findings, mask, n_findings, measures, n_measures = rng.choice(self.combos[place.type.value])
        observed = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"
        rid = uuid7_at(int(moment.timestamp() * 1000), rng)
        visibility = "agency" if rng.random() < 0.1 else "cooperation"
        severity = "low" if n_findings else "none"
        team = "null" if team_id is None else f'"{team_id}"'
        body = (f'{{"answers":{{}},"counts":{{}},"findings":{findings},'
                f'"fix":{self.fix[place.id].replace("{at}", observed)},"id":"{rid}",'
                f'"measures":{measures},"note":"","observed_at":"{observed}","photos":[],'
                f'"place_id":"{place.id}","presence":{{"distance_m":5.0,"verdict":"on_site"}},'
                f'"severity":"{severity}","team_id":{team},"visibility":"{visibility}"}}')
        return NewReport(
            id=rid, content_hash=hashlib.sha256(body.encode()).hexdigest(), body=body,
            place_id=place.id, team_id=team_id, observed_at=observed, lat=place.lat, lon=place.lon,
            accuracy_m=8.0, device_verdict="on_site", server_verdict=verdict, server_distance_m=5.0,
            severity=severity, visibility=visibility, photos=[], findings_mask=mask,
            n_findings=n_findings, n_measures=n_measures)


def add_reports(storage: SqlStorage, world: World, n: int, seed: int, stops: bool) -> int:
    """``n`` reports over the year: with ``stops`` the stop checks (in time or late), the rest
    spread over places and teams. Day by day, oldest first, through the real ingest."""
    rng = random.Random(seed)
    by_day: dict[int, list[tuple]] = {}
    start = world.now - timedelta(days=world.days)
    members = dict(world.teams)
    for a in world.assignments if stops else []:  # the stop checks
        shift_end = wire.parse_timestamp(a.shift_end)
        for st in a.stops:
            w0, w1 = wire.parse_timestamp(st.window_start), wire.parse_timestamp(st.window_end)
            roll = rng.random()
            if roll < P_DONE:
                at = w0 + (w1 - w0) * rng.random()
            elif roll < P_DONE + P_LATE:
                at = w1 + timedelta(minutes=16) + (shift_end - w1) * rng.random()
            else:
                continue
            if at < world.now:
                by_day.setdefault((at - start).days, []).append((at, st.place_id, a.team_id))
    made = sum(len(v) for v in by_day.values())
    per_day = max(0, n - made) / world.days
    place_of = {p.id: p for p in world.places}
    for d in range(world.days):
        k = int(per_day * (d + 1)) - int(per_day * d)
        day = start + timedelta(days=d)
        for _ in range(k):
            at = day.replace(hour=rng.choices(HOURS, HOUR_WEIGHTS)[0], minute=rng.randrange(60),
                             second=rng.randrange(60))
            place = rng.choice(world.hot) if rng.random() < 0.45 else rng.choice(world.places)
            team = rng.choice(world.teams)[0] if rng.random() < 0.95 else None
            if at < world.now:
                by_day.setdefault(d, []).append((at, place.id, team))
    total = 0
    maker = Reports(world.places, rng)
    pending: dict[int, tuple] = {}
    all_members = [m for _, ms in world.teams for m in ms]
    t0 = time.perf_counter()
    for d in sorted(by_day):
        for at, place_id, team in sorted(by_day[d], key=lambda x: x[0]):
            author = rng.choice(members[team]) if team else rng.choice(all_members)
            verdict = "on_site" if rng.random() < 0.93 else "off_site"
            batch = pending.setdefault(author.id, (author, []))[1]
            batch.append(maker.make(place_of[place_id], at, team, verdict))
            if len(batch) >= 2000:
                storage.ingest_reports(batch, author=author, received_at=wire.format_timestamp(world.now))
                total += len(batch)
                batch.clear()
        if d > 0 and d % 120 == 119:
            print(f"    day {d + 1}: {total:,} reports stored ({time.perf_counter() - t0:.0f} s)", flush=True)
    for author, batch in pending.values():
        if batch:
            storage.ingest_reports(batch, author=author, received_at=wire.format_timestamp(world.now))
            total += len(batch)
    return total


# ---------------------------------------------------------------- measuring


def timed(fn, runs: int) -> tuple[float, float]:
    t = time.perf_counter()
    fn()
    first = (time.perf_counter() - t) * 1000
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return first, statistics.median(times)


OLD_CHILD = r"""
import json, sys, time
from datetime import datetime, timedelta
sys.path.insert(0, sys.argv[1])
try:
    from sync_server.storage import sqlite_schema as schema  # split storage
except ImportError:
    from sync_server.storage import sqlite as schema  # one module, as it was
schema.migrations.apply = lambda db: None  # the old tree must not migrate the shared store
from sync_server.storage import SqliteStorage
import patrol_wire as wire
from sync_server import situation
from sync_server.places import PlaceBook
from sync_server.storage import PictureFilter
storage = SqliteStorage(sys.argv[2])
now, days = datetime.fromisoformat(sys.argv[3]), int(sys.argv[4])
book = PlaceBook(storage)
t = time.perf_counter()
pic = situation.compute(storage, PictureFilter("police"), since=now - timedelta(days=days),
                        until=now, places=book, now=now)
wire.encode(pic)
print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "missed": len(pic.missed)}))
"""


def old_run(tree: Path, db: Path, now: datetime, days: int, budget: float) -> dict | None:
    try:
        out = subprocess.run([sys.executable, "-c", OLD_CHILD, str(tree), str(db), now.isoformat(),
                              str(days)], cwd=tree, capture_output=True, text=True, timeout=budget,
                             check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def export_tree(ref: str, into: Path) -> Path:
    """The old code: ``git archive`` of ``ref`` (no worktree metadata in the repository)."""
    into.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def export_memory(data: Path, now: datetime, newest: int, port: int, url: str | None = None) -> None:
    reader = open_storage(Settings.from_env(str(data), url))
    since = reader.db.query_one("SELECT observed_at FROM reports ORDER BY observed_at DESC"
                                 " LIMIT 1 OFFSET ?", [newest - 1])[0]
    reader.close()
    port = port or free_port()
    proc = start_server(data, port, data / "bench-server.log", db=url)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        token = httpx.post(f"{base}/auth/login",
                           json={"username": "lagebild", "password": "streife2026"}).json()["token"]
        before = vm_hwm_mb(proc.proc.pid)
        t = time.perf_counter()
        n_bytes = 0
        with httpx.stream("GET", f"{base}/export/reports.geojson", timeout=600,
                          params={"since": since, "until": wire.format_timestamp(now + timedelta(minutes=1))},
                          headers={"Authorization": f"Bearer {token}"}) as resp:
            for chunk in resp.iter_bytes():
                n_bytes += len(chunk)
        print(f"GeoJSON export of {newest:,} reports: {n_bytes / 1e6:.0f} MB in"
              f" {time.perf_counter() - t:.1f} s; server peak RSS {before:.0f} MB before,"
              f" {vm_hwm_mb(proc.proc.pid):.0f} MB after (target < 200 MB)")
    finally:
        proc.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", default="100000,1000000", help="report counts to measure at")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--old", default="main", help="git ref of the old code ('' to skip it)")
    ap.add_argument("--old-budget", type=float, default=150, help="seconds per old run")
    ap.add_argument("--export", type=int, default=100_000, help="reports in the exported window")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--port", type=int, default=0, help="for the export's server (0: any free)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (and say where)")
    ap.add_argument("--db", default="sqlite",
                    help="sqlite, postgres (a throwaway cluster, fsync on), both, or a postgresql:// URL")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny data (a fortnight, 3k/6k reports, no old tree, both"
                         " backends; CI runs this)")
    args = ap.parse_args()
    args.days = DAYS
    if args.smoke:
        args.days, args.steps, args.runs, args.old, args.export = 14, "3000,6000", 1, "", 500
        args.db = "both" if args.db == "sqlite" else args.db
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    cluster = None
    try:
        for backend in backends:
            url = None
            if backend == "postgres":
                from tests.support.postgres import fresh_database, start_cluster

                cluster = cluster or start_cluster(durable=True)
                url = fresh_database(cluster)
            elif backend != "sqlite":
                url = backend
            print(f"=== {'postgres' if url else 'sqlite'} ===", flush=True)
            measure(args, url)
    finally:
        if cluster is not None:
            cluster.stop()


def db_size_mb(storage, settings) -> float:
    if settings.database_url:
        return storage.db.query_one("SELECT pg_database_size(current_database())")[0] / 1e6
    return settings.db_path.stat().st_size / 1e6


def measure(args, url: str | None) -> None:
    steps = [int(s) for s in args.steps.split(",")]
    if url:
        args.old = ""  # the old tree is compared on SQLite
    tmp = Path(tempfile.mkdtemp(prefix="bench-situation-"))
    try:
        data = tmp / "server"
        settings = Settings.from_env(str(data), url)
        storage = open_storage(settings)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        t = time.perf_counter()
        world = World(storage, settings, now, args.days)
        n_stops = sum(len(a.stops) for a in world.assignments)
        print(f"planning: {len(world.assignments):,} assignments ({n_stops:,} stops) over {args.days} days,"
              f" {N_TEAMS} teams, 2 shifts a day ({time.perf_counter() - t:.0f} s)")
        old_tree = export_tree(args.old, tmp / "old") if args.old else None
        book = PlaceBook(storage)
        results: dict[tuple[int, int], tuple] = {}
        have = storage.report_count()
        for seed, step in enumerate(steps):  # the stop checks come with the first step
            t = time.perf_counter()
            added = add_reports(storage, world, step - have, seed, stops=seed == 0)
            have += added
            size = db_size_mb(storage, settings)
            print(f"store: {storage.report_count():,} reports, {size:,.0f} MB"
                  f" (+{added:,} in {time.perf_counter() - t:.0f} s, {added / (time.perf_counter() - t):,.0f}/s)")
            for days in WINDOWS:
                since = now - timedelta(days=days)

                def whole(days=days, since=since):
                    return wire.encode(situation.compute(storage, PictureFilter("police"), since=since,
                                                         until=now, places=book, now=now))

                def missed(since=since):
                    return situation.missed_stops(storage, PictureFilter("police"), book.all(),
                                                  since=wire.format_timestamp(since),
                                                  until=wire.format_timestamp(now),
                                                  grace=settings.missed_grace, now=now)

                first, median = timed(whole, args.runs)
                _, missed_ms = timed(missed, args.runs)
                listed = missed()
                n_missed = sum(m.status is wire.StopStatus.MISSED for m in listed)
                old = old_run(old_tree, settings.db_path, now, days, args.old_budget) if old_tree else None
                results[(step, days)] = (median, old)
                old_text = ("not run" if not old_tree else f"> {args.old_budget:.0f} s (stopped)"
                            if old is None else f"{old['ms']:8.0f} ms")
                same = "" if not old else (
                    "  (old lists missed+late: same)" if old["missed"] == len(listed)
                    else f"  (old lists {old['missed']}, new {len(listed)}!)")
                print(f"  {days:2d} days: new first {first:6.1f} ms, median {median:6.1f} ms"
                      f" (stops part {missed_ms:5.1f} ms; {n_missed} missed, {len(listed) - n_missed} late)"
                      f" | old {old_text}{same}", flush=True)
        print(f"\nGET /situation computation, median ms (old: one run), {args.days} days of planning:")
        print("  reports    " + "".join(f"{d:>9d} d new {d:>5d} d old" for d in WINDOWS))
        for step in steps:
            cells = []
            for days in WINDOWS:
                median, old = results[(step, days)]
                old_cell = "—" if not old_tree else (f">{args.old_budget:.0f} s" if old is None
                                                      else f"{old['ms']:.0f}")
                cells.append(f"{median:>15.1f} {old_cell:>11}")
            print(f"  {step:>9,}" + "".join(cells))
        print("  targets at 1M: 30 days < 100 ms, 90 days < 300 ms")
        storage.close()
        if not args.no_export:
            export_memory(data, now, args.export, args.port, url)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
