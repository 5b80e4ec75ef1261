"""Administration: users, agencies, districts, places (with import), checklists, the audit log.

The same operations exist on the command line (``patrol-server ...``); both write the audit log.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

import patrol_wire as wire
from patrol_wire import ErrorCode

from .. import planning
from ..places_import import import_places, rows_from_csv, rows_from_geojson
from ..security import hash_password
from . import docs
from .deps import Admin, JsonBody, RawBody, SettingsDep, StorageDep
from .errors import ApiError
from .shifts import Slug, _slug

router = APIRouter(prefix=f"{wire.API_PREFIX}/admin", tags=["admin"])
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


@router.get("/agencies", responses=docs.answers({200: {"type": "array"}}, 401, 403))
def agencies(_: Admin, storage: StorageDep) -> list[dict]:
    """The agencies of the cooperation (a fixed part of the wire contract) and their users."""
    users = storage.list_users()
    return [{"code": a.value, "users": sum(1 for u in users if u.agency is a and not u.disabled)}
            for a in wire.Agency]


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
