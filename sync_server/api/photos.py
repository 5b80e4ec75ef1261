"""PUT and GET /api/v1/photos/{sha256}: content-addressed photos."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated
from datetime import datetime, timezone

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

import patrol_wire as wire
from patrol_wire import ErrorCode, ItemStatus
from patrol_wire.fields import SHA256_RE

from ..image_check import MEDIA_TYPES, NotAnImage, checked
from . import docs
from ..access import can_see
from .deps import PhotoFilesDep, Reader, StorageDep, Submitter
from .errors import ApiError

router = APIRouter(prefix=f"{wire.API_PREFIX}/photos", tags=["photos"])

_MEDIA = {"image/jpeg", "image/png", "image/webp", "application/octet-stream"}
Sha256 = Annotated[str, Path(**docs.declared({"pattern": SHA256_RE}, "64 lowercase hex digits"))]


WRITE_CHUNK = 256 * 1024  # what an upload buffers before a worker thread hashes and writes it


def _write(fh, digest, data: bytes | bytearray) -> None:
    digest.update(data)
    fh.write(data)


def _known(storage, files, sha256: str, digest, user) -> bool:
    """The checks before the decode: the name, a report that lists the photo; True when the
    photo is stored already."""
    if digest.hexdigest() != sha256:
        raise ApiError(422, ErrorCode.PHOTO_HASH_MISMATCH, "the bytes do not hash to the name")
    if not storage.photo_referenced_by(sha256, user.id):
        raise ApiError(422, ErrorCode.PHOTO_NOT_REFERENCED,
                       "upload the report that lists this photo first")
    return storage.photo_format(sha256) is not None and files.exists(sha256)


def _adopt(storage, files, sha256: str, tmp, size: int, info, user) -> bool:
    files.adopt(sha256, tmp)  # file first: a row always has its file
    return storage.add_photo(sha256=sha256, size=size, width=info.width, height=info.height,
                             fmt=info.format, uploaded_by=user.id,
                             received_at=wire.format_timestamp(datetime.now(timezone.utc)),
                             actor=user.username)


@router.put("/{sha256}", openapi_extra=docs.binary_body("image/jpeg"),
            responses=docs.answers({200: "PhotoResult", 201: "PhotoResult"},
                                   400, 401, 403, 413, 415, 422, docs.STORAGE_FULL))
async def put_photo(sha256: Sha256, request: Request, user: Submitter, storage: StorageDep,
                    files: PhotoFilesDep) -> JSONResponse:
    """Store a photo named by the sha256 of its bytes. The bytes must hash to the name, decode
    as a sane image and belong to one of the uploader's reports. 201 new, 200 already stored.

    The body streams to a temporary file as it arrives (hashed on the way), so 32 uploads of
    10 MB hold 32 small buffers, not 320 MB; the file gets its name once it proved good.
    ``async`` because it awaits the stream; every file write, query and decode is a hop to a
    thread, so the event loop waits for none of them."""
    if not re.fullmatch(SHA256_RE, sha256):
        raise ApiError(400, ErrorCode.INVALID_ID, "the photo name must be 64 lowercase hex digits")
    ctype = request.headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()
    if ctype not in _MEDIA:
        raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the image bytes as image/jpeg")
    fh, tmp = await run_in_threadpool(files.temp_file)
    try:
        digest, size, pending = hashlib.sha256(), 0, bytearray()
        try:
            async for chunk in request.stream():
                pending += chunk
                size += len(chunk)
                if len(pending) >= WRITE_CHUNK:
                    await run_in_threadpool(_write, fh, digest, bytes(pending))
                    pending.clear()
            await run_in_threadpool(_write, fh, digest, pending)
        finally:
            await run_in_threadpool(fh.close)
        if await run_in_threadpool(_known, storage, files, sha256, digest, user):
            return JSONResponse(wire.encode(wire.PhotoResult(sha256, ItemStatus.IDENTICAL)), 200)
        try:
            info = await checked(tmp)
        except NotAnImage as exc:
            raise ApiError(422, ErrorCode.PHOTO_NOT_AN_IMAGE, f"not a usable image: {exc}") from None
        created = await run_in_threadpool(_adopt, storage, files, sha256, tmp, size, info, user)
    finally:
        await run_in_threadpool(tmp.unlink, missing_ok=True)
    status = ItemStatus.CREATED if created else ItemStatus.IDENTICAL
    return JSONResponse(wire.encode(wire.PhotoResult(sha256, status)), 201 if created else 200)


@router.get("/{sha256}", responses={200: {"description": "the photo as stored",
                                          "content": {m: {} for m in sorted(set(MEDIA_TYPES.values()))}},
                                    **docs.answers({}, 400, 401, 403, 404)})
def get_photo(sha256: Sha256, user: Reader, storage: StorageDep, files: PhotoFilesDep) -> Response:
    """A photo, to whoever may see one of the reports that list it (agency rule and an
    officer's team scope included); served as the format it was stored in."""
    if not re.fullmatch(SHA256_RE, sha256):
        raise ApiError(400, ErrorCode.INVALID_ID, "the photo name must be 64 lowercase hex digits")
    teams = storage.team_ids_of(user.id)
    fmt = storage.photo_format(sha256)
    if fmt is None or not files.exists(sha256) \
            or not any(can_see(user, ref, teams) for ref in storage.photo_report_refs(sha256)):
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such photo")
    return files.response(sha256, MEDIA_TYPES.get(fmt, "application/octet-stream"),
                          {"Cache-Control": "private, max-age=86400, immutable"})
