"""Shift leads: the people directory, teams, route templates, assignments and live progress."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

import patrol_wire as wire
from patrol_wire import ErrorCode
from patrol_wire.fields import SLUG_RE

from .. import planning
from . import docs
from .deps import JsonBody, Planner, ProgressViewer, SettingsDep, StorageDep
from .errors import ApiError
from .reports import utc_param

router = APIRouter(prefix=wire.API_PREFIX, tags=["shifts"])

Slug = Annotated[str, Path(**docs.declared({"pattern": SLUG_RE},
                                           "1-64 letters, digits, '_', '-' or '.'"))]
At = Annotated[str | None, Query(**docs.declared({"format": "date-time"}, "default: now"))]


def _slug(name: str, value: str) -> None:
    if not re.fullmatch(SLUG_RE, value):
        raise ApiError(400, ErrorCode.INVALID_ID, f"{name}: 1-64 letters, digits, '_', '-' or '.'")


@router.get("/directory", responses=docs.answers({200: {"type": "array"}}, 401, 403))
def people(_: Planner, storage: StorageDep) -> list[dict]:
    """Active users with role and agency, to put teams together."""
    return [wire.encode(u) for u in planning.directory(storage) if not u.disabled]


@router.get("/teams", responses=docs.answers({200: {"type": "array"}}, 401, 403))
def list_teams(_: Planner, storage: StorageDep) -> list[dict]:
    """Every team with its members; ``mixed`` is false unless they come from two agencies or more."""
    out = []
    for team_id, _name, _day in storage.list_teams():
        team = planning.team_of(storage, team_id)
        out.append({**wire.encode(team), "mixed": team.is_mixed})
    return out


@router.put("/teams/{team_id}", openapi_extra=docs.body("TeamRequest"),
            responses=docs.answers({200: {"type": "object"}}, *docs.JSON_BODY, 401, 403, docs.STORAGE_FULL))
def put_team(team_id: Slug, user: Planner, storage: StorageDep, body: JsonBody) -> dict:
    """Create or change a team. A team whose members all come from one agency is allowed but
    flagged (``mixed: false``). Members see the change at their next sync."""
    _slug("team_id", team_id)
    req = wire.decode(wire.TeamRequest, wire.parse_json(body))
    users = storage.users_by_name(req.members)
    unknown = [m for m in req.members if m not in users or users[m].disabled]
    if unknown:
        raise ApiError(422, ErrorCode.UNKNOWN_USER, f"unknown or disabled user: {', '.join(unknown)}",
                       {"field": "members", "usernames": unknown})
    storage.upsert_team(team_id, req.name, req.shift_date, [users[m].id for m in req.members],
                        actor=user.username)
    team = planning.team_of(storage, team_id)
    return {**wire.encode(team), "mixed": team.is_mixed}


@router.get("/routes", responses=docs.answers({200: {"type": "array"}}, 401, 403))
def list_routes(_: Planner, storage: StorageDep) -> list[dict]:
    return [json.loads(b) for b in storage.list_routes()]


@router.put("/routes/{route_id}", openapi_extra=docs.body("RouteTemplate"),
            responses=docs.answers({200: "RouteTemplate"}, *docs.JSON_BODY, 401, 403, docs.STORAGE_FULL))
def put_route(route_id: Slug, user: Planner, storage: StorageDep, body: JsonBody) -> dict:
    """Save a route template: ordered stops, each with a window in minutes after shift start."""
    _slug("route_id", route_id)
    data = wire.parse_json(body)
    template = wire.decode(wire.RouteTemplate, data)
    if template.id != route_id:
        raise ApiError(422, ErrorCode.ID_MISMATCH, "the id in the body differs from the URL",
                       {"field": "id"})
    known = storage.place_bodies(s.place_id for s in template.stops)
    for i, stop in enumerate(template.stops):
        if stop.place_id not in known:
            raise ApiError(422, ErrorCode.UNKNOWN_PLACE, f"no place {stop.place_id!r}",
                           {"field": f"stops[{i}].place_id"})
    storage.upsert_route(route_id, wire.canonical_json(template).decode(), actor=user.username)
    return wire.encode(template)


def _decode_assignment(body: str) -> wire.Assignment:
    return wire.decode(wire.Assignment, json.loads(body))


@router.post("/assignments", status_code=201, openapi_extra=docs.body("AssignRequest"),
             responses=docs.answers({201: "Assignment"}, *docs.JSON_BODY, 401, 403, docs.STORAGE_FULL))
def assign(user: Planner, storage: StorageDep, body: JsonBody) -> JSONResponse:
    """Assign a route template to a team for one shift; the team's devices get it at the
    next sync."""
    req = wire.decode(wire.AssignRequest, wire.parse_json(body))
    body = storage.route(req.route_id)
    if body is None:
        raise ApiError(422, ErrorCode.UNKNOWN_ROUTE, "no such route", {"field": "route_id"})
    if storage.team_row(req.team_id) is None:
        raise ApiError(422, ErrorCode.UNKNOWN_TEAM, "no such team", {"field": "team_id"})
    start, end = utc_param("shift_start", req.shift_start), utc_param("shift_end", req.shift_end)
    template = wire.decode(wire.RouteTemplate, json.loads(body))
    a = planning.concrete_assignment(template, req.team_id, start, end)
    storage.upsert_assignment(a.id, a.team_id, wire.canonical_json(a).decode(), shift_start=start,
                              shift_end=end, actor=user.username)
    return JSONResponse(wire.encode(a), status_code=201)


@router.post("/assignments/{assignment_id}/reassign", openapi_extra=docs.body("ReassignRequest"),
             responses=docs.answers({200: "Assignment"}, *docs.JSON_BODY, 401, 403, 404, docs.STORAGE_FULL))
def reassign(assignment_id: Slug, user: Planner, storage: StorageDep, settings: SettingsDep,
             body: JsonBody) -> dict:
    """Mid-shift: the stops still open go to another team; the old team's devices see the old
    assignment ended at their next sync."""
    _slug("assignment_id", assignment_id)
    req = wire.decode(wire.ReassignRequest, wire.parse_json(body))
    found = storage.assignment(assignment_id)
    if found is None:
        raise ApiError(404, ErrorCode.UNKNOWN_ASSIGNMENT, "no such assignment")
    old = _decode_assignment(found[1])
    if not old.active:
        raise ApiError(422, ErrorCode.UNKNOWN_ASSIGNMENT, "this assignment was already handed over")
    if storage.team_row(req.team_id) is None or req.team_id == old.team_id:
        raise ApiError(422, ErrorCode.UNKNOWN_TEAM, "name another existing team", {"field": "team_id"})
    new = planning.handover(storage, old, req.team_id, now=datetime.now(timezone.utc),
                            grace=settings.missed_grace)
    if new is None:
        raise ApiError(422, ErrorCode.INVALID_VALUE, "no open stops are left to hand over")
    retired = wire.replace(old, active=False)
    storage.reassign((old.id, old.team_id, wire.canonical_json(retired).decode()),
                     (new.id, new.team_id, wire.canonical_json(new).decode()),
                     shift_start=utc_param("shift_start", old.shift_start),
                     shift_end=utc_param("shift_end", old.shift_end), actor=user.username)
    return wire.encode(new)


@router.get("/assignments", responses=docs.answers({200: {"type": "array"}}, 401, 403, 422))
def list_assignments(_: ProgressViewer, storage: StorageDep, at: At = None) -> list[dict]:
    """Active assignments of the shifts around ``at``."""
    now = wire.parse_timestamp(utc_param("at", at)) if at else datetime.now(timezone.utc)
    return [wire.encode(a) for a in planning.current_assignments(storage, now)]


@router.get("/progress", responses=docs.answers({200: {"type": "array"}}, 401, 403, 422))
def progress(user: ProgressViewer, storage: StorageDep, settings: SettingsDep,
             at: At = None) -> list[dict]:
    """Per team on shift: stops done / late / open / missed (missed: the window ended more than
    the grace period ago without an on-site check; late: checked on site after that, within
    the shift), and its last report. The agency rule applies: check times and the last report
    come only from reports the viewer may read; a stop checked by another agency's agency-only
    report counts as done, without its time."""
    now = wire.parse_timestamp(utc_param("at", at)) if at else datetime.now(timezone.utc)
    return [wire.encode(planning.progress(storage, a, now=now, grace=settings.missed_grace,
                                          viewer_agency=user.agency))
            for a in planning.current_assignments(storage, now)]
