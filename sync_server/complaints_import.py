"""Import citizen complaints from the city's complaint system (CSV or GeoJSON), with a per-row
report: accepted, duplicate (with its source id) or rejected (with the reason), by row number.

Only time, position and category are taken, plus the source's id as the key that makes a
re-import of the same file count nothing twice (without an id column the key is a hash of time,
position and category). Every other column -- free text, names, addresses, contact data -- is
dropped on reading and named in the report as ignored; nothing of it reaches the database.

CSV: comma, semicolon or tab separated (found from the header line), UTF-8 or Windows-1252 (as
German spreadsheet programs write it), decimal comma in coordinates, times as ISO 8601 or German
``TT.MM.JJJJ HH:MM[:SS]`` (also split into a date and a time column); a time without an offset is
the city's local time. GeoJSON: a FeatureCollection of Point features with the same property
names. The category must be one of ``ComplaintCategory`` (its code, its German or English word, or
an alias); an unknown one rejects the row, never the file.

Each complaint gets the nearest place (by distance to its geofence, at most ``PLACE_RADIUS_M``,
active at the complaint's time; not a dialogue event or innkeeper contact) and a district: the
file's when it names a known one, else the place's, else the district whose centre is nearest
relative to its size. A point far from every district is refused as outside the city (swapped
coordinates are the usual cause).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import patrol_wire as wire
from patrol_rules.geo import fence_distance_m
from patrol_wire import COMPLAINT_ALIASES, ComplaintCategory, Place
from patrol_wire.labels import CODE_LABELS

from .storage import Storage

MAX_ROWS = 100_000
PLACE_RADIUS_M = 150.0  # complaint positions are geocoded addresses: tens of metres off
OUTSIDE_FACTOR = 2.5  # farther than this many "district radii" from every centre: not the city
MAX_ID = 128
MAX_LISTED = 1000  # rows listed per kind in the report (the counts are always complete)
# meeting formats, not places of trouble: a complaint next to the town hall is not about the
# dialogue event held there
NOT_COMPLAINT_PLACES = {wire.PlaceType.DIALOGUE_EVENT, wire.PlaceType.INNKEEPER_CONTACT}

# column name (normalised: lower case, umlauts spelled out, separators as "_") -> field
COLUMNS: dict[str, str] = {}
for _field, _names in {
    "id": ["id", "nr", "nummer", "vorgangsnummer", "vorgang", "vorgangs_nr", "vorgang_nr",
           "ticket", "ticket_id", "kennung", "meldungs_id", "meldung_id", "source_id"],
    "time": ["time", "zeitpunkt", "datetime", "date_time", "timestamp", "created_at",
             "eingang", "eingegangen", "eingangszeit", "gemeldet_am", "reported_at",
             "datum_uhrzeit"],
    "date": ["date", "datum", "tag"],
    "clock": ["uhrzeit", "zeit", "clock", "hour_minute"],
    "lat": ["lat", "latitude", "breite", "breitengrad", "y"],
    "lon": ["lon", "lng", "long", "longitude", "laenge", "laengengrad", "x"],
    "category": ["category", "kategorie", "art", "thema", "anliegen", "type", "typ",
                 "sachgebiet"],
    "district": ["district", "district_id", "stadtbezirk", "bezirk"],
}.items():
    for _name in _names:
        COLUMNS[_name] = _field

_CATEGORY_WORDS: dict[str, ComplaintCategory] = {**COMPLAINT_ALIASES}
for _c in ComplaintCategory:
    _CATEGORY_WORDS[_c.value] = _c
    for _lang in ("de", "en"):
        _CATEGORY_WORDS[CODE_LABELS[_lang]["cc_" + _c.value].lower()] = _c

_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
                     r"(?:\s*Uhr)?")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*Uhr)?")


def normalise(name: str) -> str:
    s = name.strip().lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        s = s.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


@dataclass
class ComplaintImport:
    accepted: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (row, source id)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (row, reason)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    placed: int = 0  # accepted complaints near a place
    n_duplicates: int = 0
    n_rejected: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "placed": self.placed,
                "duplicates": self.n_duplicates, "rejected": self.n_rejected,
                "duplicate_rows": [{"row": r, "id": i} for r, i in self.duplicates],
                "rejected_rows": [{"row": r, "reason": why} for r, why in self.rejected],
                "ignored_columns": [{"column": c, "reason": _IGNORED} for c in self.ignored_columns],
                "notes": self.notes}

    def summary(self) -> str:
        lines = [f"accepted: {self.accepted} ({self.placed} near a place), duplicates:"
                 f" {self.n_duplicates}, rejected: {self.n_rejected}"]
        lines += [f"  column {c!r} ignored: {_IGNORED}" for c in self.ignored_columns]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  duplicate {row}: {i}" for row, i in self.duplicates]
        lines += [f"  rejected {row}: {why}" for row, why in self.rejected]
        return "\n".join(lines)

    def reject(self, row: str, reason: str) -> None:
        self.n_rejected += 1
        if len(self.rejected) < MAX_LISTED:
            self.rejected.append((row, reason))

    def duplicate(self, row: str, source_id: str) -> None:
        self.n_duplicates += 1
        if len(self.duplicates) < MAX_LISTED:
            self.duplicates.append((row, source_id))


_IGNORED = "not imported (free text, names and contact data never are)"

# A parsed file: its rows as (row label, {field: raw value}) and the columns it ignored.
Parsed = tuple[list[tuple[str, dict[str, Any]]], list[str]]


def decode_text(raw: bytes) -> tuple[str, str | None]:
    """The file's text and a note when it was not UTF-8; ValueError when it is no text."""
    if b"\x00" in raw:
        raise ValueError("the file contains NUL bytes: it is not a text file")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "read as Windows-1252 (the file is not UTF-8)"
    except UnicodeDecodeError:
        raise ValueError("the file is neither UTF-8 nor Windows-1252 text") from None


