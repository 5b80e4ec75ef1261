"""A route's stops: done, open or missed, and which assignment is "this shift".

A stop is done when a check at its place was recorded on site within its time window (plus the
grace period); missed when its window ended more than the grace period ago without one; open
otherwise. The device computes it from its own reports (offline), the server from the verdicts
it computed itself (so a device cannot mark a stop done by claiming to be on site).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import patrol_wire as wire
from patrol_wire import Assignment, Place, RouteStop, StopStatus

DEFAULT_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class StopState:
    stop: RouteStop
    place: Place | None
    status: StopStatus
    checked_at: datetime | None = None  # the first on-site check in the window


@dataclass(frozen=True)
class Check:
    """What the route needs to know of a saved report."""

    place_id: str
    observed_at: datetime
    on_site: bool


def stop_states(assignment: Assignment, places: dict[str, Place], checks: list[Check], *,
                now: datetime, grace: timedelta = DEFAULT_GRACE) -> list[StopState]:
    out = []
    for stop in sorted(assignment.stops, key=lambda s: s.seq):
        start = wire.parse_timestamp(stop.window_start)
        end = wire.parse_timestamp(stop.window_end) + grace
        done = min((c.observed_at for c in checks if c.on_site and c.place_id == stop.place_id
                    and start <= c.observed_at <= end), default=None)
        if done is not None:
            status = StopStatus.DONE
        elif now > end:
            status = StopStatus.MISSED
        else:
            status = StopStatus.OPEN
        out.append(StopState(stop, places.get(stop.place_id), status, done))
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
