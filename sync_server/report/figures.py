"""What the steering group's report says, computed before anything is drawn.

Every figure comes from the situation picture (``situation.compute_full``) for the
report's window and for the previous window of the same length -- the same numbers
``GET /situation`` answers for the same reader and window, so the paper and the screen never
disagree. Two figures the picture does not carry are added here: measures by agency
(``Storage.picture_by_agency``) and the state of every planned stop (``situation.judged_stops``:
in time, late, missed), so the share of checkpoints kept can be given, and the joint operations
held in the window (``operations.held``: name, date, agencies, the reader's checks). No officer or team names
are carried: the report is for a table of agency heads.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import patrol_wire as wire

from .. import complaints, situation
from ..operations import HeldOperation, held
from ..places import PlaceBook
from ..storage import PictureFilter, Storage
from . import words

QUARTER_MONTHS = (1, 4, 7, 10)


@dataclass(frozen=True)
class Period:
    """A window in UTC with how the report names it in the city's local time."""

    start: datetime
    end: datetime
    name: str  # "2. Halbjahr 2026", "4. Quartal 2026 (bis 02.12.2026)", or the dates
    dates: str  # "01.07.2026 – 31.12.2026" (last day inclusive)

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400


def _add_months(d: datetime, months: int) -> datetime:
    y, m = divmod(d.month - 1 + months, 12)
    return d.replace(year=d.year + y, month=m + 1)


def period(start: datetime, end: datetime, zone: ZoneInfo) -> Period:
    """Name a window: a calendar quarter, half-year or year when it starts on one (and ends at
    its end, or before it: a period still running), else by its dates."""
    ls, le = start.astimezone(zone), end.astimezone(zone)
    last = (le - timedelta(microseconds=1)) if le.time() == datetime.min.time() else le
    dates = f"{words.date(ls)} – {words.date(last)}"
    midnight = ls.replace(hour=0, minute=0, second=0, microsecond=0) == ls
    name = dates
    if midnight and ls.day == 1 and ls.month in QUARTER_MONTHS:
        for months, label in ((3, f"{(ls.month - 1) // 3 + 1}. Quartal"),
                              (6, f"{(ls.month - 1) // 6 + 1}. Halbjahr"), (12, "Jahr")):
            if months == 6 and ls.month not in (1, 7) or months == 12 and ls.month != 1:
                continue
            full = _add_months(ls.replace(tzinfo=None), months).replace(tzinfo=zone)
            if le <= full:
                name = f"{label} {ls.year}"
                if le < full:
                    name += f" (bis {words.date(last)})"
                break
    return Period(start, end, name, dates)


@dataclass
class StopTally:
    """Planned stops whose window ended in the period, by state, city-wide, per district and
    per place (missed and late only)."""

    total: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_district: dict[str | None, Counter] = field(default_factory=lambda: defaultdict(Counter))
    by_place: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def done(self) -> int:
        return self.by_status[wire.StopStatus.DONE]

    @property
    def late(self) -> int:
        return self.by_status[wire.StopStatus.LATE]

    @property
    def missed(self) -> int:
        return self.by_status[wire.StopStatus.MISSED]

    @property
    def judged(self) -> int:
        """Stops whose outcome is known (open ones are still within their grace)."""
        return self.done + self.late + self.missed


@dataclass(frozen=True)
class AgencyFigures:
    agency: str
    checks: int
    findings: int
    measures: int


@dataclass
class SteeringFigures:
    cooperation: str
    reader_agency: str
    made_at: datetime
    zone: ZoneInfo
    period: Period
    previous: Period
    now: wire.Situation
    before: wire.Situation
    scores: list[wire.PlaceScore]  # every place checked in the period, best first
    places: dict[str, wire.Place]
    districts: list[wire.District]
    agencies: list[AgencyFigures]  # in the period, most measures first
    agencies_before: dict[str, AgencyFigures]
    stops: StopTally
    stops_before: StopTally
    complaints: wire.ComplaintPicture  # citizen complaints against the reader's checks
    complaints_before: int  # complaints in the previous period
    agency_names: dict[str, str]  # code -> German name, from the agencies table
    operations: list[HeldOperation] = field(default_factory=list)  # joint operations held

    def agency_name(self, code: str) -> str:
        return self.agency_names.get(code, code)

    def district_name(self, district_id: str | None) -> str:
        return next((d.name for d in self.districts if d.id == district_id), district_id or "—")


def agency_figures(storage: Storage, f: PictureFilter, start: datetime, end: datetime
                   ) -> list[AgencyFigures]:
    raw, days = situation.split(start, end)
    rows = storage.picture_by_agency(f, days=days, raw=raw)
    out = [AgencyFigures(a, c, fi or 0, m or 0) for a, c, fi, m in rows]
    return sorted(out, key=lambda a: (-a.measures, -a.checks, a.agency))


def stop_tally(stops: list[situation.JudgedStop]) -> StopTally:
    tally = StopTally()
    for stop in stops:
        tally.total += 1
        tally.by_status[stop.status] += 1
        tally.by_district[stop.place.district_id][stop.status] += 1
        if stop.status in (wire.StopStatus.MISSED, wire.StopStatus.LATE):
            tally.by_place[stop.place.id][stop.status] += 1
    return tally


def gather(storage: Storage, f: PictureFilter, *, since: datetime, until: datetime,
           cooperation: str, tz: str = "Europe/Berlin",
           grace: timedelta = timedelta(minutes=15), now: datetime | None = None,
           places: PlaceBook | None = None) -> SteeringFigures:
    """The report's figures for one reader (``f.viewer_agency``: the agency rule) and window."""
    zone = ZoneInfo(tz)
    now = now or datetime.now(timezone.utc)
    book = places or PlaceBook(storage)
    earlier = since - (until - since)
    full = situation.compute_full(storage, f, since=since, until=until, tz=tz, grace=grace,
                                  now=now, places=book)
    before = situation.compute_full(storage, f, since=earlier, until=since, tz=tz, grace=grace,
                                    now=now, places=book)
    everything = book.all()
    return SteeringFigures(
        cooperation=cooperation, reader_agency=f.viewer_agency, made_at=now, zone=zone,
        period=period(since, until, zone), previous=period(earlier, since, zone),
        now=full.situation, before=before.situation, scores=full.scores, places=everything,
        districts=sorted((wire.decode(wire.District, json.loads(b))
                          for b in storage.district_bodies()), key=lambda d: d.name),
        agencies=agency_figures(storage, f, since, until),
        agencies_before={a.agency: a for a in agency_figures(storage, f, earlier, since)},
        stops=stop_tally(full.stops), stops_before=stop_tally(before.stops),
        complaints=complaints.compute(storage, f, since=since, until=until, places=book,
                                      with_points=False),
        complaints_before=complaints.compute(storage, f, since=earlier, until=since, places=book,
                                             with_points=False).complaints,
        agency_names={a.code: a.name_de for a in storage.list_agencies()},
        operations=held(storage, since=since, until=until, now=now, viewer_agency=f.viewer_agency))
