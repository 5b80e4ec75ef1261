"""Request dependencies: the storage, the settings and the authenticated user."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request

from patrol_wire import ErrorCode

from ..config import Settings
from ..ingest import Ingestor
from ..security import token_digest
from ..storage import PhotoFiles, Storage, User
from .errors import ApiError


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_ingestor(request: Request) -> Ingestor:
    return request.app.state.ingestor


def get_photo_files(request: Request) -> PhotoFiles:
    return request.app.state.photo_files


_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def current_user(request: Request, storage: Annotated[Storage, Depends(get_storage)]) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, ErrorCode.AUTH_REQUIRED, "a bearer token is required", headers=_CHALLENGE)
    found = storage.user_for_token(token_digest(token.strip()), now=time.time())
    if found is None:
        raise ApiError(401, ErrorCode.AUTH_REQUIRED, "the token is unknown, revoked or its user disabled",
                       headers=_CHALLENGE)
    user, expires_at = found
    if expires_at < time.time():
        raise ApiError(401, ErrorCode.TOKEN_EXPIRED, "the token has expired; log in again",
                       headers=_CHALLENGE)
    return user


StorageDep = Annotated[Storage, Depends(get_storage)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
IngestorDep = Annotated[Ingestor, Depends(get_ingestor)]
PhotoFilesDep = Annotated[PhotoFiles, Depends(get_photo_files)]
UserDep = Annotated[User, Depends(current_user)]
