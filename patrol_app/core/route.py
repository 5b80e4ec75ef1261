"""Today's route: which stops are done, open or missed, and where the next one is.

A stop is done when a check at its place was recorded on site within its time window (plus the
grace period); missed when its window ended more than the grace period ago without one; open
otherwise. Computed on the device from its own reports, so it works offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import patrol_wire as wire
from patrol_wire import Assignment, GpsFix, Place, RouteStop, StopStatus

from . import geo

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


def next_stop(states: list[StopState]) -> StopState | None:
    return next((s for s in states if s.status is StopStatus.OPEN), None)


def current_assignment(assignments: list[Assignment], team_ids: list[str], now: datetime
                       ) -> Assignment | None:
    """The active assignment of one of my teams whose shift contains ``now``, else the next one
    starting today."""
    mine = [a for a in assignments if a.active and a.team_id in team_ids]
    running = [a for a in mine if wire.parse_timestamp(a.shift_start) <= now <= wire.parse_timestamp(a.shift_end)]
    if running:
        return min(running, key=lambda a: a.shift_start)
    upcoming = [a for a in mine if wire.parse_timestamp(a.shift_start) > now
                and wire.parse_timestamp(a.shift_start).date() == now.date()]
    return min(upcoming, key=lambda a: a.shift_start, default=None)


_COMPASS_DE = ["N", "NO", "O", "SO", "S", "SW", "W", "NW"]
_COMPASS_EN = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]


def direction(fix: GpsFix, place: Place, lang: str = "de") -> tuple[float, str]:
    """Distance (m) and compass direction from the fix to the place."""
    dist = geo.distance_m(fix.lat, fix.lon, place.lat, place.lon)
    bearing = geo.bearing_deg(fix.lat, fix.lon, place.lat, place.lon)
    names = _COMPASS_DE if lang == "de" else _COMPASS_EN
    return dist, names[int((bearing + 22.5) // 45) % 8]