def _fields(columns: Iterable[str], synonyms: bool = False) -> tuple[dict[str, str], list[str]]:
    """{column as in the file: field} for the columns we take, and the ignored ones (in a CSV
    header a second column for the same field; GeoJSON features may each use another name)."""
    taken, ignored, seen = {}, [], set()
    for col in columns:
        f = COLUMNS.get(normalise(col))
        if f is None or (f in seen and not synonyms):
            ignored.append(col)
        else:
            taken[col] = f
            seen.add(f)
    return taken, ignored


def parse_csv(text: str) -> Parsed:
    lines = text.splitlines()
    if lines and lines[0].lower().startswith("sep="):  # Excel's separator hint
        text = text.split("\n", 1)[1] if "\n" in text else ""
    head = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=head.count)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise ValueError("the file has no header line")
        taken, ignored = _fields(header)
        have = set(taken.values())
        missing = [f for f in ("time", "lat", "lon", "category") if f not in have
                   and not (f == "time" and "date" in have)]
        if missing:
            raise ValueError(f"the header names no column for: {', '.join(missing)}"
                             f" (found: {', '.join(h[:40] for h in header[:20])})")
        rows = []
        for n, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise ValueError(f"at most {MAX_ROWS} complaints per file")
            item = {taken[h]: v.strip() for h, v in zip(header, values) if h in taken}
            if len(values) > len(header):
                item["__error__"] = f"{len(values)} cells but {len(header)} columns"
            rows.append((f"line {n}", item))
    except csv.Error as exc:
        raise ValueError(f"not readable as CSV: {exc}") from None
    return rows, ignored


def parse_geojson(data: Any) -> Parsed:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError("GeoJSON must be a FeatureCollection")
    feats = data.get("features")
    if not isinstance(feats, list):
        raise ValueError("the FeatureCollection has no list of features")
    if len(feats) > MAX_ROWS:
        raise ValueError(f"at most {MAX_ROWS} complaints per file")
    names: dict[str, None] = {}
    for feat in feats:
        props = feat.get("properties") if isinstance(feat, dict) else None
        if isinstance(props, dict):
            for k in props:
                if isinstance(k, str) and len(names) < 200:
                    names.setdefault(k, None)
    taken, ignored = _fields(names, synonyms=True)
    ignored = [c for c in ignored if COLUMNS.get(normalise(c)) not in ("lat", "lon")]
    rows = []
    for n, feat in enumerate(feats, start=1):
        label = f"feature {n}"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            rows.append((label, {"__error__": "not a GeoJSON Feature"}))
            continue
        props = feat.get("properties") or {}
        geom = feat.get("geometry")
        if not isinstance(props, dict):
            rows.append((label, {"__error__": "properties must be an object"}))
            continue
        item = {taken[k]: v for k, v in props.items() if k in taken and taken[k] not in ("lat", "lon")}
        if "id" not in item and isinstance(feat.get("id"), (str, int)) and not isinstance(feat.get("id"), bool):
            item["id"] = feat["id"]
        if not isinstance(geom, dict) or geom.get("type") != "Point":
            kind = geom.get("type") if isinstance(geom, dict) else None
            rows.append((label, {"__error__": f"geometry must be a Point (not {kind!r})"}))
            continue
        coords = geom.get("coordinates")
        if (not isinstance(coords, list) or len(coords) < 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in coords[:2])):
            rows.append((label, {"__error__": "a Point's coordinates must be [lon, lat] numbers"}))
            continue
        item["lon"], item["lat"] = coords[0], coords[1]
        rows.append((label, item))
    return rows, ignored


