"""Reports: PUT one (idempotent by id), POST a batch, GET a filtered list."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

import patrol_wire as wire
from patrol_wire import ErrorCode, ItemStatus, Role
from patrol_wire.codec import UUID_RE

from ..ingest import ItemError
from ..storage import ReportFilter
from . import docs
from .deps import IngestorDep, StorageDep, UserDep
from .errors import ApiError

router = APIRouter(prefix=f"{wire.API_PREFIX}/reports", tags=["reports"])

_STATUS = {ItemStatus.CREATED: 201, ItemStatus.IDENTICAL: 200}


async def _json(request: Request) -> object:
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send application/json")
    return wire.parse_json(await request.body())  # a WireError becomes a 400 in the handler


@router.put("/{report_id}", openapi_extra=docs.body("Report"),
            responses=docs.answers({200: "ReportResult", 201: "ReportResult"},
                                   400, 401, 409, 413, 415, 422))
async def put_report(report_id: str, request: Request, user: UserDep, ingestor: IngestorDep) -> JSONResponse:
    """Store a report. 201 new, 200 identical replay, 409 same id with other content."""
    if not re.match(UUID_RE, report_id):
        raise ApiError(400, ErrorCode.INVALID_ID, "the report id must be a lowercase UUID")
    item = await _json(request)
    if isinstance(item, dict) and item.get("id") != report_id:
        raise ApiError(422, ErrorCode.ID_MISMATCH, "the id in the body differs from the URL",
                       {"field": "id"})
    now = datetime.now(timezone.utc)
    ingestor.refresh_places()
    prepared = ingestor.prepare(item, now=now)
    if isinstance(prepared, ItemError):
        raise ApiError(422, prepared.code, prepared.message,
                       {"field": prepared.field} if prepared.field else {})
    (res,) = await run_in_threadpool(ingestor.store, [item], [prepared], author=user, now=now)
    if res.status is ItemStatus.CONFLICT:
        raise ApiError(409, ErrorCode.REPORT_CONFLICT,
                       "a different report with this id already exists", {"id": report_id})
    return JSONResponse(wire.encode(res), status_code=_STATUS[res.status])


@router.post("/batch", openapi_extra=docs.body("BatchRequest"),
             responses=docs.answers({200: "BatchResponse"}, 400, 401, 413, 415, 422))
async def post_batch(request: Request, user: UserDep, ingestor: IngestorDep) -> JSONResponse:
    """Up to MAX_BATCH reports; one result per item with the PUT semantics (round trips are
    what slow mobile links pay for)."""
    data = await _json(request)
    if isinstance(data, dict) and isinstance(data.get("reports"), list) \
            and len(data["reports"]) > wire.MAX_BATCH:
        raise ApiError(413, ErrorCode.BATCH_TOO_LARGE, f"at most {wire.MAX_BATCH} reports per batch")
    batch = wire.decode(wire.BatchRequest, data)
    results = await run_in_threadpool(ingestor.ingest, batch.reports, author=user)
    return JSONResponse({"results": [wire.encode(r) for r in results]})


_LIST_ROLES = {Role.SUPERVISOR, Role.ADMIN, Role.SHIFT_LEAD}


@router.get("", responses=docs.answers({200: {"type": "object"}}, 401, 422))
def list_reports(
    user: UserDep,
    storage: StorageDep,
    place_id: str | None = None,
    district_id: str | None = None,
    agency: wire.Agency | None = None,
    author: str | None = None,
    severity: wire.Severity | None = None,
    since: Annotated[str | None, Query(description="observed_at >= since (ISO 8601)")] = None,
    until: Annotated[str | None, Query(description="observed_at < until (ISO 8601)")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    """Reports newest first. Supervisors, shift leads and admins see all reports their agency may
    see; officers see their own. Agency-only reports never leave their agency."""
    for name, value in (("since", since), ("until", until)):
        if value is not None:
            try:
                wire.parse_timestamp(value)
            except ValueError:
                raise ApiError(422, ErrorCode.INVALID_VALUE, f"{name} must be an ISO 8601 timestamp",
                               {"field": name}) from None
    if cursor is not None and not re.match(UUID_RE, cursor):
        raise ApiError(400, ErrorCode.INVALID_CURSOR, "unknown cursor")
    flt = ReportFilter(place_id=place_id, district_id=district_id,
                       agency=agency.value if agency else None, author=author,
                       severity=severity.value if severity else None, since=since, until=until,
                       before_id=cursor, limit=limit)
    items = storage.list_reports(flt, viewer=user, own_only=user.role not in _LIST_ROLES)
    next_cursor = items[-1]["report"]["id"] if len(items) == limit else None
    return {"items": items, "next_cursor": next_cursor}
