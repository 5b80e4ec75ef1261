"""Request dependencies: the storage, the settings, the request body and the authenticated user.

The event loop never waits for the database or for CPU-bound parsing: a dependency that only
reads ``app.state`` (or awaits the body) is ``async def`` and runs on the loop, costing no
thread; one that queries the database (``current_user``) is plain ``def``, so FastAPI runs it
in the thread pool, and so are the handlers themselves, which take the body already read.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request

from patrol_wire import ErrorCode

from ..access import Perm, allowed
from ..config import Settings
from ..ingest import Ingestor
from ..places import PlaceBook
from ..security import token_digest
from ..storage import PhotoStore, Storage, User
from .errors import ApiError


async def get_storage(request: Request) -> Storage:
    return request.app.state.storage


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_ingestor(request: Request) -> Ingestor:
    return request.app.state.ingestor


async def get_places(request: Request) -> PlaceBook:
    return request.app.state.places


async def get_photo_files(request: Request) -> PhotoStore:
    return request.app.state.photo_files


async def raw_body(request: Request) -> bytes:
    """The whole body, awaited on the loop (the BodyLimit middleware caps its size)."""
    return await request.body()


async def json_body(request: Request) -> bytes:
    """The body of a JSON request, unparsed: parsing is CPU work for the handler's thread."""
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send application/json")
    return await request.body()


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


def _needs(perm: Perm):
    async def check(user: Annotated[User, Depends(current_user)]) -> User:
        if not allowed(user, perm):
            raise ApiError(403, ErrorCode.FORBIDDEN,
                           f"the role '{user.role.value}' may not do this ({perm.value})")
        return user
    return check


StorageDep = Annotated[Storage, Depends(get_storage)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
IngestorDep = Annotated[Ingestor, Depends(get_ingestor)]
PhotoFilesDep = Annotated[PhotoStore, Depends(get_photo_files)]
PlacesDep = Annotated[PlaceBook, Depends(get_places)]
UserDep = Annotated[User, Depends(current_user)]
RawBody = Annotated[bytes, Depends(raw_body)]
JsonBody = Annotated[bytes, Depends(json_body)]
Syncer = Annotated[User, Depends(_needs(Perm.SYNC))]
Submitter = Annotated[User, Depends(_needs(Perm.SUBMIT))]
Reviewer = Annotated[User, Depends(_needs(Perm.REVIEW))]
Planner = Annotated[User, Depends(_needs(Perm.PLAN))]
ProgressViewer = Annotated[User, Depends(_needs(Perm.PROGRESS))]
Admin = Annotated[User, Depends(_needs(Perm.ADMIN))]
Analyst = Annotated[User, Depends(_needs(Perm.SITUATION))]
ComplaintReader = Annotated[User, Depends(_needs(Perm.COMPLAINTS))]
GapReader = Annotated[User, Depends(_needs(Perm.COMPLAINT_GAPS))]
OperationPlanner = Annotated[User, Depends(_needs(Perm.OPERATIONS))]
OperationReader = Annotated[User, Depends(_needs(Perm.OPERATIONS_READ))]
AllReader = Annotated[User, Depends(_needs(Perm.READ_ALL))]


async def readers(user: UserDep) -> User:
    """Anyone who may read some reports (own, team's or all)."""
    if not (allowed(user, Perm.READ_OWN) or allowed(user, Perm.READ_ALL)):
        raise ApiError(403, ErrorCode.FORBIDDEN, f"the role '{user.role.value}' reads no reports")
    return user


Reader = Annotated[User, Depends(readers)]
