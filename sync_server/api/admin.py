"""Administration: users, agencies, districts, places (with import), checklists, the audit log.

The same operations exist on the command line (``patrol-server ...``); both write the audit log.
"""

from __future__ import annotations

import json
import re
import typing
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

import patrol_wire as wire
from patrol_wire import ErrorCode

from .. import planning
from ..agencies import user_agency_problem
from ..places_import import import_places, rows_from_csv, rows_from_geojson
from ..security import hash_password
from . import docs
from .deps import Admin, JsonBody, RawBody, SettingsDep, StorageDep
from .errors import ApiError
from .shifts import Slug, _slug

router = APIRouter(prefix=f"{wire.API_PREFIX}/admin", tags=["admin"])
AGENCY_RE = typing.get_args(wire.AgencyCode)[1].pattern
AUDIT_ID_MAX = 2**63 - 1  # SQLite's largest integer: a cursor beyond it is a 422, not an overflow


# ------------------------------------------------------------ users and agencies


@router.get("/users", responses=docs.answers({200: {"type": "array"}}, 401, 403))
def list_users(_: Admin, storage: StorageDep) -> list[dict]:
    return [wire.encode(u) for u in planning.directory(storage)]


@router.post("/users", status_code=201, openapi_extra=docs.body("UserCreate"),
             responses=docs.answers({201: "UserRecord"}, *docs.JSON_BODY, 401, 403, 409, docs.STORAGE_FULL))
def create_user(admin: Admin, storage: StorageDep, settings: SettingsDep,
                body: JsonBody) -> JSONResponse:
    req = wire.decode(wire.UserCreate, wire.parse_json(body))
    _agency_ok(storage, req.agency)
    pw_hash = hash_password(req.password, settings.kdf)
    user = storage.create_user(username=req.username, display_name=req.display_name,
                               password_hash=pw_hash, role=req.role, agency=req.agency,
                               actor=admin.username)
    if user is None:
        raise ApiError(409, ErrorCode.USER_EXISTS, "this username is taken", {"field": "username"})
    return JSONResponse(wire.encode(planning.user_record(user)), status_code=201)


@router.patch("/users/{username}", openapi_extra=docs.body("UserUpdate"),
              responses=docs.answers({200: "UserRecord"}, *docs.JSON_BODY, 401, 403, 404, docs.STORAGE_FULL))
def update_user(username: str, admin: Admin, storage: StorageDep, body: JsonBody) -> dict:
    """Change display name, role, agency or disabled. Disabling cuts the user's devices off at
    once; a role or agency change ends their sessions."""
    req = wire.decode(wire.UserUpdate, wire.parse_json(body))
    if username == admin.username and (req.disabled or (req.role and req.role is not wire.Role.ADMIN)):
        raise ApiError(422, ErrorCode.INVALID_VALUE,
                       "you cannot disable or demote yourself; ask another admin")
    if req.agency is not None:
        found = storage.user_by_name(username)
        if found is None:
            raise ApiError(404, ErrorCode.UNKNOWN_USER, "no such user")
        _agency_ok(storage, req.agency, current=found[0].agency)
    user = storage.update_user(username, actor=admin.username, display_name=req.display_name,
                               role=req.role, agency=req.agency, disabled=req.disabled)
    if user is None:
        raise ApiError(404, ErrorCode.UNKNOWN_USER, "no such user")
    return wire.encode(planning.user_record(user))


@router.post("/users/{username}/password", status_code=204,
             openapi_extra=docs.body("PasswordReset"),
             responses=docs.answers({}, *docs.JSON_BODY, 401, 403, 404, docs.STORAGE_FULL))
def reset_password(username: str, admin: Admin, storage: StorageDep, settings: SettingsDep,
                   body: JsonBody) -> Response:
    """Set a new password; the user's sessions end."""
    req = wire.decode(wire.PasswordReset, wire.parse_json(body))
    pw_hash = hash_password(req.password, settings.kdf)
    if not storage.set_password(username, pw_hash, actor=admin.username):
        raise ApiError(404, ErrorCode.UNKNOWN_USER, "no such user")
    return Response(status_code=204)


def _agency_ok(storage: StorageDep, code: str, *, current: str | None = None) -> None:
    problem = user_agency_problem(storage, code, current=current)
    if problem is not None:
        raise ApiError(422, problem[0], problem[1], {"field": "agency"})


AgencyCode = Annotated[str, Path(**docs.declared(
    {"pattern": AGENCY_RE}, "an agency code: 2-32 lowercase letters, digits or '_'"))]


def _with_users(agency: wire.Agency, counts: dict[str, int]) -> dict:
    return {**wire.encode(agency), "users": counts.get(agency.code, 0)}


@router.get("/agencies", responses=docs.answers({200: {"type": "array"}}, 401, 403))
def agencies(_: Admin, storage: StorageDep) -> list[dict]:
    """Every agency of the cooperation, deactivated ones too, with its active users."""
    counts = storage.agency_user_counts()
    return [_with_users(a, counts) for a in storage.list_agencies()]


@router.post("/agencies", status_code=201, openapi_extra=docs.body("AgencyCreate"),
             responses=docs.answers({201: "Agency"}, *docs.JSON_BODY, 401, 403, 409, docs.STORAGE_FULL))
def create_agency(admin: Admin, storage: StorageDep, body: JsonBody) -> JSONResponse:
    """A new agency; devices learn its names at their next sync. The code is for good."""
    req = wire.decode(wire.AgencyCreate, wire.parse_json(body))
    agency = wire.Agency(req.code, req.name_de, req.name_en, req.kind)
    if not storage.create_agency(agency, actor=admin.username):
        raise ApiError(409, ErrorCode.AGENCY_EXISTS, "an agency with this code exists",
                       {"field": "code"})
    return JSONResponse(wire.encode(agency), status_code=201)


