"""A route's stops: done, late, open or missed, and which assignment is "this shift".

A stop is **done** when a check at its place was recorded on site within its time window plus
the grace period; **late** when the first on-site check there came after window + grace but
before the shift was over (shift end + grace); **missed** when window + grace is over without
such a check; **open** otherwise. A check before the window opens does not count for the stop:
a route's order and times are the plan, and a place checked at 14:05 for a 16:00 window is not
watched at 16:00. The device computes it from its own reports (offline), the server from the
verdicts it computed itself (so a device cannot mark a stop done by claiming to be on site), the
situation picture from the same rule (``judge``) on the same rows.

Agency rule: a check that the viewer may not read (another agency's agency-only report) still
counts for the stop -- a stop shows "done" to both agencies of the patrol, because the plan is
joint and a stop wrongly shown missed would send a second patrol to a place already checked --
but its time is not shown (``checked_at`` is None): when and by whom that agency was there is its
own matter. ``Check.shown`` carries what the viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

import patrol_wire as wire
from patrol_wire import Assignment, Place, RouteStop, StopStatus

DEFAULT_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class StopState:
    stop: RouteStop
    place: Place | None
    status: StopStatus
    checked_at: datetime | None = None  # done/late: the deciding check, if the viewer may see it


@dataclass(frozen=True)
class Check:
    """What the route needs to know of a saved report."""

    place_id: str
    observed_at: datetime
    on_site: bool
    shown: bool = True  # False: counts for the stop, but the viewer may not see its time


def judge(place_id: str, start: datetime, end: datetime, shift_end: datetime,
          checks: Iterable[Check], *, now: datetime, grace: timedelta
          ) -> tuple[StopStatus, Check | None]:
    """One stop's status and the check that decided it: the first on-site check at the place
    from the window's start to the end of the shift (+ grace); of two at the same instant the
    one the viewer may see."""
    due = end + grace
    last = max(end, shift_end) + grace
    first: Check | None = None
    for c in checks:
        if (c.on_site and c.place_id == place_id and start <= c.observed_at <= last
                and (first is None or c.observed_at < first.observed_at
                     or (c.observed_at == first.observed_at and c.shown and not first.shown))):
            first = c
    if first is None:
        return (StopStatus.MISSED if now > due else StopStatus.OPEN), None
    return (StopStatus.DONE if first.observed_at <= due else StopStatus.LATE), first


def checks_span(assignment: Assignment, grace: timedelta = DEFAULT_GRACE
                ) -> tuple[datetime, datetime]:
    """From when to when a check can count for any stop of the assignment (the first window's
    start, the shift's end + grace or a later window's): all a store needs to read."""
    starts = [wire.parse_timestamp(s.window_start) for s in assignment.stops]
    ends = [wire.parse_timestamp(s.window_end) for s in assignment.stops]
    return (min([wire.parse_timestamp(assignment.shift_start), *starts]),
            max([wire.parse_timestamp(assignment.shift_end), *ends]) + grace)


def stop_states(assignment: Assignment, places: dict[str, Place], checks: list[Check], *,
                now: datetime, grace: timedelta = DEFAULT_GRACE) -> list[StopState]:
    shift_end = wire.parse_timestamp(assignment.shift_end)
    out = []
    for stop in sorted(assignment.stops, key=lambda s: s.seq):
        status, check = judge(stop.place_id, wire.parse_timestamp(stop.window_start),
                              wire.parse_timestamp(stop.window_end), shift_end, checks,
                              now=now, grace=grace)
        out.append(StopState(stop, places.get(stop.place_id), status,
                             check.observed_at if check is not None and check.shown else None))
    return out


NEAR = timedelta(hours=16)  # a shift this close ahead or behind is still "this shift"


def current_assignment(assignments: list[Assignment], team_ids: list[str], now: datetime
                       ) -> Assignment | None:
    """My team's assignment for this shift: the running one; else the next starting within
    16 hours (a late shift seen in the morning, a night shift just before midnight); else the
    one that ended within 16 hours (its missed stops stay visible after the shift)."""
    mine = [a for a in assignments if a.active and a.team_id in team_ids]
    spans = [(wire.parse_timestamp(a.shift_start), wire.parse_timestamp(a.shift_end), a) for a in mine]
    running = [(s, a) for s, e, a in spans if s <= now <= e]
    if running:
        return min(running, key=lambda x: x[0])[1]
    upcoming = [(s, a) for s, e, a in spans if now < s <= now + NEAR]
    if upcoming:
        return min(upcoming, key=lambda x: x[0])[1]
    ended = [(e, a) for s, e, a in spans if now - NEAR <= e < now]
    return max(ended, key=lambda x: x[0])[1] if ended else None
