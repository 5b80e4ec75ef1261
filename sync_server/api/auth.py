"""POST /api/v1/auth/login and /logout."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

import patrol_wire as wire
from patrol_wire import ErrorCode

from ..security import dummy_verify, new_token, token_digest, verify_password
from . import docs
from .deps import SettingsDep, StorageDep, UserDep
from .errors import ApiError

router = APIRouter(prefix=f"{wire.API_PREFIX}/auth", tags=["auth"])


@router.post("/login", openapi_extra={**docs.body("LoginRequest"), "security": []},
             responses=docs.answers({200: "LoginResponse"}, 400, 401, 422))
async def login(request: Request, storage: StorageDep, settings: SettingsDep) -> dict:
    req = wire.decode(wire.LoginRequest, wire.parse_json(await request.body()))
    found = storage.user_by_name(req.username)
    if found is None:
        await run_in_threadpool(dummy_verify, settings.kdf)  # same time as a real check
        ok = False
    else:
        user, stored = found
        ok = await run_in_threadpool(verify_password, req.password, stored) and not user.disabled
    if not ok:
        raise ApiError(401, ErrorCode.INVALID_CREDENTIALS, "wrong username or password")
    token = new_token()
    expires = time.time() + settings.token_ttl.total_seconds()
    storage.store_token(token_hash=token_digest(token), user_id=user.id, expires_at=expires)
    info = wire.UserInfo(user.username, user.display_name, user.role, user.agency,
                         storage.team_ids_of(user.id))
    return wire.encode(wire.LoginResponse(
        token, wire.format_timestamp(datetime.fromtimestamp(expires, timezone.utc)), info))


@router.post("/logout", status_code=204, responses=docs.answers({}, 401))
def logout(request: Request, storage: StorageDep, _: UserDep) -> None:
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    storage.revoke_token(token_digest(token))
