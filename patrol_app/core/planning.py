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
from patrol_wire import Agency, Place

DEFAULT_STOP_MINUTES = 45
MAX_SHIFT_MINUTES = 24 * 60


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

    @classmethod
    def from_template(cls, template: wire.RouteTemplate, places: dict[str, Place]) -> "RouteDraft":
        stops = [DraftStop(places[s.place_id], s.start_min, s.end_min)
                 for s in template.stops if s.place_id in places]
        return cls(template.name, stops, template.id)

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
    agencies = {u.agency for u in directory if u.username in usernames}
    return Agency.POLICE in agencies and Agency.KOD in agencies


def shift_bounds(day: date, start: str, hours: float, tz=None) -> tuple[datetime, datetime]:
    """A shift from a day, a start time "HH:MM" (local) and a length in hours; ValueError when
    the time cannot be read."""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", start.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59 or not 0 < hours <= 24:
        raise ValueError(start)
    begin = datetime.combine(day, time(int(m.group(1)), int(m.group(2))))
    begin = begin.replace(tzinfo=tz) if tz else begin.astimezone()
    return begin.astimezone(timezone.utc), (begin + timedelta(hours=hours)).astimezone(timezone.utc)


def fold(text: str) -> str:
    """Case- and accent-insensitive form for searching ("Südstraße" ~ "sudstrasse")."""
    text = text.casefold().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return (s or "route")[:64]
