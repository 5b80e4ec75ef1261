"""Citizen complaints: the admin's import (with its per-row report), the picture's complaints
against patrol effort with the map layer (supervisors), and the shift lead's "places with
complaints and few checks", and the list as CSV / GeoJSON for the steering group and the
planning office. Officers reach none of these (``access.Perm.COMPLAINTS``)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

import patrol_wire as wire
from patrol_wire import ErrorCode
from patrol_wire.labels import label

from .. import complaints
from ..complaints_import import import_file
from ..storage import PictureFilter
from . import docs
from .deps import Admin, ComplaintReader, GapReader, PlacesDep, RawBody, SettingsDep, StorageDep
from .errors import ApiError
from .situation import (AgencyParam, Category, District, Since, Slice, Until, neutralise,
                        outer_ring, slice_for, window)

router = APIRouter(prefix=wire.API_PREFIX, tags=["complaints"])

SUGGESTION_DAYS = 28


@router.post("/admin/complaints/import", tags=["admin"], openapi_extra=docs.binary_body("text/csv"),
             responses=docs.answers({200: {"type": "object"}}, 400, 401, 403, 413, 422,
                                    docs.STORAGE_FULL))
def import_complaints_file(
        admin: Admin, storage: StorageDep, settings: SettingsDep, places: PlacesDep, raw: RawBody,
        format: Annotated[Literal["csv", "geojson"], Query(description="file format")] = "csv",
) -> dict:
    """Import complaints from the city's complaint system (CSV or GeoJSON): time, position,
    category and the source's id; every other column is ignored and named. Rows already
    imported are duplicates, bad rows are listed with their reason; the good ones are stored."""
    places.refresh()
    try:
        report = import_file(storage, raw, format, zone=ZoneInfo(settings.timezone),
                             actor=admin.username, places=places.all())
    except ValueError as exc:  # also a WireError: GeoJSON that is no JSON
        raise ApiError(422, ErrorCode.INVALID_VALUE, str(exc), {"field": "file"}) from None
    return report.as_json()


def complaint_slice(user: ComplaintReader, since: Since = None, until: Until = None,
                    district_id: District = None, place_type: wire.PlaceType | None = None,
                    category: Category = None, agency: AgencyParam = None) -> Slice:
    return slice_for(user, since, until, district_id, place_type, category, agency)


@router.get("/situation/complaints", tags=["situation"],
            responses=docs.answers({200: "ComplaintPicture"}, 401, 403, 422))
def situation_complaints(sl: Annotated[Slice, Depends(complaint_slice)], storage: StorageDep,
                         places: PlacesDep) -> dict:
    """Complaints in the picture's window and filters against the reader's checks: per place
    and district the smoothed complaints per check and its lower bound (``sync_server/
    complaints.py``), by category, and the complaints as points (time, position, category)."""
    return wire.encode(complaints.compute(storage, sl.filter, since=sl.start, until=sl.end,
                                          places=places))


@router.get("/planning/complaint-gaps", tags=["planning"],
            responses=docs.answers({200: "ComplaintSuggestions"}, 401, 403, 422))
def complaint_gaps(user: GapReader, storage: StorageDep, places: PlacesDep,
                   until: Until = None, district_id: District = None,
                   days: Annotated[int, Query(ge=1, le=365)] = SUGGESTION_DAYS) -> dict:
    """Places with many complaints and few checks over the last ``days`` (counts only), for
    a shift lead building a route."""
    end = window(None, until)[1]
    start = end - timedelta(days=days)
    return wire.encode(complaints.suggestions(
        storage, PictureFilter(user.agency, district_id), since=start, until=end,
        places=places))


# ------------------------------------------------------------------ exports

GAP_COLUMNS = ["level", "id", "name", "place_type", "district_id", "complaints", "checks",
               "complaints_per_check", "lower_bound", "stands_out"]
GAP_HEADERS_DE = {"level": "Ebene", "id": "ID", "name": "Name", "place_type": "Ortstyp",
                  "district_id": "Stadtbezirk", "complaints": "Beschwerden", "checks": "Kontrollen",
                  "complaints_per_check": "Beschwerden je Kontrolle (geglättet)",
                  "lower_bound": "Untere Schranke", "stands_out": "Auffällig"}
_GAP_TEXT = {"id", "name", "district_id"}
ComplaintSlice = Annotated[Slice, Depends(complaint_slice)]


@router.get("/export/complaint-gaps.csv", tags=["situation"],
            responses={200: {"description": "CSV, UTF-8", "content": {"text/csv": {}}},
                       **docs.answers({}, 401, 403, 422, docs.STORAGE_FULL)})
def export_complaint_gaps_csv(
        sl: ComplaintSlice, storage: StorageDep, places: PlacesDep,
        dialect: Annotated[Literal["comma", "semicolon"], Query(
            description="'semicolon': German headers and words, ';', decimal comma, a BOM")] = "comma",
) -> StreamingResponse:
    """Complaints against patrol effort as the picture ranks them: one row per place, then one
    per district, counts and the smoothed rate with its lower bound. Counts only -- no
    complaint's time, text or position leaves in this list."""
    sl.audit(storage, "export.complaint_gaps_csv", "complaint-gaps.csv", dialect=dialect)
    pic = complaints.compute(storage, sl.filter, since=sl.start, until=sl.end, places=places,
                             with_points=False)
    german = dialect == "semicolon"
    names = {d["id"]: d["name"] for d in map(json.loads, storage.district_bodies())} if german else {}

    def num(x: float) -> str:
        text = repr(round(x, 4))
        return text.replace(".", ",") if german else text

    def word(code: str, words: dict[str, str]) -> str:
        return words.get(code, code) if german else code

    rows = [("place", g.place_id, g.name, label("de", "t_", g.type) if german else g.type,
             names.get(g.district_id or "", g.district_id or ""), g.complaints, g.checks,
             num(g.score), num(g.lower), g.stands_out) for g in pic.places]
    rows += [("district", a.key or "", a.name, "", "", a.complaints, a.checks, num(a.score),
              num(a.lower), a.stands_out) for a in pic.districts]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if german else ",", lineterminator="\r\n")
    if german:
        out.write("\ufeff")
    writer.writerow([GAP_HEADERS_DE[c] for c in GAP_COLUMNS] if german else GAP_COLUMNS)
    levels = {"place": "Ort", "district": "Stadtbezirk"}
    for row in rows:
        cells = dict(zip(GAP_COLUMNS, row))
        cells["level"] = word(cells["level"], levels)
        cells["stands_out"] = ("ja" if cells["stands_out"] else "nein") if german else \
            str(cells["stands_out"]).lower()
        writer.writerow([neutralise(str(cells[c])) if c in _GAP_TEXT else cells[c]
                         for c in GAP_COLUMNS])
    return StreamingResponse(iter([out.getvalue().encode("utf-8")]),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="complaint-gaps.csv"'})


@router.get("/export/complaint-gaps.geojson", tags=["situation"],
            responses={200: {"description": "RFC 7946 FeatureCollection",
                             "content": {"application/geo+json": {}}},
                       **docs.answers({}, 401, 403, 422, docs.STORAGE_FULL)})
def export_complaint_gaps_geojson(sl: ComplaintSlice, storage: StorageDep,
                                  places: PlacesDep) -> StreamingResponse:
    """The places of the list as a map layer (polygon or point) with the same figures."""
    sl.audit(storage, "export.complaint_gaps_geojson", "complaint-gaps.geojson")
    pic = complaints.compute(storage, sl.filter, since=sl.start, until=sl.end, places=places,
                             with_points=False)
    by_id = places.all()
    features = []
    for g in pic.places:
        p = by_id.get(g.place_id)
        geometry = ({"type": "Polygon", "coordinates": [outer_ring(p.polygon)]} if p and p.polygon
                    else {"type": "Point", "coordinates": [g.lon, g.lat]})
        features.append({"type": "Feature", "id": g.place_id, "geometry": geometry, "properties": {
            "name": g.name, "type": g.type, "district_id": g.district_id,
            "complaints": g.complaints, "checks": g.checks, "complaints_per_check": g.score,
            "lower_bound": g.lower, "stands_out": g.stands_out, "by_category": g.by_category}})
    body = json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":"))
    return StreamingResponse(iter([body.encode("utf-8")]), media_type="application/geo+json",
                             headers={"Content-Disposition": 'attachment; filename="complaint-gaps.geojson"'})
