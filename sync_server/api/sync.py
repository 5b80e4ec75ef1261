"""GET /api/v1/sync: reference data changed for this user since a cursor."""

from __future__ import annotations

import json
import re
from typing import Annotated

from fastapi import APIRouter, Query

import patrol_wire as wire
from patrol_wire import ErrorCode

from . import docs
from .deps import StorageDep, Syncer
from .errors import ApiError

router = APIRouter(prefix=wire.API_PREFIX, tags=["sync"])

PAGE_SIZE = 1000
_CURSOR = re.compile(r"^c1\.(\d{1,18})$")


def _parse_cursor(cursor: str | None) -> int:
    if cursor is None or cursor == "":
        return 0
    m = _CURSOR.fullmatch(cursor)
    if m is None:
        raise ApiError(400, ErrorCode.INVALID_CURSOR, "unknown cursor; sync from the start")
    return int(m.group(1))


@router.get("/sync", responses=docs.answers({200: "SyncPage"}, 400, 401, 422))
def pull(user: Syncer, storage: StorageDep,
         cursor: Annotated[str | None, Query(**docs.declared(
             {"pattern": r"^(c1\.[0-9]{1,18})?$"},
             "next_cursor of the previous pull (else 400 invalid_cursor)"))] = None,
         limit: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = PAGE_SIZE,
         agencies: Annotated[bool, Query(description=(
             "include the agencies changed since the cursor (a client that knows the field; "
             "older ones refuse a page with a field they do not know)"))] = False,
         operations: Annotated[bool, Query(description=(
             "include the joint operations of my teams changed since the cursor (their "
             "briefings; a client that knows the field)"))] = False) -> dict:
    """Districts, places, checklists, my teams, my assignments, the questions about my
    reports and (asked for) the agencies and my teams' joint operations changed since ``cursor``. A team I was removed
    from comes once more, without me."""
    seq = _parse_cursor(cursor)
    changes, next_seq, has_more = storage.changes_since(seq, user=user, limit=limit)
    teams = []
    for _, team_id in changes["teams"]:
        row = storage.team_row(team_id)
        if row is None:
            continue
        members = [wire.TeamMember(u.username, u.display_name, u.agency)
                   for u in storage.team_members(team_id)]
        teams.append(wire.encode(wire.Team(row[0], row[1], members, row[2])))
    page = {
        "next_cursor": f"c1.{next_seq}",
        "has_more": has_more,
        "districts": [json.loads(b) for _, b in changes["districts"]],
        "places": [json.loads(b) for _, b in changes["places"]],
        "checklists": [json.loads(b) for _, b in changes["checklists"]],
        "teams": teams,
        "assignments": [json.loads(b) for _, b in changes["assignments"]],
        "queries": [json.loads(b) for _, b in changes["queries"]],
    }
    if operations:
        page["operations"] = [json.loads(b) for _, b in changes["operations"]]
    if agencies:
        known = {a.code: a for a in storage.list_agencies()} if changes["agencies"] else {}
        page["agencies"] = [wire.encode(known[code]) for _, code in changes["agencies"]
                            if code in known]
    return page
