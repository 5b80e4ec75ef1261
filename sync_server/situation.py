"""The situation picture: figures for a time window, corrected for patrol effort.

Raw finding counts mostly show where patrols went. The hotspot score is therefore a rate --
findings per check -- and, so that one check with two findings does not top the list, it is
smoothed toward the city-wide rate with an additive (empirical-Bayes style) prior:

    score(place) = (findings(place) + m * r) / (checks(place) + m)

    r = findings / checks over all places in the window (with the same filters)
    m = PRIOR_CHECKS: how many checks' worth of weight the city-wide rate gets

A place checked once with two findings scores (2 + 5r) / 6, near r; a place with 40 checks and
80 findings scores (80 + 5r) / 45, near its own rate of 2. The trend compares the score with the
same formula on the previous window of the same length (with that window's own r): "up" or
"down" when it moved by more than TREND_MIN_CHANGE in relative terms (and by at least
TREND_MIN_DELTA absolute), "new" when the place had no check before, else "flat".

Everything respects the agency rule: a report marked agency-only counts only for viewers of
its agency. Weekday x hour and days are in the city's local time zone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

import patrol_wire as wire
from patrol_rules import stops as route_rules
from patrol_wire import FINDING_BITS, PlaceType, Trend

from .places import PlaceBook, active_during
from .storage import PictureFilter, Storage

PRIOR_CHECKS = 5.0
TREND_MIN_CHANGE = 0.10
TREND_MIN_DELTA = 0.05
TOP_HOTSPOTS = 20
_BIT_NAMES = {bit: name for name, bit in FINDING_BITS.items()}


def smoothed(findings: int, checks: int, city_rate: float, prior: float = PRIOR_CHECKS) -> float:
    return (findings + prior * city_rate) / (checks + prior)


def trend(score: float, prev_score: float, prev_checks: int) -> Trend:
    if prev_checks == 0:
        return Trend.NEW
    delta = score - prev_score
    if abs(delta) < TREND_MIN_DELTA or abs(delta) < TREND_MIN_CHANGE * max(prev_score, 1e-9):
        return Trend.FLAT
    return Trend.UP if delta > 0 else Trend.DOWN


def split(since: datetime, until: datetime) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
    """A window as raw edge ranges (read from reports) and the whole UTC days between them
    (read from day_stats): exact figures at the cost of days x places rows plus two partial
    days of reports."""
    first = since.astimezone(timezone.utc)
    first_full = first.replace(hour=0, minute=0, second=0, microsecond=0)
    if first_full < first:
        first_full += timedelta(days=1)
    end_full = until.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    ts = wire.format_timestamp
    if first_full >= end_full:
        return [(ts(since), ts(until))], None
    raw = []
    if since < first_full:
        raw.append((ts(since), ts(first_full)))
    if end_full < until:
        raw.append((ts(end_full), ts(until)))
    return raw, (first_full.date().isoformat(), end_full.date().isoformat())


def by_place(storage: Storage, f: PictureFilter, since: datetime, until: datetime
             ) -> dict[str | None, tuple[int, int, int]]:
    """(checks, findings, measures) per place id (None: reports without a place)."""
    raw, days = split(since, until)
    out: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = list(storage.stats_by_place(f, first_day=days[0], end_day=days[1])) if days else []
    for a, b in raw:
        rows += storage.picture_by_place(f, since=a, until=b)
    for pid, checks, findings, measures in rows:
        acc = out[pid or None]
        acc[0] += checks
        acc[1] += findings or 0
        acc[2] += measures or 0
    return {k: tuple(v) for k, v in out.items()}


def place_scores(storage: Storage, f: PictureFilter, since: datetime, until: datetime,
                 places: PlaceBook | None = None
                 ) -> tuple[list[wire.PlaceScore], dict, float, dict[str, wire.Place]]:
    """Scores of every place checked in the window, best first; also the per-place figures
    of the current window, the city-wide rate and the places."""
    cur = by_place(storage, f, since, until)
    prev = by_place(storage, f, since - (until - since), since)
    book = places or PlaceBook(storage)
    book.refresh()
    places = book.all()

    def rate(table: dict) -> float:
        checks = sum(c for pid, (c, _, _) in table.items() if pid is not None)
        findings = sum(fi for pid, (_, fi, _) in table.items() if pid is not None)
        return findings / checks if checks else 0.0

    r_now, r_prev = rate(cur), rate(prev)
    scores = []
    for pid, (checks, findings, _) in cur.items():
        p = places.get(pid) if pid is not None else None
        if p is None:
            continue
        pc, pf, _ = prev.get(pid, (0, 0, 0))
        score = smoothed(findings, checks, r_now)
        prev_score = smoothed(pf, pc, r_prev) if pc else r_prev
        scores.append(wire.PlaceScore(
            p.id, p.name, p.type, p.district_id, p.category, p.lat, p.lon, checks, findings,
            round(score, 4), pc, pf, round(prev_score, 4), trend(score, prev_score, pc)))
    scores.sort(key=lambda x: (-x.score, -x.checks, x.place_id))
    return scores, cur, r_now, places


def compute(storage: Storage, f: PictureFilter, *, since: datetime, until: datetime,
            tz: str = "Europe/Berlin", grace: timedelta = timedelta(minutes=15),
            now: datetime | None = None, places: PlaceBook | None = None) -> wire.Situation:
    """The picture; ``places`` a long-lived PlaceBook (the server's), else places are read."""
    return compute_full(storage, f, since=since, until=until, tz=tz, grace=grace, now=now,
                        places=places).situation


@dataclass(frozen=True)
class FullPicture:
    """The picture and what it was made from that the steering group's report also needs: the
    scores of every place checked (the picture keeps the top ones) and every planned stop of
    the window judged (the picture lists the missed and late ones)."""

    situation: wire.Situation
    scores: list[wire.PlaceScore]
    stops: list["JudgedStop"]


def compute_full(storage: Storage, f: PictureFilter, *, since: datetime, until: datetime,
                 tz: str = "Europe/Berlin", grace: timedelta = timedelta(minutes=15),
                 now: datetime | None = None, places: PlaceBook | None = None) -> FullPicture:
    """The picture with all scores and all judged stops, from one pass."""
    zone = ZoneInfo(tz)
    s, u = wire.format_timestamp(since), wire.format_timestamp(until)
    scores, cur, r_now, places = place_scores(storage, f, since, until, places)

    # per district (and reports without a place)
    districts = {d["id"]: d["name"] for d in _districts(storage)}
    area: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for pid, (checks, findings, measures) in cur.items():
        p = places.get(pid) if pid is not None else None
        key = p.district_id if p else None
        a = area[key]
        a[0] += checks
        a[1] += findings
        a[2] += measures
    by_district = [wire.AreaFigures(k, districts.get(k, k) if k else "—", *v)
                   for k, v in sorted(area.items(), key=lambda kv: (kv[0] is None, districts.get(kv[0] or "", "")))]

    # coverage: active places of each type (within the place filters) checked at least once
    checked_ids = {pid for pid in cur if pid is not None}
    cov_total: dict[tuple[str, str | None], int] = defaultdict(int)
    cov_checked: dict[tuple[str, str | None], int] = defaultdict(int)
    for p in places.values():
        if not place_matches(p, f) or not active_during(p, s, u):
            continue
        for key in ((p.type.value, None), (p.type.value, p.district_id)):
            cov_total[key] += 1
            cov_checked[key] += p.id in checked_ids
    coverage = [wire.Coverage(PlaceType(t), d, cov_checked[(t, d)], n)
                for (t, d), n in sorted(cov_total.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))]

    # hours -> local weekday x hour grid, local days, categories
    grid = [[0] * 24 for _ in range(7)]
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_hour: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    categories: dict[str, int] = defaultdict(int)
    raw, whole = split(since, until)
    if whole:
        for day, checks_at, findings_at, per_category in storage.stats_by_day(
                f, first_day=whole[0], end_day=whole[1]):
            for h, checks in enumerate(checks_at):
                if checks:
                    acc = per_hour[f"{day}T{h:02d}"]
                    acc[0] += checks
                    acc[1] += findings_at[h]
            for bit, checks in enumerate(per_category):
                if checks:
                    categories[_BIT_NAMES.get(bit, "other")] += checks
    per_mask: dict[int, int] = defaultdict(int)
    for a, b in raw:
        for hour, mask, checks, findings in storage.picture_by_hour(f, since=a, until=b):
            h = per_hour[hour]
            h[0] += checks
            h[1] += findings or 0
            per_mask[mask] += checks
    for hour, (checks, findings) in per_hour.items():  # one time-zone conversion per hour
        local = datetime.fromisoformat(hour + ":00:00+00:00").astimezone(zone)
        grid[local.weekday()][local.hour] += findings
        d = days[local.date().isoformat()]
        d[0] += checks
        d[1] += findings
    for mask, checks in per_mask.items():  # each distinct combination of findings once
        bit = 0
        while mask:
            if mask & 1:
                categories[_BIT_NAMES.get(bit, "other")] += checks
            mask >>= 1
            bit += 1
    timeline = [wire.DayFigures(day, c, fi) for day, (c, fi) in sorted(days.items())]

    questions = []
    for body in storage.open_questions(f, since=s, until=u):
        q = json.loads(body)
        p = places.get(q.get("place_id")) if q.get("place_id") else None
        questions.append(wire.OpenQuestion(q["report_id"], p.name if p else None,
                                           q["question"], q["asked_at"]))

    totals = [sum(v[i] for v in cur.values()) for i in range(3)]
    stops = list(judged_stops(storage, f, places, since=s, until=u, grace=grace,
                              now=now or datetime.now(timezone.utc)))
    pic = wire.Situation(
        since=s, until=u, timezone=tz, prior_checks=PRIOR_CHECKS, city_rate=round(r_now, 4),
        checks=totals[0], findings=totals[1], measures=totals[2], places_checked=len(checked_ids),
        by_district=by_district, findings_by_category=dict(sorted(categories.items())),
        coverage=coverage, hotspots=scores[:TOP_HOTSPOTS], grid=grid, timeline=timeline,
        open_questions=questions,
        missed=not_in_time(storage, stops))
    return FullPicture(pic, scores, stops)


