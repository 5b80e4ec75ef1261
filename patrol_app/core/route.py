"""Today's route on the device: the next open stop and the way to it. The stop rules themselves
are shared with the server (``patrol_rules.stops``)."""

from __future__ import annotations

from patrol_rules import geo
from patrol_rules.stops import StopState
from patrol_wire import GpsFix, Place, StopStatus


def next_stop(states: list[StopState]) -> StopState | None:
    return next((s for s in states if s.status is StopStatus.OPEN), None)


_COMPASS_DE = ["N", "NO", "O", "SO", "S", "SW", "W", "NW"]
_COMPASS_EN = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]


def direction(fix: GpsFix, place: Place, lang: str = "de") -> tuple[float, str]:
    """Distance (m) and compass direction from the fix to the place."""
    dist = geo.distance_m(fix.lat, fix.lon, place.lat, place.lon)
    bearing = geo.bearing_deg(fix.lat, fix.lon, place.lat, place.lon)
    names = _COMPASS_DE if lang == "de" else _COMPASS_EN
    return dist, names[int((bearing + 22.5) // 45) % 8]
