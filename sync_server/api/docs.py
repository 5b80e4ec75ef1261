"""OpenAPI from the wire model: request and response schemas come from patrol_wire, not pydantic.

Endpoints read their bodies raw and decode them with patrol_wire (one definition for device and
server, on msgspec); these helpers put the same definitions, as msgspec states them, into
``/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

import patrol_wire as wire

WIRE_TYPES = [wire.Report, wire.ReportResult, wire.BatchRequest, wire.BatchResponse,
              wire.PhotoResult, wire.LoginRequest, wire.LoginResponse, wire.SyncPage,
              wire.ReviewRequest, wire.TeamRequest, wire.RouteTemplate, wire.AssignRequest,
              wire.ReassignRequest, wire.Assignment, wire.TeamProgress, wire.UserCreate,
              wire.UserUpdate, wire.PasswordReset, wire.UserRecord, wire.District, wire.Place,
              wire.Checklist, wire.Situation, wire.ComplaintPicture,
              wire.ComplaintSuggestions, wire.Agency, wire.AgencyCreate, wire.AgencyUpdate,
              wire.OperationRequest, wire.Operation, wire.OperationFeed, wire.OperationSummary]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def body(name: str, media: str = "application/json") -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {media: {"schema": ref(name)}}}}


def binary_body(media: str) -> dict[str, Any]:
    return {"requestBody": {"required": True,
                            "content": {media: {"schema": {"type": "string", "format": "binary"}}}}}


def answers(ok: dict[int, str | dict], *errors: int) -> dict[int | str, dict[str, Any]]:
    """Response docs: success codes with a wire schema name (or inline schema), error codes."""
    out: dict[int | str, dict[str, Any]] = {}
    for status, schema in ok.items():
        s = ref(schema) if isinstance(schema, str) else schema
        out[status] = {"description": "OK", "content": {"application/json": {"schema": s}}}
    for status in errors:
        out[status] = {"description": "Error", "content": {"application/json": {"schema": ref("Error")}}}
    return out


# What every endpoint that reads a JSON body may answer besides its own codes: malformed JSON,
# a body over its limit, another media type, a value the wire model refuses. 507: a write found
# the disk full.
JSON_BODY = (400, 413, 415, 422)
STORAGE_FULL = 507


def declared(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """Keyword arguments for ``Path``/``Query``: a rule the endpoint checks itself (answering
    400 invalid_id or invalid_cursor, as clients expect), declared in the document only --
    FastAPI would refuse with 422 a rule it enforced."""
    return {"json_schema_extra": schema, "description": description}


def _validation_errors_are_errors(schema: dict[str, Any]) -> None:
    """FastAPI documents its own 422 body on every operation with parameters; ours is the one
    error shape (``errors.py`` turns FastAPI's validation errors into it)."""
    for ops in schema.get("paths", {}).values():
        for op in ops.values():
            r = op.get("responses", {}).get("422")
            if r and "HTTPValidationError" in str(r):
                op["responses"]["422"] = answers({}, 422)[422]
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        _validation_errors_are_errors(schema)
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps.update(wire.schema_components(WIRE_TYPES))
        comps["Error"] = wire.ERROR_SCHEMA
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}}
        schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