def number(value: Any, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name}: not a number")
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # German decimal comma
        if not re.fullmatch(r"[+-]?\d{1,3}(\.\d{1,15})?", text):
            raise ValueError(f"{name}: {value[:40]!r} is not a coordinate")
        value = float(text)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}: not a number")
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {value} lies outside {lo}..{hi}")
    return float(value)


def moment(item: dict[str, Any], zone: ZoneInfo) -> datetime:
    """The complaint's time from a time column, or a date and a clock column; UTC."""
    raw = item.get("time")
    if raw in (None, "") and item.get("date"):
        raw = f"{item['date']} {item.get('clock') or ''}".strip()
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("time: missing")
    text = raw.strip()
    if len(text) > 40:
        raise ValueError("time: not a time")
    m = _GERMAN.fullmatch(text)
    try:
        if m:
            day, month, year, hh, mm, ss = m.groups()
            if hh is None:
                raise ValueError("time: a date alone is not enough (the hour is missing)")
            year = int(year) + (2000 if len(year) == 2 else 0)
            at = datetime(year, int(month), int(day), int(hh), int(mm), int(ss or 0))
        else:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError("time: a date alone is not enough (the hour is missing)")
            at = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        if str(exc).startswith("time:"):
            raise
        raise ValueError(f"time: {text!r} is neither ISO 8601 nor TT.MM.JJJJ HH:MM") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    return at.astimezone(timezone.utc)


def category(value: Any) -> ComplaintCategory:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("category: missing")
    word = unicodedata.normalize("NFC", value.strip().lower())
    found = _CATEGORY_WORDS.get(word) or _CATEGORY_WORDS.get(word.replace(" ", "_"))
    if found is None:
        known = ", ".join(c.value for c in ComplaintCategory)
        raise ValueError(f"category: unknown category {value[:40]!r} (known: {known})")
    return found