def missed_stops(storage: Storage, f: PictureFilter, places: dict[str, wire.Place], *, since: str,
                 until: str, grace: timedelta, now: datetime) -> list[wire.MissedStop]:
    """Route stops whose window ended inside the picture's window and that were not kept in
    time: missed (window + grace over without an on-site check) or late (checked after it),
    by the shared stop rule (see ``judged_stops``)."""
    return not_in_time(storage, judged_stops(storage, f, places, since=since, until=until,
                                             grace=grace, now=now))


def not_in_time(storage: Storage, stops: Iterable["JudgedStop"]) -> list[wire.MissedStop]:
    """The missed and late stops among judged ones, as the picture lists them."""
    out = []
    teams: dict[str, str] | None = None
    for stop in stops:
        if stop.status is not wire.StopStatus.MISSED and stop.status is not wire.StopStatus.LATE:
            continue
        if teams is None:
            teams = {tid: name for tid, name, _day in storage.list_teams()}
        out.append(wire.MissedStop(
            stop.assignment_id, stop.team_id, teams.get(stop.team_id, stop.team_id),
            stop.place.id, stop.place.name, stop.window_start, stop.window_end, stop.status,
            stop.checked_at))
    return out


@dataclass(frozen=True, slots=True)
class JudgedStop:
    """A planned stop with its state by the stop rule; ``checked_at`` only when the viewer may
    read the check."""

    assignment_id: str
    team_id: str
    place: wire.Place
    window_start: str
    window_end: str
    status: wire.StopStatus
    checked_at: str | None


