"""Citizen complaints: the admin's import (with its per-row report), the picture's complaints
against patrol effort with the map layer (supervisors), and the shift lead's "places with
complaints and few checks". Officers reach none of these (``access.Perm.COMPLAINTS``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

import patrol_wire as wire
from patrol_wire import ErrorCode

from .. import complaints
from ..complaints_import import import_file
from ..storage import PictureFilter
from . import docs
from .deps import Admin, ComplaintReader, GapReader, PlacesDep, RawBody, SettingsDep, StorageDep
from .errors import ApiError
from .situation import AgencyParam, Category, District, Since, Slice, Until, slice_for, window

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
