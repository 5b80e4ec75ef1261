"""Calendar periods for the steering group's report: the running and the last complete quarter
and half-year, in the device's local time. A running period ends now, so that its comparison
with the previous period of the same length (made by the server) compares like with like."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ReportPeriod:
    key: str  # "quarter_now" | "quarter_last" | "half_now" | "half_last"
    kind: str  # "q" | "h"
    number: int  # 1-4 for a quarter, 1-2 for a half-year
    year: int
    start: datetime
    end: datetime
    running: bool


def _start(year: int, month: int, tz) -> datetime:
    """Local midnight on the first of a month. A time zone with rules (ZoneInfo) gives it
    directly; a fixed offset (what ``datetime.now().astimezone()`` carries) is only right for
    today, so the system's own rules give the offset of that day (summer or winter time)."""
    if isinstance(tz, ZoneInfo):
        return datetime(year, month, 1, tzinfo=tz)
    return datetime(year, month, 1).astimezone()


def report_periods(now: datetime) -> list[ReportPeriod]:
    """``now`` aware (local: a ZoneInfo, or the system's zone as ``astimezone()`` gives it);
    the periods' bounds are local midnights on the first of a month."""
    tz = now.tzinfo
    out = []
    for kind, months, key in (("q", 3, "quarter"), ("h", 6, "half")):
        index = (now.month - 1) // months
        start = _start(now.year, index * months + 1, tz)
        prev_index, prev_year = (index - 1, now.year) if index else (12 // months - 1, now.year - 1)
        prev_start = _start(prev_year, prev_index * months + 1, tz)
        out.append(ReportPeriod(f"{key}_now", kind, index + 1, now.year, start, now, True))
        out.append(ReportPeriod(f"{key}_last", kind, prev_index + 1, prev_year, prev_start, start,
                                False))
    return out
