"""The proof-of-presence verdict (DESIGN.md, "Proof of presence"): one rule, applied by the
device for the officer and by the server on what it receives, so both reach it by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from patrol_wire import GpsFix, Place, Verdict, parse_timestamp

from .geo import distance_m, fence_distance_m

DEFAULT_ACCURACY_GATE_M = 50.0
DEFAULT_MAX_FIX_AGE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class PresenceRules:
    """The configurable gates of DESIGN.md: fix accuracy and fix age."""

    accuracy_gate_m: float = DEFAULT_ACCURACY_GATE_M
    max_fix_age: timedelta = DEFAULT_MAX_FIX_AGE


@dataclass(slots=True)  # not frozen: the server makes one per report it ingests (3x cheaper)
class PresenceResult:
    verdict: Verdict
    distance_m: float | None = None  # from the fix to the place's centre point
    fence_m: float | None = None  # from the fix to the geofence's edge (0 = inside)
    accuracy_m: float | None = None
    age_s: float | None = None


def presence(
    fix: GpsFix | None,
    place: Place | None,
    *,
    at: datetime,
    rules: PresenceRules = PresenceRules(),
) -> PresenceResult:
    """On site when the fix lies in the geofence widened by its accuracy, is accurate and fresh.

    ``at`` is when the check was recorded; a fix older than ``rules.max_fix_age`` at that moment
    is stale. Precedence: no fix, no place, inaccurate, stale, then inside/outside.
    """
    if fix is None:
        return PresenceResult(Verdict.NO_FIX)
    return presence_of(fix.lat, fix.lon, fix.accuracy_m, parse_timestamp(fix.fixed_at), place,
                       at=at, rules=rules)


def presence_of(lat: float, lon: float, accuracy_m: float, fixed_at: datetime, place: Place | None,
                *, at: datetime, rules: PresenceRules = PresenceRules()) -> PresenceResult:
    """:func:`presence` on plain values (the server's ingest path has no GpsFix objects)."""
    if place is None:
        return PresenceResult(Verdict.NO_PLACE, accuracy_m=accuracy_m)
    centre = distance_m(lat, lon, place.lat, place.lon)
    fence = fence_distance_m(lat, lon, place, centre_m=centre)
    age = (at - fixed_at).total_seconds()
    if accuracy_m > rules.accuracy_gate_m:
        verdict = Verdict.INACCURATE
    elif age > rules.max_fix_age.total_seconds():
        verdict = Verdict.STALE
    elif fence <= accuracy_m:
        verdict = Verdict.ON_SITE
    else:
        verdict = Verdict.OFF_SITE
    return PresenceResult(verdict, round(centre, 1), round(fence, 1), accuracy_m, round(age, 1))
