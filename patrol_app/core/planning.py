"""The shift lead's drafts: a route template being put together, a team being staffed.

UI-free so the editing rules (default windows, reordering, validation) are tested in plain
Python; the screens only draw a draft and call these methods.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import patrol_wire as wire
from patrol_wire import Place

DEFAULT_STOP_MINUTES = 45
MAX_SHIFT_MINUTES = 24 * 60
DAY_MINUTES = 24 * 60
# The shift start a route's clock times refer to until the lead says otherwise: the late shift,
# when most joint patrols run. A template keeps minutes after shift start (it serves any day);
# the clock times the lead enters and reads are those minutes added to this start.
DEFAULT_SHIFT_START = time(14, 0)


@dataclass
class DraftStop:
    place: Place
    start_min: int
    end_min: int


@dataclass
class RouteDraft:
    name: str = ""
    stops: list[DraftStop] = field(default_factory=list)
    route_id: str | None = None  # None: a new template, the id comes from the name
    shift_start: time = DEFAULT_SHIFT_START  # what the windows' clock times are relative to

    @classmethod
    def from_template(cls, template: wire.RouteTemplate, places: dict[str, Place],
                      shift_start: time = DEFAULT_SHIFT_START) -> "RouteDraft":
        stops = [DraftStop(places[s.place_id], s.start_min, s.end_min)
                 for s in template.stops if s.place_id in places]
        return cls(template.name, stops, template.id, shift_start)

    def add(self, place: Place, minutes: int = DEFAULT_STOP_MINUTES) -> None:
        """Append a stop whose window starts where the previous one ends."""
        start = self.stops[-1].end_min if self.stops else 0
        start = min(start, MAX_SHIFT_MINUTES - 1)
        self.stops.append(DraftStop(place, start, min(start + minutes, MAX_SHIFT_MINUTES)))

    def remove(self, index: int) -> None:
        del self.stops[index]

    def move(self, index: int, delta: int) -> None:
        """Move a stop up (-1) or down (+1); its window stays as set."""
        j = index + delta
        if 0 <= index < len(self.stops) and 0 <= j < len(self.stops):
            self.stops[index], self.stops[j] = self.stops[j], self.stops[index]

    def set_window(self, index: int, start_min: int, end_min: int) -> str | None:
        """A catalogue key when the window is not possible, else None (and the window is set)."""
        if not (0 <= start_min < end_min <= MAX_SHIFT_MINUTES):
            return "window_invalid"
        self.stops[index].start_min, self.stops[index].end_min = start_min, end_min
        return None

    def set_clock_window(self, index: int, start: time, end: time) -> str | None:
        """The window as clock times ("23:30" to "00:15" crosses midnight); a catalogue key
        when it is not possible, else None (and the window is set)."""
        try:
            start_min, end_min = window_offsets(self.shift_start, start, end)
        except ValueError:
            return "window_too_long"
        return self.set_window(index, start_min, end_min)

    def clock_window(self, index: int) -> tuple[time, time]:
        stop = self.stops[index]
        return clock_at(self.shift_start, stop.start_min), clock_at(self.shift_start, stop.end_min)

    def problems(self) -> list[str]:
        out = []
        if not self.name.strip():
            out.append("route_needs_name")
        if not self.stops:
            out.append("route_needs_stops")
        if any(not (0 <= s.start_min < s.end_min <= MAX_SHIFT_MINUTES) for s in self.stops):
            out.append("window_invalid")
        return out

    def template(self) -> wire.RouteTemplate:
        return wire.RouteTemplate(
            self.route_id or slug("route-" + self.name),
            self.name.strip(),
            [wire.TemplateStop(s.place.id, s.start_min, s.end_min) for s in self.stops])


def candidates(places: list[Place], query: str = "", district: str | None = None,
               place_type: str | None = None, limit: int = 40) -> list[Place]:
    """Places matching the search words, district and type, by name; at most ``limit``."""
    words = [fold(w) for w in query.split()]
    out = []
    for p in places:
        if district and p.district_id != district:
            continue
        if place_type and p.type.value != place_type:
            continue
        hay = fold(f"{p.name} {p.address or ''} {p.id}")
        if all(w in hay for w in words):
            out.append(p)
    return sorted(out, key=lambda p: p.name)[:limit]


def is_mixed(usernames: list[str], directory: list[wire.UserRecord]) -> bool:
    return wire.is_mixed(u.agency for u in directory if u.username in usernames)


def shift_bounds(day: date, start: time, end: time, tz=None) -> tuple[datetime, datetime]:
    """A shift from its day and its start and end clock times (local; ``tz`` or the device's
    zone), in UTC. An end at or before the start is on the next day (a night shift)."""
    end_day = day + timedelta(days=1) if end <= start else day
    begin, finish = datetime.combine(day, start), datetime.combine(end_day, end)
    if tz:
        begin, finish = begin.replace(tzinfo=tz), finish.replace(tzinfo=tz)
    else:
        begin, finish = begin.astimezone(), finish.astimezone()
    return begin.astimezone(timezone.utc), finish.astimezone(timezone.utc)


def clock_at(shift_start: time, minutes: int) -> time:
    """The clock time ``minutes`` after a shift starting at ``shift_start`` (past midnight it
    wraps: 22:00 + 150 min = 00:30)."""
    total = (shift_start.hour * 60 + shift_start.minute + minutes) % DAY_MINUTES
    return time(total // 60, total % 60)


def window_offsets(shift_start: time, start: time, end: time) -> tuple[int, int]:
    """A stop's window given as clock times, as minutes after the shift start. The start is
    the next time that clock shows after the shift began; an end at or before the start is on
    the following day. ValueError when the window would end more than a day after the shift
    start (templates hold at most 24 h)."""
    def minute(t: time) -> int:
        return t.hour * 60 + t.minute

    start_min = (minute(start) - minute(shift_start)) % DAY_MINUTES
    length = (minute(end) - minute(start)) % DAY_MINUTES or DAY_MINUTES
    if start_min + length > MAX_SHIFT_MINUTES:
        raise ValueError(f"{start}-{end} ends more than 24 h after {shift_start}")
    return start_min, start_min + length


_DE_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})?")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h]?(\d{2}))?(?:\s*(?:h|uhr))?", re.IGNORECASE)


def parse_day(text: str, *, today: date | None = None) -> date:
    """A day as people type it: "01.12.2026", "1.12.26", "1.12." (this year) or "2026-12-01".
    ValueError when it is none of these or no such day exists (31.02.)."""
    text = text.strip()
    if m := _DE_DAY.fullmatch(text):
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        y = (today or date.today()).year if year is None else int(year)
        return date(y + 2000 if y < 100 else y, month, day)
    if m := _ISO_DAY.fullmatch(text):
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(f"not a day: {text!r}")


def parse_clock(text: str) -> time:
    """A clock time as people type it: "14:30", "14.30", "1430", "14", "14 Uhr". ValueError
    otherwise (also for 24:00 and 14:75)."""
    m = _CLOCK.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not a time: {text!r}")
    return time(int(m.group(1)), int(m.group(2) or 0))


def fold(text: str) -> str:
    """Case- and accent-insensitive form for searching ("Südstraße" ~ "sudstrasse")."""
    text = text.casefold().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return (s or "route")[:64]
