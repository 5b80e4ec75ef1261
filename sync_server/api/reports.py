"""Reports: PUT one (idempotent by id), POST a batch, GET a filtered list."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse

import patrol_wire as wire
from patrol_wire import ErrorCode, ItemStatus
from patrol_wire.fields import UUID_RE

from ..ingest import AUTHOR_CHECK_FIELD, ItemError
from ..storage import ReportFilter
from . import docs
from ..access import Perm, allowed, can_see
from .deps import IngestorDep, JsonBody, Reader, Reviewer, SettingsDep, StorageDep, Submitter
from .errors import ApiError

router = APIRouter(prefix=f"{wire.API_PREFIX}/reports", tags=["reports"])

_STATUS = {ItemStatus.CREATED: 201, ItemStatus.IDENTICAL: 200}

ReportId = Annotated[str, Path(**docs.declared({"pattern": UUID_RE}, "a lowercase UUID"))]
TS_SCHEMA = {"format": "date-time"}  # ISO 8601 with an offset, checked by utc_param (422)


async def _device_skew(x_device_time: Annotated[str | None, Header(
        description="The device's clock when it sent the request (ISO 8601 with offset). The "
                    "server stores the difference to its own clock with each report and counts "
                    "the report at the corrected time; without it the skew is unknown.",
        examples=["2026-05-04T18:03:07.120Z"])] = None) -> timedelta | None:
    """Device clock minus server clock, read before the body streams in (a slow upload must
    not look like a slow clock)."""
    if x_device_time is None:
        return None
    now = datetime.now(timezone.utc)
    try:
        return wire.parse_timestamp(x_device_time) - now
    except (ValueError, OverflowError):
        raise ApiError(422, ErrorCode.INVALID_VALUE, "X-Device-Time must be an ISO 8601 timestamp",
                       {"field": "X-Device-Time"}) from None


DeviceSkew = Annotated[timedelta | None, Depends(_device_skew)]


@router.put("/{report_id}", openapi_extra=docs.body("Report"),
            responses=docs.answers({200: "ReportResult", 201: "ReportResult"},
                                   *docs.JSON_BODY, 401, 403, 409, docs.STORAGE_FULL))
def put_report(report_id: ReportId, user: Submitter, ingestor: IngestorDep, skew: DeviceSkew,
               body: JsonBody) -> JSONResponse:
    """Store a report. 201 new, 200 identical replay, 409 same id with other content."""
    if not re.fullmatch(UUID_RE, report_id):
        raise ApiError(400, ErrorCode.INVALID_ID, "the report id must be a lowercase UUID")
    report = wire.decode_json(wire.Report, body)  # a WireError: 400/422
    if report.id != report_id:
        raise ApiError(422, ErrorCode.ID_MISMATCH, "the id in the body differs from the URL",
                       {"field": "id"})
    now = datetime.now(timezone.utc)
    ingestor.refresh_places()
    prepared = ingestor.prepare(report, now=now, skew=skew)
    if isinstance(prepared, ItemError):
        raise ApiError(422, prepared.code, prepared.message,
                       {"field": prepared.field} if prepared.field else {})
    (res,) = ingestor.store([report], [prepared], author=user, now=now)
    status = ItemStatus(res["status"])
    if status is ItemStatus.INVALID:
        code = ErrorCode(res["error"]["code"])
        raise ApiError(422, code, res["error"]["message"], {"field": AUTHOR_CHECK_FIELD[code]})
    if status is ItemStatus.CONFLICT:
        raise ApiError(409, ErrorCode.REPORT_CONFLICT,
                       "a different report with this id already exists", {"id": report_id})
    return JSONResponse(res, status_code=_STATUS[status])


@router.post("/batch", openapi_extra=docs.body("BatchRequest"),
             responses=docs.answers({200: "BatchResponse"}, *docs.JSON_BODY, 401, 403,
                                    docs.STORAGE_FULL))
def post_batch(user: Submitter, ingestor: IngestorDep, skew: DeviceSkew,
               body: JsonBody) -> JSONResponse:
    """Up to MAX_BATCH reports; one result per item with the PUT semantics (round trips are
    what slow mobile links pay for). Decoding and storing run in this worker thread, never
    on the event loop."""
    items = wire.decode_batch(body)  # each item decoded on its own
    results = ingestor.ingest(items, author=user, skew=skew)
    return JSONResponse({"results": results})


@router.get("", responses=docs.answers({200: {"type": "object"}}, 400, 401, 403, 422))
def list_reports(
    user: Reader,
    storage: StorageDep,
    place_id: str | None = None,
    district_id: str | None = None,
    place_type: wire.PlaceType | None = None,
    agency: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,31}$",
                                        description="an agency's code")] = None,
    author: str | None = None,
    severity: wire.Severity | None = None,
    state: Annotated[wire.ReviewState | None, Query(description="review state")] = None,
    amendments: Annotated[bool, Query(description="include amendments")] = False,
    unread_answers: Annotated[bool, Query(
        description="only reports with an answer to a question that review has not read")] = False,
    since: Annotated[str | None, Query(**docs.declared(TS_SCHEMA, "observed_at >= since (ISO 8601)"))] = None,
    until: Annotated[str | None, Query(**docs.declared(TS_SCHEMA, "observed_at < until (ISO 8601)"))] = None,
    cursor: Annotated[str | None, Query(**docs.declared(
        {"pattern": UUID_RE}, "next_cursor of the previous page (else 400 invalid_cursor)"))] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    """Reports newest first: the review queue with its filters. Shift leads and supervisors see
    all reports; officers their own and their team's. Agency-only reports never leave their
    agency. Each item counts its ``unread_answers``; the page's ``unread_answers`` counts the
    reports with answers waiting for review under the same filters, whatever their state."""
    since, until = utc_param("since", since), utc_param("until", until)
    if cursor is not None and not re.fullmatch(UUID_RE, cursor):
        raise ApiError(400, ErrorCode.INVALID_CURSOR, "unknown cursor")
    flt = ReportFilter(place_id=place_id, district_id=district_id,
                       place_type=place_type.value if place_type else None,
                       agency=agency, author=author,
                       severity=severity.value if severity else None,
                       review_state=state.value if state else None, amendments=amendments,
                       unread_answers=unread_answers, since=since, until=until, before_id=cursor,
                       limit=limit)
    scope = None if allowed(user, Perm.READ_ALL) else storage.team_ids_of(user.id)
    items = storage.list_reports(flt, viewer=user, team_ids=scope)
    next_cursor = items[-1]["report"]["id"] if len(items) == limit else None
    return {"items": items, "next_cursor": next_cursor,
            "unread_answers": storage.count_unread_answers(flt, viewer=user, team_ids=scope)}


def utc_param(name: str, value: str | None) -> str | None:
    """A timestamp query parameter in the stored spelling (UTC, 'Z'), or a 422."""
    if value is None:
        return None
    try:
        moment = wire.parse_timestamp(value).astimezone(timezone.utc)
        if moment.year < 1000:  # no patrol was then, and four-digit years keep times sortable
            raise ValueError(value)
        return wire.format_timestamp(moment)
    except (ValueError, OverflowError):
        raise ApiError(422, ErrorCode.INVALID_VALUE, f"{name} must be an ISO 8601 timestamp",
                       {"field": name}) from None


def _visible_ref(storage, user, report_id: str):
    """The report's access facts, or 404 -- also when it exists but is not the user's to see,
    so that ids of other agencies' reports cannot be probed."""
    if not re.fullmatch(UUID_RE, report_id):
        raise ApiError(400, ErrorCode.INVALID_ID, "the report id must be a lowercase UUID")
    ref = storage.report_refs([report_id]).get(report_id)
    if ref is None or not can_see(user, ref, storage.team_ids_of(user.id)):
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such report")
    return ref


