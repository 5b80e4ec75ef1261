"""The one catalogue of machine-readable error codes.

Every error the server sends has the shape ``{"error": {"code", "message", "details"}}`` where
``code`` is one of these values. The codes are a public contract: the device maps them to
sentences an officer understands, so a code is never renamed, only added.
"""

from __future__ import annotations

import enum
from typing import Any


@enum.unique  # two names for one code would be one code with two meanings
class ErrorCode(str, enum.Enum):
    # request shape
    MALFORMED_JSON = "malformed_json"
    INVALID_TYPE = "invalid_type"
    INVALID_VALUE = "invalid_value"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_ID = "invalid_id"
    ID_MISMATCH = "id_mismatch"
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"
    BODY_TOO_LARGE = "body_too_large"
    BATCH_TOO_LARGE = "batch_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    # auth
    AUTH_REQUIRED = "auth_required"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOKEN_EXPIRED = "token_expired"
    FORBIDDEN = "forbidden"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    # domain
    REPORT_CONFLICT = "report_conflict"
    UNKNOWN_PLACE = "unknown_place"
    PHOTO_HASH_MISMATCH = "photo_hash_mismatch"
    PHOTO_NOT_AN_IMAGE = "photo_not_an_image"
    PHOTO_NOT_REFERENCED = "photo_not_referenced"
    INVALID_CURSOR = "invalid_cursor"
    NOT_FOUND = "not_found"
    UNKNOWN_REPORT = "unknown_report"
    UNKNOWN_TEAM = "unknown_team"
    UNKNOWN_ROUTE = "unknown_route"
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_ASSIGNMENT = "unknown_assignment"
    INVALID_TRANSITION = "invalid_transition"
    USER_EXISTS = "user_exists"
    VERSION_CONFLICT = "version_conflict"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # server
    INTERNAL_ERROR = "internal_error"
    UNAVAILABLE = "unavailable"
    # authz
    NOT_TEAM_MEMBER = "not_team_member"
    STORAGE_FULL = "storage_full"  # device: the server's disk or database is full (507, transient)
    # agencies (data since issue 16)
    UNKNOWN_AGENCY = "unknown_agency"
    AGENCY_EXISTS = "agency_exists"
    AGENCY_INACTIVE = "agency_inactive"  # no new user of a deactivated agency
    # joint operations (issue 16.2)
    UNKNOWN_OPERATION = "unknown_operation"
    INVALID_AREA = "invalid_area"  # the polygon is no area (too few corners, on one line)


def error_body(code: ErrorCode, message: str, details: dict[str, Any] | None = None) -> dict:
    """The single JSON error shape, used for every error response."""
    return {"error": {"code": code.value, "message": message, "details": details or {}}}


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "enum": [c.value for c in ErrorCode]},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}
