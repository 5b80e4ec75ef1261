"""The situation picture and its exports (GeoJSON, CSV), for supervisors.

Exports stream: rows come from the database in batches and leave as they are encoded, so
memory stays flat however many reports a window holds. Every export is written to the audit log.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Iterator, Literal
from zoneinfo import ZoneInfo

import msgspec
from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

import patrol_wire as wire
from patrol_wire import ErrorCode
from patrol_wire.labels import CSV_HEADERS_DE, label

from .. import situation
from ..storage import PictureFilter, ReportFilter, User
from . import docs
from .deps import Analyst, PlacesDep, SettingsDep, StorageDep
from .errors import ApiError
from .reports import utc_param

router = APIRouter(prefix=wire.API_PREFIX, tags=["situation"])

DEFAULT_DAYS = 7
MAX_DAYS = 400


Since = Annotated[str | None, Query(**docs.declared(
    {"format": "date-time"}, "window start, ISO 8601 (default: until - 7 days)"))]
Until = Annotated[str | None, Query(**docs.declared(
    {"format": "date-time"}, "window end, ISO 8601 (default: now)"))]
District = Annotated[str | None, Query(max_length=64)]
Category = Annotated[str | None, Query(max_length=8, description="place category, e.g. A")]
AgencyParam = Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,31}$",
                                          description="an agency's code")]


@dataclass(frozen=True)
class Slice:
    """Who asks, for which window, with which filters: what every picture endpoint takes."""

    user: User
    start: datetime
    end: datetime
    filter: PictureFilter

    @property
    def since(self) -> str:
        return wire.format_timestamp(self.start)

    @property
    def until(self) -> str:
        return wire.format_timestamp(self.end)

    def audit(self, storage, action: str, name: str, **extra) -> None:
        f = self.filter
        storage.record(self.user.username, action, "export", name, {
            "since": self.since, "until": self.until, **extra,
            **{k: v for k, v in (("district_id", f.district_id), ("place_type", f.place_type),
                                 ("category", f.category), ("agency", f.agency)) if v}})


def window(since: str | None, until: str | None, default_days: int = DEFAULT_DAYS
           ) -> tuple[datetime, datetime]:
    """A picture's window from its query parameters, refused in the one error shape when it
    is empty, reversed or longer than MAX_DAYS (the steering group's report checks the same)."""
    end = wire.parse_timestamp(utc_param("until", until)) if until else datetime.now(timezone.utc)
    start = wire.parse_timestamp(utc_param("since", since)) if since else end - timedelta(days=default_days)
    if start >= end:
        raise ApiError(422, ErrorCode.INVALID_VALUE, "since must lie before until", {"field": "since"})
    if end - start > timedelta(days=MAX_DAYS):
        raise ApiError(422, ErrorCode.INVALID_VALUE, f"at most {MAX_DAYS} days per window",
                       {"field": "since"})
    return start, end


def slice_for(user: User, since: str | None, until: str | None, district_id: str | None,
              place_type: wire.PlaceType | None, category: str | None,
              agency: str | None) -> Slice:
    """The window and filters of one request, for a reader already checked by the caller's
    dependency (the picture's and the complaints' readers differ; the slice does not)."""
    start, end = window(since, until)
    return Slice(user, start, end, PictureFilter(
        user.agency, district_id, place_type.value if place_type else None, category,
        agency))


def picture_slice(user: Analyst, since: Since = None, until: Until = None,
                  district_id: District = None, place_type: wire.PlaceType | None = None,
                  category: Category = None, agency: AgencyParam = None) -> Slice:
    return slice_for(user, since, until, district_id, place_type, category, agency)


SliceDep = Annotated[Slice, Depends(picture_slice)]


@router.get("/situation", responses=docs.answers({200: "Situation"}, 401, 403, 422))
def get_situation(sl: SliceDep, storage: StorageDep, settings: SettingsDep,
                  places: PlacesDep) -> dict:
    """Checks, findings by category, measures, coverage, effort-normalised hotspot scores with
    their trend, the weekday x hour grid, open questions and missed checkpoints -- and the
    answers waiting for review to read them (the review queue's figure: not bound to the
    window, so an answer about last month's report is not hidden)."""
    pic = situation.compute(storage, sl.filter, since=sl.start, until=sl.end,
                            tz=settings.timezone, grace=settings.missed_grace, places=places)
    waiting = storage.count_unread_answers(ReportFilter(), viewer=sl.user, team_ids=None)
    return wire.encode(msgspec.structs.replace(pic, answers_waiting=waiting))


def _stream(chunks: Iterator[str], media: str, filename: str) -> StreamingResponse:
    return StreamingResponse((c.encode("utf-8") for c in chunks), media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/export/reports.geojson",
            responses={200: {"description": "RFC 7946 FeatureCollection",
                             "content": {"application/geo+json": {}}},
                       **docs.answers({}, 401, 403, 422, docs.STORAGE_FULL)})
def export_reports_geojson(sl: SliceDep, storage: StorageDep) -> StreamingResponse:
    """Reports as GeoJSON points at the device's fix ([lon, lat], WGS84); a report without a
    fix has a null geometry. No author names or notes: this is for maps, not casework."""
    sl.audit(storage, "export.reports_geojson", "reports.geojson")

    def chunks() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":['
        first = True
        buf: list[str] = []
        for body, _author, ag, _rec, verdict, _dist, state, place_name, district in \
                storage.export_rows(sl.filter, since=sl.since, until=sl.until):
            r = json.loads(body)
            fix = r.get("fix")
            geometry = ({"type": "Point", "coordinates": [fix["lon"], fix["lat"]]} if fix else None)
            feature = {"type": "Feature", "id": r["id"], "geometry": geometry, "properties": {
                "observed_at": r["observed_at"], "place_id": r["place_id"], "place_name": place_name,
                "district_id": district, "agency": ag, "severity": r["severity"],
                "findings": r["findings"], "measures": r["measures"], "counts": r["counts"],
                "server_verdict": verdict, "review_state": state,
                "accuracy_m": fix["accuracy_m"] if fix else None}}
            buf.append(("" if first else ",") + json.dumps(feature, ensure_ascii=False,
                                                            separators=(",", ":")))
            first = False
            if len(buf) >= 500:
                yield "".join(buf)
                buf.clear()
        yield "".join(buf) + "]}"

    return _stream(chunks(), "application/geo+json", "reports.geojson")


def outer_ring(points: list[list[float]]) -> list[list[float]]:
    """A place's polygon as an RFC 7946 outer ring: closed, and counter-clockwise (the
    right-hand rule, section 3.1.6), whichever way it was drawn or imported."""
    ring = points if points[0] == points[-1] else [*points, points[0]]
    twice_area = sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]))
    return ring if twice_area >= 0 else ring[::-1]