@router.get("/{report_id}", responses=docs.answers({200: {"type": "object"}}, 400, 401, 403, 404))
def report_detail(report_id: ReportId, user: Reader, storage: StorageDep, settings: SettingsDep) -> dict:
    """One report with its place, both presence verdicts, review state, the questions asked,
    the author's amendments and the audit trail (actors with their display names); ``times``
    says when it was claimed, received and counted, the device clock's skew, and the fix's age
    at save against the gate.

    A reviewer opening it reads the answers waiting on it: ``unread_answers`` says how many
    were waiting before this look, and from now on they no longer wait (audited)."""
    _visible_ref(storage, user, report_id)
    detail = storage.report_detail(report_id)
    detail["times"]["max_fix_age_s"] = settings.max_fix_age.total_seconds()
    detail["queries"] = [json.loads(q) for q in storage.queries_of(report_id)]
    detail["amendments"] = [a for a in storage.amendments_of(report_id)
                            if a["visibility"] == "cooperation" or a["agency"] == user.agency]
    if detail["unread_answers"] and allowed(user, Perm.REVIEW):
        storage.mark_answers_read(report_id, actor=user.username,
                                  at=wire.format_timestamp(datetime.now(timezone.utc)))
    trail = [{"at": detail["received_at"], "actor": detail["author"],
              "actor_name": detail["author_name"], "action": "report.submit",
              "detail": {"observed_at": detail["report"]["observed_at"]}}]
    detail["audit"] = trail + storage.audit_trail("report", report_id)
    return detail


@router.post("/{report_id}/review", openapi_extra=docs.body("ReviewRequest"),
             responses=docs.answers({200: {"type": "object"}}, *docs.JSON_BODY, 401, 403, 404,
                                    409, docs.STORAGE_FULL))
def review_report(report_id: ReportId, user: Reviewer, storage: StorageDep,
                  body: JsonBody) -> dict:
    """A review step: start, approve, ask (a question the author receives at the next sync)
    or reject (with a reason). 409 when the report is not in a state that allows the step."""
    req = wire.decode(wire.ReviewRequest, wire.parse_json(body))
    ref = _visible_ref(storage, user, report_id)
    current = wire.ReviewState(ref.review_state)
    target = wire.REVIEW_TRANSITIONS.get((current, req.action))
    if target is None:
        raise ApiError(409, ErrorCode.INVALID_TRANSITION,
                       f"cannot {req.action.value} a report that is {current.value}",
                       {"state": current.value})
    now = wire.format_timestamp(datetime.now(timezone.utc))
    query = None
    if req.action is wire.ReviewAction.ASK:
        q = wire.Query(str(uuid.uuid4()), report_id, req.text.strip(), user.display_name, now,
                       ref.place_id)
        query = (q.id, wire.canonical_json(q).decode())
    if not storage.review(report_id, expected=current.value, new=target.value, actor=user.username,
                          action=req.action.value, text=req.text.strip(), at=now, query=query):
        raise ApiError(409, ErrorCode.INVALID_TRANSITION, "the report changed meanwhile; reload",
                       {"state": storage.report_refs([report_id])[report_id].review_state})
    return {"id": report_id, "review_state": target.value}