def source_id(value: Any, at: str, lat: float, lon: float, cat: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if len(text) > MAX_ID or not text.isprintable():
            raise ValueError(f"id: at most {MAX_ID} printable characters")
        return text
    if value not in (None, ""):
        raise ValueError("id: must be text or a whole number")
    digest = hashlib.sha256(f"{at}|{lat:.6f}|{lon:.6f}|{cat}".encode()).hexdigest()
    return "h:" + digest[:24]


class PlaceIndex:
    """Places bucketed on a ~1 km grid, so each complaint measures the distance to the few
    places near it, not to all of them; very large places are checked for every complaint."""

    CELL = 0.01  # degrees

    def __init__(self, places: Iterable[Place]) -> None:
        self.cells: dict[tuple[int, int], list[Place]] = {}
        self.large: list[Place] = []
        for p in places:
            if not p.active or p.type in NOT_COMPLAINT_PLACES:
                continue
            if p.radius_m > 500 or (p.polygon and len(p.polygon) > 0 and _extent_m(p) > 500):
                self.large.append(p)
            else:
                self.cells.setdefault(self._cell(p.lat, p.lon), []).append(p)

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return int(math.floor(lat / self.CELL)), int(math.floor(lon / self.CELL))

    def nearest(self, lat: float, lon: float, at: str) -> Place | None:
        ci, cj = self._cell(lat, lon)
        candidates = list(self.large)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                candidates += self.cells.get((ci + di, cj + dj), ())
        best, best_d = None, PLACE_RADIUS_M
        for p in candidates:
            if not _running(p, at):
                continue
            d = fence_distance_m(lat, lon, p)
            if d <= best_d and (best is None or d < best_d or p.id < best.id):
                best, best_d = p, d
        return best


def _extent_m(p: Place) -> float:
    return max(_approx_m(p.lat, p.lon, y, x) for x, y, *_ in p.polygon)


def _running(p: Place, at: str) -> bool:
    ts = wire.format_timestamp
    if p.active_from and ts(wire.parse_timestamp(p.active_from)) > at:
        return False
    return not (p.active_until and ts(wire.parse_timestamp(p.active_until)) < at)


def _approx_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular metres: enough to tell which district centre is nearest."""
    k = math.cos(math.radians((lat1 + lat2) / 2))
    return 111_320 * math.hypot(lat2 - lat1, (lon2 - lon1) * k)


def district_for(lat: float, lon: float, districts: list[wire.District]) -> tuple[str | None, bool]:
    """(nearest district relative to its size, inside the city?)."""
    best, ratio = None, math.inf
    for d in districts:
        r = max(math.sqrt(d.area_km2 * 1e6 / math.pi), 500.0)
        q = _approx_m(lat, lon, d.lat, d.lon) / r
        if q < ratio:
            best, ratio = d.id, q
    if best is None:
        return None, True
    return best, ratio <= OUTSIDE_FACTOR


def import_complaints(storage: Storage, parsed: Parsed, *, places: dict[str, Place],
                      districts: list[wire.District], zone: ZoneInfo, actor: str,
                      now: datetime | None = None, note: str | None = None) -> ComplaintImport:
    """Check every row, store the good ones in one transaction, report every row."""
    rows, ignored = parsed
    report = ComplaintImport(ignored_columns=list(ignored))
    if note:
        report.notes.append(note)
    latest = (now or datetime.now(timezone.utc)) + timedelta(days=1)
    index = PlaceIndex(places.values())
    by_name = {d.name.lower(): d.id for d in districts} | {d.id.lower(): d.id for d in districts}
    good: list[tuple[str, tuple]] = []
    seen: dict[str, str] = {}
    for label, item in rows:
        if "__error__" in item:
            report.reject(label, item["__error__"])
            continue
        try:
            at_dt = moment(item, zone)
            if at_dt.year < 1970 or at_dt > latest:
                raise ValueError("time: lies in the future or before 1970")
            at = wire.format_timestamp(at_dt)
            lat = number(item.get("lat"), "lat", -90, 90)
            lon = number(item.get("lon"), "lon", -180, 180)
            cat = category(item.get("category")).value
            sid = source_id(item.get("id"), at, lat, lon, cat)
        except (ValueError, TypeError, OverflowError) as exc:
            report.reject(label, str(exc) if str(exc).split(":")[0] in (
                "time", "lat", "lon", "category", "id") else f"unreadable row ({exc})")
            continue
        place = index.nearest(lat, lon, at)
        named = item.get("district")
        district = by_name.get(named.strip().lower()) if isinstance(named, str) and named.strip() else None
        inside = True
        if district is None:
            if place is not None and place.district_id:
                district = place.district_id
            else:
                district, inside = district_for(lat, lon, districts)
        if not inside and place is None:
            report.reject(label, f"lat/lon: {lat}, {lon} lies outside the city's districts"
                                 " (latitude and longitude swapped?)")
            continue
        if sid in seen:
            report.duplicate(label, sid)
            continue
        seen[sid] = label
        good.append((label, (sid, at, lat, lon, cat, place.id if place else None, district)))
    known = storage.add_complaints([r for _, r in good], actor=actor,
                                   detail={"rows": len(rows), "rejected": report.n_rejected})
    for label, r in good:
        if r[0] in known:
            report.duplicate(label, r[0])
        else:
            report.accepted += 1
            report.placed += r[5] is not None
    return report


def parse_file(raw: bytes, fmt: str) -> tuple[Parsed, str | None]:
    """A complaints file as rows; ValueError (or WireError for bad JSON) for an unusable file."""
    text, note = decode_text(raw)
    if fmt == "geojson":
        return parse_geojson(wire.parse_json(text.encode("utf-8"))), note
    return parse_csv(text), note


def import_file(storage: Storage, raw: bytes, fmt: str, *, zone: ZoneInfo, actor: str,
                places: dict[str, Place] | None = None, now: datetime | None = None
                ) -> ComplaintImport:
    """Read a complaints file and import it: the one path of the API, the CLI and the demo.
    ValueError for a file that is unusable as a whole."""
    parsed, note = parse_file(raw, fmt)
    if places is None:
        places = {p.id: p for p in (wire.decode(Place, json.loads(b))
                                    for b in storage.picture_places())}
    districts = [wire.decode(wire.District, json.loads(b)) for b in storage.district_bodies()]
    return import_complaints(storage, parsed, places=places, districts=districts, zone=zone,
                             actor=actor, now=now, note=note)