@router.get("/export/places.geojson",
            responses={200: {"description": "RFC 7946 FeatureCollection",
                             "content": {"application/geo+json": {}}},
                       **docs.answers({}, 401, 403, 422, docs.STORAGE_FULL)})
def export_places_geojson(sl: SliceDep, storage: StorageDep, places: PlacesDep) -> StreamingResponse:
    """Every place (polygon or point) with its checks, findings and hotspot score in the window."""
    sl.audit(storage, "export.places_geojson", "places.geojson")
    scores, _cur, r_now, all_places = situation.place_scores(storage, sl.filter, sl.start, sl.end,
                                                             places)
    by_id = {sc.place_id: sc for sc in scores}

    def chunks() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":['
        first = True
        for pid in sorted(all_places):
            p = all_places[pid]
            if not situation.place_matches(p, sl.filter):
                continue
            sc = by_id.get(pid)
            ring = outer_ring(p.polygon) if p.polygon else None
            geometry = ({"type": "Polygon", "coordinates": [ring]} if ring
                        else {"type": "Point", "coordinates": [p.lon, p.lat]})
            props = {"name": p.name, "type": p.type.value, "district_id": p.district_id,
                     "category": p.category, "checks": sc.checks if sc else 0,
                     "findings": sc.findings if sc else 0,
                     "score": sc.score if sc else round(r_now, 4),
                     "prev_score": sc.prev_score if sc else None,
                     "trend": sc.trend.value if sc else None}
            yield ("" if first else ",") + json.dumps(
                {"type": "Feature", "id": pid, "geometry": geometry, "properties": props},
                ensure_ascii=False, separators=(",", ":"))
            first = False
        yield "]}"

    return _stream(chunks(), "application/geo+json", "places.geojson")


