"""Joint operations ("Schwerpunkteinsatz"): shift leads plan them (admins may correct a plan);
leads and supervisors follow the reports of the participating teams live and read the summary
(JSON and a one-page German PDF) afterwards, with the agency rule applied throughout.

Input is checked before anything is stored: the wire model (times, lengths, end after start,
at most ``MAX_OPERATION_HOURS``), the polygon's shape (``invalid_area``), and that every
agency, team and place named exists (``unknown_agency``, ``agency_inactive``,
``unknown_team``, ``unknown_place``), each naming the offending field.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

import patrol_wire as wire
from patrol_wire import ErrorCode
from patrol_wire.fields import SLUG_RE

from .. import operations
from ..report import operation_pdf
from ..storage import Storage
from . import docs
from .deps import (AllReader, JsonBody, OperationPlanner, OperationReader, PlacesDep,
                   SettingsDep, StorageDep)
from .errors import ApiError
from .reports import utc_param
from .situation import Since, Until

router = APIRouter(prefix=f"{wire.API_PREFIX}/operations", tags=["operations"])

OperationId = Annotated[str, Path(**docs.declared({"pattern": SLUG_RE},
                                                  "1-64 letters, digits, '_', '-' or '.'"))]
PDF = {200: {"description": "the summary, application/pdf (German, A4, one page)",
             "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _stored(storage: Storage, operation_id: str) -> wire.Operation:
    if not re.fullmatch(SLUG_RE, operation_id):
        raise ApiError(400, ErrorCode.INVALID_ID, "operation_id: 1-64 letters, digits, '_', '-' or '.'")
    body = storage.operation(operation_id)
    if body is None:
        raise ApiError(404, ErrorCode.UNKNOWN_OPERATION, "no such operation")
    return operations.decode(body)


def _request(storage: Storage, body: bytes) -> wire.OperationRequest:
    """The plan, decoded and checked against what exists."""
    req = wire.decode(wire.OperationRequest, wire.parse_json(body))
    if req.polygon is not None:
        problem = wire.polygon_problem(req.polygon)
        if problem:
            raise ApiError(422, ErrorCode.INVALID_AREA, f"polygon: {problem}", {"field": "polygon"})
    for i, code in enumerate(req.agencies):
        agency = storage.agency(code)
        if agency is None:
            raise ApiError(422, ErrorCode.UNKNOWN_AGENCY, f"no agency {code!r}",
                           {"field": f"agencies[{i}]"})
        if not agency.active:
            raise ApiError(422, ErrorCode.AGENCY_INACTIVE, f"the agency {code!r} is deactivated",
                           {"field": f"agencies[{i}]"})
    for i, team_id in enumerate(req.team_ids):
        if storage.team_row(team_id) is None:
            raise ApiError(422, ErrorCode.UNKNOWN_TEAM, f"no team {team_id!r}",
                           {"field": f"team_ids[{i}]"})
    known = storage.place_bodies(req.place_ids)
    for i, place_id in enumerate(req.place_ids):
        if place_id not in known:
            raise ApiError(422, ErrorCode.UNKNOWN_PLACE, f"no place {place_id!r}",
                           {"field": f"place_ids[{i}]"})
    return req


def _operation(operation_id: str, req: wire.OperationRequest, version: int) -> wire.Operation:
    return wire.Operation(operation_id, req.name, req.starts_at, req.ends_at, req.agencies,
                          req.team_ids, req.place_ids, req.polygon, req.briefing, version)


def _detail(op: wire.Operation) -> dict:
    """The audit entry's detail: the plan without the briefing's text."""
    return {"name": op.name, "starts_at": op.starts_at, "ends_at": op.ends_at,
            "agencies": op.agencies, "team_ids": op.team_ids, "places": len(op.place_ids),
            "polygon": op.polygon is not None, "version": op.version}


def _out(storage: Storage, op: wire.Operation) -> dict:
    return {**wire.encode(op), "status": operations.status(op, _now()).value,
            "team_names": storage.team_names(op.team_ids)}


@router.get("", responses=docs.answers({200: {"type": "array"}}, 401, 403, 422))
def list_operations(_: OperationReader, storage: StorageDep, since: Since = None,
                    until: Until = None) -> list[dict]:
    """Operations whose start lies in [since, until) (either open), latest first, each with
    its ``status`` (planned, running, ended) and its teams' names."""
    return [_out(storage, operations.decode(b)) for b in storage.list_operations(
        starting_from=utc_param("since", since), starting_before=utc_param("until", until))]


@router.post("", status_code=201, openapi_extra=docs.body("OperationRequest"),
             responses=docs.answers({201: "Operation"}, *docs.JSON_BODY, 401, 403,
                                    docs.STORAGE_FULL))
