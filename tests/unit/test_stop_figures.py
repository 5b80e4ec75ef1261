"""The picture's missed and late stops, fast path (one query over the stops of the window) against
the straightforward computation (every assignment, every report of its team, the shared rule)."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

import patrol_wire as wire
from patrol_rules import stops as route_rules
from sync_server import planning, situation
from sync_server.storage import NewReport, PictureFilter, SqliteStorage
from tests.conftest import add_user, make_report

T0 = datetime(2026, 3, 27, 0, 0, tzinfo=timezone.utc)  # the weekend summer time begins
MS = timedelta(milliseconds=1)
PLACES = [wire.Place(f"p{i}", f"Platz {i}", wire.PlaceType.PLAYGROUND, 51.68, 7.82, 30.0,
                     district_id="mitte" if i % 2 else "nord") for i in range(6)]
TEAMS = ["t1", "t2", "t3"]


def ts(moment: datetime) -> str:
    return wire.format_timestamp(moment)


def random_planning(rng: random.Random, since: datetime, until: datetime, grace: timedelta
                    ) -> tuple[list[wire.Assignment], list[tuple[str, datetime]]]:
    """Assignments around the window (shifts crossing midnight, windows ending exactly at the
    window's edges or a millisecond off, windows past the shift's end) and the instants where
    checks are most likely to be judged wrong: (place_id, moment)."""
    out, hot = [], []
    for n in range(60):
        start = since - timedelta(days=2) + timedelta(minutes=15 * rng.randrange(7 * 24 * 4))
        if n % 4 == 0:  # a night shift across midnight
            start = start.replace(hour=rng.choice([20, 21, 22, 23]), minute=0)
        end = start + timedelta(hours=rng.choice([6, 8, 10]))
        stops = []
        for seq in range(1, rng.randint(1, 8) + 1):
            w0 = start + timedelta(minutes=rng.randrange(-30, 11 * 60, 5))
            w1 = w0 + timedelta(minutes=rng.choice([0, 30, 60, 90]))
            if rng.random() < 0.15:  # the window ends right at an edge of the picture's window
                edge = rng.choice([since, until])
                w1 = edge + rng.choice([-MS, timedelta(0), MS])
                w0 = w1 - timedelta(minutes=45)
            place = rng.choice(PLACES).id
            stops.append(wire.RouteStop(seq, place, ts(w0), ts(w1)))
            last = max(w1, end) + grace
            hot += [(place, m) for m in (w0 - MS, w0, w1 + grace, w1 + grace + MS, last, last + MS)]
        spell = ts if n % 5 else (lambda m: m.astimezone(timezone(timedelta(hours=1))).isoformat(
            timespec="milliseconds"))  # another spelling of the same instants
        out.append(wire.Assignment(
            f"as-{n:03d}", "r", "Runde", rng.choice(TEAMS), spell(start), spell(end),
            [wire.RouteStop(s.seq, s.place_id, spell(wire.parse_timestamp(s.window_start)),
                            spell(wire.parse_timestamp(s.window_end))) for s in stops],
            active=rng.random() > 0.1))
    return out, hot


def new_report(rng: random.Random, place_id: str, moment: datetime) -> tuple[NewReport, bool]:
    body = json.dumps(make_report(place_id=place_id, observed_at=ts(moment)))
    visibility = "agency" if rng.random() < 0.3 else "cooperation"
    return NewReport(
        id=json.loads(body)["id"], content_hash=hashlib.sha256(body.encode()).hexdigest(), body=body,
        place_id=place_id, team_id=rng.choice([*TEAMS, None]), observed_at=ts(moment), lat=51.68,
        lon=7.82, accuracy_m=8.0, device_verdict="on_site",
        server_verdict=rng.choice(["on_site", "on_site", "on_site", "off_site", "no_fix"]),
        server_distance_m=5.0, severity="low", visibility=visibility, photos=[]), rng.random() < 0.5


@pytest.fixture
def planned(storage):
    """Random planning and ~2,000 reports by a police and a KOD officer."""
    rng = random.Random(12)
    since, until = T0, T0 + timedelta(days=3)
    grace = timedelta(minutes=15)
    storage.upsert_places([(p.id, wire.canonical_json(p).decode(), p.type.value, p.district_id, True)
                           for p in PLACES])
    for t in TEAMS:
        storage.upsert_team(t, f"Team {t}", None, [])
    assignments, hot = random_planning(rng, since, until, grace)
    for a in assignments:
        storage.upsert_assignment(a.id, a.team_id, wire.canonical_json(a).decode(),
                                  shift_start=ts(wire.parse_timestamp(a.shift_start)),
                                  shift_end=ts(wire.parse_timestamp(a.shift_end)), active=a.active)
    authors = {True: add_user(storage, "pol"), False: add_user(storage, "kod", agency="kod")}
    edges = rng.sample(hot, len(hot) // 2)
    moments = [*edges, *rng.sample(edges, len(edges) // 5),  # two reports at the same instant
               *((rng.choice(PLACES).id, since - timedelta(days=2) + timedelta(seconds=rng.randrange(7 * 86400)))
                 for _ in range(1200))]
    rows: list[tuple[NewReport, str]] = []
    for police in (True, False):
        batch = []
        for place, moment in moments:
            report, by_police = new_report(rng, place, moment)
            if by_police is police:
                batch.append(report)
                rows.append((report, authors[police].agency))
        for i in range(0, len(batch), 400):
            storage.ingest_reports(batch[i:i + 400], author=authors[police], received_at=ts(T0))
    return storage, assignments, rows, since, until


def straightforward(assignments, rows, *, viewer: str, since, until, now, grace, f: PictureFilter):
    """The definition: each active assignment, all reports of its team, the shared rule."""
    places = {p.id: p for p in PLACES}
    out = []
    for a in assignments:
        if not a.active:
            continue
        checks = [route_rules.Check(r.place_id, wire.parse_timestamp(r.observed_at),
                                    r.server_verdict == "on_site",
                                    r.visibility == "cooperation" or agency == viewer)
                  for r, agency in rows if r.team_id == a.team_id]
        for st in route_rules.stop_states(a, places, checks, now=now, grace=grace):
            end = wire.parse_timestamp(st.stop.window_end)
            if (since <= end < until and st.status in (wire.StopStatus.MISSED, wire.StopStatus.LATE)
                    and situation.place_matches(st.place, f)):
                out.append((end, a.id, st.stop.seq, st.stop.place_id,
                            wire.parse_timestamp(st.stop.window_start), st.status, st.checked_at))
    return [x[:2] + x[3:] for x in sorted(out)]


def fast(storage, *, viewer, since, until, now, grace, f: PictureFilter):
    got = situation.missed_stops(storage, f, {p.id: p for p in PLACES}, since=ts(since),
                                 until=ts(until), grace=grace, now=now)
    return [(wire.parse_timestamp(m.window_end), m.assignment_id, m.place_id,
             wire.parse_timestamp(m.window_start), m.status,
             wire.parse_timestamp(m.checked_at) if m.checked_at else None) for m in got]


@pytest.mark.parametrize("grace", [timedelta(0), timedelta(minutes=15), timedelta(hours=3)])
def test_fast_missed_and_late_stops_equal_the_definition(planned, grace):
    storage, assignments, rows, since, until = planned
    now = since + timedelta(days=2)  # some stops of the window still lie ahead
    seen = set()
    for viewer in ("police", "kod"):
        for f in (PictureFilter(viewer), PictureFilter(viewer, district_id="mitte")):
            args = dict(viewer=viewer, since=since, until=until, now=now, grace=grace, f=f)
            expected = straightforward(assignments, rows, **args)
            assert fast(storage, **args) == expected
            seen |= {(m[4], m[5] is None) for m in expected}
    # the data exercise every case: missed, late with a time, late hidden from the viewer
    assert {(wire.StopStatus.MISSED, True), (wire.StopStatus.LATE, False),
            (wire.StopStatus.LATE, True)} <= seen


def test_progress_reads_only_the_shift_and_equals_the_definition(planned):
    storage, assignments, rows, since, _until = planned
    now, grace = since + timedelta(days=1, hours=5), timedelta(minutes=15)
    places = {p.id: p for p in PLACES}
    for a in assignments:
        for viewer in ("police", "kod"):
            checks = [route_rules.Check(r.place_id, wire.parse_timestamp(r.observed_at),
                                        r.server_verdict == "on_site",
                                        r.visibility == "cooperation" or agency == viewer)
                      for r, agency in rows if r.team_id == a.team_id]
            states, _ = planning.stop_states(storage, a, now=now, grace=grace, viewer_agency=viewer)
            assert states == route_rules.stop_states(a, places, checks, now=now, grace=grace)


def test_the_stop_rows_follow_every_change_of_an_assignment(planned):
    storage, assignments, *_ = planned
    a = next(x for x in assignments if x.active and len(x.stops) > 2)
    rows = lambda: storage.db.query("SELECT seq, place_id, active FROM assignment_stops WHERE"
                                    " assignment_id = ? ORDER BY seq", [a.id])
    assert rows() == [(s.seq, s.place_id, 1) for s in a.stops]
    fewer = wire.Assignment(a.id, a.route_id, a.route_name, a.team_id, a.shift_start, a.shift_end,
                            a.stops[:1])
    new = wire.Assignment("as-new", a.route_id, a.route_name, "t2", a.shift_start, a.shift_end,
                          a.stops[1:])
    retired = wire.Assignment(**{**{k: getattr(fewer, k) for k in fewer.__slots__}, "active": False})
    storage.reassign((a.id, a.team_id, wire.canonical_json(retired).decode()),
                     ("as-new", "t2", wire.canonical_json(new).decode()),
                     shift_start=a.shift_start, shift_end=a.shift_end, actor="lead")
    assert rows() == [(1, a.stops[0].place_id, 0)]
    assert storage.db.query_one("SELECT count(*) FROM assignment_stops WHERE assignment_id = 'as-new'"
                                " AND team_id = 't2' AND active = 1")[0] == len(a.stops) - 1


@pytest.mark.sqlite_only
def test_migration_fills_the_stop_rows_of_existing_assignments(planned, settings):
    storage, assignments, rows, since, until = planned
    args = dict(viewer="kod", since=since, until=until, now=until, grace=timedelta(minutes=15),
                f=PictureFilter("kod"))
    before = fast(storage, **args)
    storage.close()
    conn = sqlite3.connect(settings.db_path)  # as a database from before m009 looks
    conn.execute("DROP TABLE assignment_stops")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_stop_figures'")
    conn.commit()
    conn.close()
    reopened = SqliteStorage(settings.db_path)
    try:
        assert before and fast(reopened, **args) == before
    finally:
        reopened.close()
