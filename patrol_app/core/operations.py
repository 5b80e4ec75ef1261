"""Joint operations on the device: the briefing an officer of a participating team sees on
Today, and the planning form's polygon as text (one corner per line, "51.6795, 7.8165").
No flet here."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Iterable

import patrol_wire as wire

BRIEFING_AHEAD = timedelta(hours=12)  # an operation shows on Today from this long before it
EVENING_START = 18  # a new operation's default: the evening, when most joint operations run
DEFAULT_HOURS = 5


def default_window(now: datetime) -> tuple[datetime, datetime]:
    """A new operation's proposed start and end: this evening at 18:00 for five hours, or
    tomorrow's evening once today's has begun (a plan made at 21:00 must not start in the past).
    ``now`` is the device's local time."""
    start = now.replace(hour=EVENING_START, minute=0, second=0, microsecond=0)
    if start <= now:
        start = (now + timedelta(days=1)).replace(hour=EVENING_START, minute=0, second=0,
                                                  microsecond=0)
    return start, start + timedelta(hours=DEFAULT_HOURS)


def current_operation(operations: Iterable[wire.Operation], team_ids: Iterable[str],
                      now: datetime) -> wire.Operation | None:
    """The operation of one of my teams running now, else the next one starting within
    ``BRIEFING_AHEAD``; None when there is neither."""
    mine = set(team_ids)
    at, ahead = wire.format_timestamp(now), wire.format_timestamp(now + BRIEFING_AHEAD)
    found = [op for op in operations if mine & set(op.team_ids) and op.ends_at >= at
             and op.starts_at <= ahead]
    return min(found, key=lambda op: (op.starts_at, op.id), default=None)


_NUMBER = r"[-+]?\d{1,3}(?:[.,]\d+)?"
_CORNER = re.compile(rf"^\s*({_NUMBER})\s*[;,\s]\s*({_NUMBER})\s*$")


def parse_corners(text: str) -> list[list[float]] | None:
    """The polygon typed as one corner per line ("lat, lon"; a decimal comma works when the two
    are separated by a semicolon or a space); None for an empty text; ValueError naming the line
    that cannot be read or what is wrong with the shape."""
    corners: list[list[float]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _CORNER.fullmatch(line)
        if m is None:
            raise ValueError(f"line {n}")
        corners.append([float(m.group(1).replace(",", ".")), float(m.group(2).replace(",", "."))])
    if not corners:
        return None
    if len(corners) < 3:
        raise ValueError("three")
    if wire.polygon_problem(corners):
        raise ValueError("shape")
    return corners


def format_corners(polygon: list[list[float]] | None) -> str:
    return "\n".join(f"{lat:.5f}, {lon:.5f}" for lat, lon in polygon or [])