def create_operation(user: OperationPlanner, storage: StorageDep, body: JsonBody) -> JSONResponse:
    """Plan an operation; participating officers' devices pull its briefing at their next sync."""
    req = _request(storage, body)
    op = _operation(f"op-{uuid.uuid4().hex[:16]}", req, 1)
    if not storage.create_operation(op.id, wire.canonical_json(op).decode(), starts_at=op.starts_at,
                                    ends_at=op.ends_at, team_ids=op.team_ids,
                                    actor=user.username, detail=_detail(op)):
        raise ApiError(409, ErrorCode.VERSION_CONFLICT, "try again")  # a 64-bit id collision
    return JSONResponse(_out(storage, op), status_code=201)


@router.get("/{operation_id}", responses=docs.answers({200: "Operation"}, 400, 401, 403, 404))
def get_operation(operation_id: OperationId, _: OperationReader, storage: StorageDep) -> dict:
    return _out(storage, _stored(storage, operation_id))


@router.put("/{operation_id}", openapi_extra=docs.body("OperationRequest"),
            responses=docs.answers({200: "Operation"}, *docs.JSON_BODY, 401, 403, 404, 409,
                                   docs.STORAGE_FULL))
def update_operation(operation_id: OperationId, user: OperationPlanner, storage: StorageDep,
                     body: JsonBody) -> dict:
    """Change the whole plan (also after the fact: the reports it covers follow the new plan).
    409 ``version_conflict`` when another change came in between."""
    old = _stored(storage, operation_id)
    req = _request(storage, body)
    op = _operation(operation_id, req, old.version + 1)
    if not storage.update_operation(op.id, wire.canonical_json(op).decode(),
                                    starts_at=op.starts_at, ends_at=op.ends_at,
                                    team_ids=op.team_ids, version=op.version,
                                    actor=user.username, detail=_detail(op)):
        raise ApiError(409, ErrorCode.VERSION_CONFLICT, "the operation changed meanwhile; reload")
    return _out(storage, op)


@router.get("/{operation_id}/reports",
            responses=docs.answers({200: "OperationFeed"}, 400, 401, 403, 404, 422))
def operation_reports(
        operation_id: OperationId, user: AllReader, storage: StorageDep, places: PlacesDep,
        after: Annotated[str | None, Query(**docs.declared(
            {"pattern": r"^o1\..+$"}, "next_cursor of the previous call (else 400 invalid_cursor);"
                                     " none: from the first report"))] = None,
        limit: Annotated[int, Query(ge=1, le=operations.FEED_PAGE)] = operations.FEED_PAGE,
) -> dict:
    """The live feed: reports of the participating teams in the operation's window and area,
    received after ``after``, oldest receipt first -- a report sent late from an offline phone
    arrives at the end. Agency-only reports only for readers of their agency. Poll with
    ``next_cursor``; ``has_more``: ask again at once."""
    op = _stored(storage, operation_id)
    try:
        key = operations.parse_cursor(after)
    except ValueError:
        raise ApiError(400, ErrorCode.INVALID_CURSOR, "unknown cursor; start without one") from None
    places.refresh()
    return wire.encode(operations.feed(storage, op, places, viewer_agency=user.agency, after=key,
                                       limit=limit))


@router.get("/{operation_id}/summary",
            responses=docs.answers({200: "OperationSummary"}, 400, 401, 403, 404))
def operation_summary(operation_id: OperationId, user: AllReader, storage: StorageDep,
                      places: PlacesDep) -> dict:
    """Checks, findings and measures by agency and by place, findings and measures by kind --
    of the reports the reader may see (the agency rule)."""
    op = _stored(storage, operation_id)
    places.refresh()
    return wire.encode(operations.summary(storage, op, places, viewer_agency=user.agency,
                                          now=_now()))


@router.get("/{operation_id}/summary.pdf",
            responses={**PDF, **docs.answers({}, 400, 401, 403, 404, docs.STORAGE_FULL)})
def operation_summary_pdf(operation_id: OperationId, user: AllReader, storage: StorageDep,
                          places: PlacesDep, settings: SettingsDep) -> Response:
    """The summary as one German A4 page (no officer names), for the reader's agency; every
    download is audited."""
    op = _stored(storage, operation_id)
    places.refresh()
    now = _now()
    s = operations.summary(storage, op, places, viewer_agency=user.agency, now=now)
    storage.record(user.username, "export.operation_pdf", "operation", op.id, {})
    pdf = operation_pdf.render(
        s, cooperation=settings.cooperation, zone=ZoneInfo(settings.timezone), made_at=now,
        reader_agency=user.agency, agency_names={a.code: a.name_de for a in storage.list_agencies()})
    day = wire.parse_timestamp(op.starts_at).astimezone(ZoneInfo(settings.timezone))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="einsatz-{day:%Y%m%d}-{op.id}.pdf"'})
