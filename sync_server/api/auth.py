"""POST /api/v1/auth/login and /logout."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from fastapi import APIRouter, Request

import patrol_wire as wire
from patrol_wire import ErrorCode

from ..security import dummy_verify, new_token, token_digest, verify_password
from . import docs
from .deps import RawBody, SettingsDep, StorageDep, UserDep
from .errors import ApiError

router = APIRouter(prefix=f"{wire.API_PREFIX}/auth", tags=["auth"])


def _throttle(storage, settings, keys: list[str], now: float) -> None:
    """429 while a user or an address has too many recent failures -- checked before the
    password, so a flood of guesses costs no key derivation."""
    window = settings.login_window.total_seconds()
    seen = storage.login_failures(keys, since=now - window)
    for key, limit in zip(keys, (settings.login_max_per_user, settings.login_max_per_address)):
        n, oldest = seen.get(key, (0, now))
        if n >= limit:
            wait = max(1, int(oldest + window - now) + 1)
            raise ApiError(429, ErrorCode.TOO_MANY_ATTEMPTS,
                           f"too many failed logins; try again in {wait} s",
                           {"retry_after_s": wait}, headers={"Retry-After": str(wait)})


@router.post("/login", openapi_extra={**docs.body("LoginRequest"), "security": []},
             responses=docs.answers({200: "LoginResponse"}, 400, 401, 413, 422, 429,
                                    docs.STORAGE_FULL))
def login(request: Request, storage: StorageDep, settings: SettingsDep, body: RawBody) -> dict:
    """A bearer token for username and password (the key derivation runs in this worker
    thread, like the queries: the event loop never waits for either)."""
    req = wire.decode(wire.LoginRequest, wire.parse_json(body))
    now = time.time()
    address = request.client.host if request.client else "unknown"
    keys = [f"user:{req.username.lower()}", f"addr:{address}"]
    _throttle(storage, settings, keys, now)
    found = storage.user_by_name(req.username)
    if found is None:
        dummy_verify(settings.kdf)  # same time as a real check
        ok = False
    else:
        user, stored = found
        ok = verify_password(req.password, stored) and not user.disabled
    if not ok:
        storage.record_login_failure(keys, at=now,
                                     forget_before=now - settings.login_window.total_seconds())
        raise ApiError(401, ErrorCode.INVALID_CREDENTIALS, "wrong username or password")
    storage.clear_login_failures(keys[0])
    token = new_token()
    expires = time.time() + settings.token_ttl.total_seconds()
    storage.store_token(token_hash=token_digest(token), user_id=user.id, expires_at=expires,
                        actor=user.username)
    info = wire.UserInfo(user.username, user.display_name, user.role, user.agency,
                         storage.team_ids_of(user.id))
    return wire.encode(wire.LoginResponse(
        token, wire.format_timestamp(datetime.fromtimestamp(expires, timezone.utc)), info))


@router.post("/logout", status_code=204, responses=docs.answers({}, 401, docs.STORAGE_FULL))
def logout(request: Request, storage: StorageDep, user: UserDep) -> None:
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    storage.revoke_token(token_digest(token), actor=user.username)