def judged_stops(storage: Storage, f: PictureFilter, places: dict[str, wire.Place], *,
                 since: str, until: str, grace: timedelta, now: datetime) -> Iterator[JudgedStop]:
    """Every stop of active assignments whose window ended inside [since, until), within the
    place filters, with its state (done, late, missed, open). One query for all stops of the
    window (``stop_checks``): the cost follows the stops in the window, not the assignments or
    reports outside it. Stop states are the plan's, so the report filters (agency) do not
    change them; the agency rule hides the time of a check the viewer may not read
    (``patrol_rules.stops``)."""
    parse = datetime.fromisoformat  # canonical UTC text from storage
    for aid, team_id, _seq, place_id, window_start, window_end, shift_end, first, shown in \
            storage.stop_checks(since=since, until=until, grace_s=grace.total_seconds(),
                                viewer_agency=f.viewer_agency):
        p = places.get(place_id)
        if p is None or not place_matches(p, f):
            continue
        checks = [] if first is None else [route_rules.Check(place_id, parse(first), True, bool(shown))]
        status, check = route_rules.judge(place_id, parse(window_start), parse(window_end),
                                          parse(shift_end), checks, now=now, grace=grace)
        yield JudgedStop(aid, team_id, p, window_start, window_end, status,
                         first if check is not None and check.shown else None)


def place_matches(p: wire.Place, f: PictureFilter) -> bool:
    return ((f.district_id is None or p.district_id == f.district_id)
            and (f.place_type is None or p.type.value == f.place_type)
            and (f.category is None or p.category == f.category))


def _districts(storage: Storage) -> list[dict]:
    return [json.loads(b) for b in storage.district_bodies()]