# Characters that make a spreadsheet read a cell as a formula (also after leading whitespace,
# which spreadsheet programs skip), and their full-width forms that some of them accept too.
_FORMULA_START = tuple("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet shows as text: one that would start a formula gets a leading
    apostrophe (OWASP's advice for CSV injection). Numbers the export writes itself never
    pass through here, so a negative coordinate stays a number."""
    risky = cell.startswith(_FORMULA_START) or cell.lstrip().startswith(_FORMULA_START)
    return "'" + cell if risky else cell


CSV_COLUMNS = ["id", "observed_at", "observed_local", "place_id", "place_name", "district_id",
               "author", "agency", "severity", "findings", "measures", "note", "lat", "lon",
               "accuracy_m", "device_verdict", "server_verdict", "server_distance_m",
               "review_state", "visibility"]
NUMBER_COLUMNS = {"lat", "lon", "accuracy_m", "server_distance_m"}  # written by num(), not neutralised
_TEXT_COLUMN = [c not in NUMBER_COLUMNS for c in CSV_COLUMNS]


@router.get("/export/reports.csv",
            responses={200: {"description": "CSV, UTF-8", "content": {"text/csv": {}}},
                       **docs.answers({}, 401, 403, 422, docs.STORAGE_FULL)})
def export_reports_csv(sl: SliceDep, storage: StorageDep, settings: SettingsDep,
                       dialect: Annotated[Literal["comma", "semicolon"], Query(
                           description="'semicolon': ';' separator, decimal comma and a BOM, as "
                                       "German spreadsheet programs expect")] = "comma",
                       ) -> StreamingResponse:
    """Reports as CSV, one row each, oldest first; lists inside a cell are joined with ' | '.
    The comma dialect is for machines: stable column and value codes. The semicolon dialect is
    for people with a German spreadsheet program: German headers, German words for the codes
    (the app's own, from ``patrol_wire.labels``; agencies by the German name the agencies table
    holds), decimal commas."""
    sl.audit(storage, "export.reports_csv", "reports.csv", dialect=dialect)
    german = dialect == "semicolon"
    zone = ZoneInfo(settings.timezone)
    agency_names = {a.code: a.name_de for a in storage.list_agencies()} if german else {}

    def num(x: float | None) -> str:
        if x is None:
            return ""
        text = repr(round(x, 7)) if isinstance(x, float) else str(x)
        return text.replace(".", ",") if german else text

    def word(prefix: str, code: str | None) -> str:
        if not code:
            return ""
        return label("de", prefix, code) if german else code

    def words(prefix: str, codes: list[str]) -> str:
        return " | ".join(word(prefix, c) for c in codes)

    def chunks() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";" if german else ",", lineterminator="\r\n")
        if german:
            out.write("\ufeff")
        writer.writerow([CSV_HEADERS_DE[c] for c in CSV_COLUMNS] if german else CSV_COLUMNS)
        n = 0
        for body, author, ag, _rec, verdict, dist, state, place_name, district in \
                storage.export_rows(sl.filter, since=sl.since, until=sl.until):
            r = json.loads(body)
            fix = r.get("fix") or {}
            local = wire.parse_timestamp(r["observed_at"]).astimezone(zone)
            row = [
                r["id"], r["observed_at"], local.strftime("%d.%m.%Y %H:%M" if german else "%Y-%m-%d %H:%M"),
                r["place_id"] or "", place_name or "", district or "", author,
                agency_names.get(ag, ag), word("sev_", r["severity"]),
                words("f_", r["findings"]), words("m_", r["measures"]), r["note"],
                num(fix.get("lat")), num(fix.get("lon")), num(fix.get("accuracy_m")),
                word("v_", r["presence"]["verdict"]), word("v_", verdict), num(dist),
                word("rs_", state), word("vis_", r["visibility"])]
            writer.writerow([neutralise(v) if text else v for v, text in zip(row, _TEXT_COLUMN)])
            n += 1
            if n % 500 == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    return _stream(chunks(), "text/csv; charset=utf-8", "reports.csv")
