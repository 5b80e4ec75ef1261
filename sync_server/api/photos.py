"""PUT /api/v1/photos/{sha256}: content-addressed photo upload."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

import patrol_wire as wire
from patrol_wire import ErrorCode, ItemStatus
from patrol_wire.codec import SHA256_RE

from ..image_check import NotAnImage, check_image
from . import docs
from ..access import can_see
from .deps import PhotoFilesDep, Reader, StorageDep, Submitter
from .errors import ApiError

router = APIRouter(prefix=f"{wire.API_PREFIX}/photos", tags=["photos"])

_MEDIA = {"image/jpeg", "image/png", "image/webp", "application/octet-stream"}


@router.put("/{sha256}", openapi_extra=docs.binary_body("image/jpeg"),
            responses=docs.answers({200: "PhotoResult", 201: "PhotoResult"},
                                   400, 401, 413, 415, 422, 507))
async def put_photo(sha256: str, request: Request, user: Submitter, storage: StorageDep,
                    files: PhotoFilesDep) -> JSONResponse:
    """Store a photo named by the sha256 of its bytes. The bytes must hash to the name, decode
    as a sane image and belong to one of the uploader's reports. 201 new, 200 already stored."""
    if not re.fullmatch(SHA256_RE, sha256):
        raise ApiError(400, ErrorCode.INVALID_ID, "the photo name must be 64 lowercase hex digits")
    ctype = request.headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()
    if ctype not in _MEDIA:
        raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the image bytes as image/jpeg")
    data = await request.body()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ApiError(422, ErrorCode.PHOTO_HASH_MISMATCH, "the bytes do not hash to the name")
    if not storage.photo_referenced_by(sha256, user.id):
        raise ApiError(422, ErrorCode.PHOTO_NOT_REFERENCED,
                       "upload the report that lists this photo first")
    if storage.photo_exists(sha256) and files.exists(sha256):
        return JSONResponse(wire.encode(wire.PhotoResult(sha256, ItemStatus.IDENTICAL)), 200)
    try:
        info = await run_in_threadpool(check_image, data)
    except NotAnImage as exc:
        raise ApiError(422, ErrorCode.PHOTO_NOT_AN_IMAGE, f"not a usable image: {exc}") from None
    await run_in_threadpool(files.write, sha256, data)  # file first: a row always has its file
    created = storage.add_photo(sha256=sha256, size=len(data), width=info.width,
                                height=info.height, fmt=info.format, uploaded_by=user.id,
                                received_at=wire.format_timestamp(datetime.now(timezone.utc)),
                                actor=user.username)
    status = ItemStatus.CREATED if created else ItemStatus.IDENTICAL
    return JSONResponse(wire.encode(wire.PhotoResult(sha256, status)), 201 if created else 200)


@router.get("/{sha256}", responses={200: {"description": "the JPEG",
                                          "content": {"image/jpeg": {}}},
                                    **docs.answers({}, 400, 401, 403, 404)})
def get_photo(sha256: str, user: Reader, storage: StorageDep, files: PhotoFilesDep) -> FileResponse:
    """A photo, to whoever may see one of the reports that list it (agency rule included)."""
    if not re.fullmatch(SHA256_RE, sha256):
        raise ApiError(400, ErrorCode.INVALID_ID, "the photo name must be 64 lowercase hex digits")
    teams = storage.team_ids_of(user.id)
    if not any(can_see(user, ref, teams) for ref in storage.photo_report_refs(sha256)) \
            or not files.exists(sha256):
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such photo")
    return FileResponse(files.path(sha256), media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=86400, immutable"})