@router.patch("/agencies/{code}", openapi_extra=docs.body("AgencyUpdate"),
              responses=docs.answers({200: "Agency"}, *docs.JSON_BODY, 400, 401, 403, 404, docs.STORAGE_FULL))
def update_agency(code: AgencyCode, admin: Admin, storage: StorageDep, body: JsonBody) -> dict:
    """Change names, kind or ``active``. An agency is never deleted: deactivated, it takes no
    new users, while its users, their reports (also those still on a phone) and its figures
    keep it."""
    if not re.fullmatch(AGENCY_RE, code):
        raise ApiError(400, ErrorCode.INVALID_ID, "an agency code: 2-32 lowercase letters,"
                       " digits or '_', starting with a letter")
    req = wire.decode(wire.AgencyUpdate, wire.parse_json(body))
    agency = storage.update_agency(code, actor=admin.username, name_de=req.name_de,
                                   name_en=req.name_en, kind=req.kind, active=req.active)
    if agency is None:
        raise ApiError(404, ErrorCode.UNKNOWN_AGENCY, "no such agency")
    return wire.encode(agency)


# ------------------------------------------------------------ districts, places, checklists


@router.put("/districts/{district_id}", openapi_extra=docs.body("District"),
            responses=docs.answers({200: "District"}, *docs.JSON_BODY, 401, 403, docs.STORAGE_FULL))
def put_district(district_id: Slug, admin: Admin, storage: StorageDep, body: JsonBody) -> dict:
    _slug("district_id", district_id)
    district = wire.decode(wire.District, wire.parse_json(body))
    if district.id != district_id:
        raise ApiError(422, ErrorCode.ID_MISMATCH, "the id in the body differs from the URL",
                       {"field": "id"})
    storage.upsert_district(district.id, wire.canonical_json(district).decode(),
                            actor=admin.username)
    return wire.encode(district)


@router.put("/places/{place_id}", openapi_extra=docs.body("Place"),
            responses=docs.answers({200: "Place"}, *docs.JSON_BODY, 401, 403, docs.STORAGE_FULL))
def put_place(place_id: Slug, admin: Admin, storage: StorageDep, body: JsonBody) -> dict:
    _slug("place_id", place_id)
    data = wire.parse_json(body)
    if not isinstance(data, dict) or data.get("id") != place_id:
        raise ApiError(422, ErrorCode.ID_MISMATCH, "the id in the body differs from the URL",
                       {"field": "id"})
    report = import_places(storage, [("body", data)],
                           known_districts=storage.district_ids(), actor=admin.username)
    if report.rejected:
        raise ApiError(422, ErrorCode.INVALID_VALUE, report.rejected[0][1])
    return json.loads(storage.place_bodies([place_id])[place_id])


@router.post("/places/import", openapi_extra=docs.binary_body("text/csv"),
             responses=docs.answers({200: {"type": "object"}}, 400, 401, 403, 413, 422, docs.STORAGE_FULL))
def import_places_file(
        admin: Admin, storage: StorageDep, raw: RawBody,
        format: Annotated[Literal["csv", "geojson"], Query(description="file format")] = "csv",
) -> dict:
    """Import places from CSV or GeoJSON: valid rows are stored, each rejected row is listed
    with its reason."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, ErrorCode.INVALID_VALUE, "the file must be UTF-8 text") from None
    try:
        rows = (list(rows_from_geojson(wire.parse_json(raw))) if format == "geojson"
                else rows_from_csv(text))
    except wire.WireError:
        raise
    except ValueError as exc:
        raise ApiError(422, ErrorCode.INVALID_VALUE, str(exc)) from None
    report = import_places(storage, rows, known_districts=storage.district_ids(),
                           actor=admin.username)
    return {"imported": report.imported,
            "rejected": [{"row": row, "reason": reason} for row, reason in report.rejected]}


@router.get("/checklists", responses=docs.answers({200: {"type": "array"}}, 401, 403))
def checklists(_: Admin, storage: StorageDep) -> list[dict]:
    """The latest version of each checklist."""
    return [json.loads(b) for b in storage.latest_checklists()]


@router.post("/checklists", status_code=201, openapi_extra=docs.body("Checklist"),
             responses=docs.answers({201: "Checklist"}, *docs.JSON_BODY, 401, 403, 409, docs.STORAGE_FULL))
def new_checklist_version(admin: Admin, storage: StorageDep, body: JsonBody) -> JSONResponse:
    """A new checklist version (above the latest); reports keep the version they were filled
    with, devices get the new one at the next sync."""
    checklist = wire.decode(wire.Checklist, wire.parse_json(body))
    if storage.add_checklist_version(checklist.id, checklist.version, checklist.place_type.value,
                                     wire.canonical_json(checklist).decode(),
                                     actor=admin.username) is None:
        raise ApiError(409, ErrorCode.VERSION_CONFLICT,
                       "this version exists already; number the new one above the latest",
                       {"field": "version"})
    return JSONResponse(wire.encode(checklist), status_code=201)


@router.get("/audit", responses=docs.answers({200: {"type": "object"}}, 401, 403, 422))
def audit_log(_: Admin, storage: StorageDep,
              cursor: Annotated[int | None, Query(ge=1, le=AUDIT_ID_MAX)] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    """The audit log, newest first (append-only: the database refuses updates and deletes)."""
    items = storage.audit_log(before_id=cursor, limit=limit)
    return {"items": items, "next_cursor": items[-1]["id"] if len(items) == limit else None}
