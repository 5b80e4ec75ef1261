"""Every error leaves the server as ``{"error": {"code", "message", "details"}}``.

Handlers turn our ApiError, FastAPI's validation errors, Starlette's 404/405 and any unexpected
exception into that shape; a middleware refuses oversized bodies before they are read whole.
"""

from __future__ import annotations

import errno
import logging
import re
import sqlite3

from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from patrol_wire import ErrorCode, RuleError, WireError, error_body

try:
    import psycopg
except ImportError:  # a server without the PostgreSQL backend installed
    psycopg = None  # type: ignore[assignment]

log = logging.getLogger("sync_server")


class ApiError(Exception):
    """An error with its HTTP status and stable code; raise it anywhere in a request."""

    def __init__(self, status: int, code: ErrorCode, message: str,
                 details: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers


_WIRE_STATUS = {ErrorCode.MALFORMED_JSON: 400, ErrorCode.BATCH_TOO_LARGE: 413}


def wire_error(err: WireError, status: int = 422) -> ApiError:
    status = _WIRE_STATUS.get(err.code, status)
    return ApiError(status, err.code, err.message, {"field": err.path} if err.path else {})


def error_response(status: int, code: ErrorCode, message: str,
                   details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


_HTTP_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED,
               401: ErrorCode.AUTH_REQUIRED, 403: ErrorCode.FORBIDDEN,
               413: ErrorCode.BODY_TOO_LARGE}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(WireError)
    async def _wire(_: Request, exc: WireError) -> JSONResponse:
        e = wire_error(exc)
        return error_response(e.status, e.code, e.message, e.details)

    @app.exception_handler(RuleError)
    async def _rule(_: Request, exc: RuleError) -> JSONResponse:
        # valid input whose consequence the wire refuses (a shift whose stop windows would
        # end after 2999): the request is what is wrong, not the server
        return error_response(422, ErrorCode.INVALID_VALUE, f"would make {exc}",
                              {"field": exc.field})

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
        return error_response(422, ErrorCode.INVALID_VALUE, first.get("msg", "invalid request"),
                              {"field": field} if field else {})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_VALUE)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request, exc))
        return error_response(exc.status_code, code, str(exc.detail), headers=headers or None)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _: ClientDisconnect) -> Response:
        """Phones lose their connection mid-upload all the time: one line, no traceback. The
        answer reaches nobody; what was not stored is sent again."""
        log.warning("client went away during %s %s", request.method, request.url.path)
        return Response(status_code=400)

    async def _storage(request: Request, exc: Exception) -> JSONResponse:
        """Every write path (reports, photos, review, admin) ends here when the disk or the
        database is full: 507, a transient state the device retries with backoff."""
        if not storage_full(exc):
            raise exc  # not ours: the generic 500 below answers and logs it
        log.error("storage full on %s %s: %s", request.method, request.url.path, exc)
        return error_response(507, ErrorCode.STORAGE_FULL,
                              "the server's storage is full; try again later")

    app.add_exception_handler(sqlite3.Error, _storage)
    if psycopg is not None:
        app.add_exception_handler(psycopg.Error, _storage)
    app.add_exception_handler(OSError, _storage)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, ErrorCode.INTERNAL_ERROR, "internal server error")


def allowed_methods(request: Request, exc: StarletteHTTPException) -> list[str]:
    """Every method the API answers at this path. Starlette's 405 names only the first route
    that matched the path, and the GET and PUT of one path are often two routes; the OpenAPI
    document lists them all."""
    methods = {m.strip() for m in (exc.headers or {}).get("Allow", "").split(",") if m.strip()}
    path = request.url.path
    for template, ops in request.app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods |= {m.upper() for m in ops}
    return sorted(methods)
DISK_FULL = "53100"  # PostgreSQL's SQLSTATE disk_full


def storage_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full", also a low ``max_page_count``),
    PostgreSQL's disk_full (SQLSTATE 53100: the database server's disk), or an OS write that
    found no space (ENOSPC, or EDQUOT for a quota), here or in its causes."""
    seen: BaseException | None = exc
    for _ in range(5):  # wrapped errors: look a few causes deep
        if seen is None:
            return False
        if isinstance(seen, sqlite3.Error) and (
                getattr(seen, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                or "database or disk is full" in str(seen)):
            return True
        if psycopg is not None and isinstance(seen, psycopg.Error) and seen.sqlstate == DISK_FULL:
            return True
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class BodyLimit:
    """Refuse request bodies above a per-path limit with 413, counting streamed bytes too.

    ``limit_for(path)`` returns the byte limit for a path. Checked against Content-Length up
    front, and while the body streams in (chunked uploads have no Content-Length).
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = True
                if too_big:
                    await _send_413(send, limit)
                    return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_413(send, limit)


class _TooLarge(ApiError):
    """Raised from inside the app's receive(); the ApiError handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, ErrorCode.BODY_TOO_LARGE,
                         f"request body exceeds the limit of {limit} bytes", {"limit": limit})


async def _send_413(send: Send, limit: int) -> None:
    resp = error_response(413, ErrorCode.BODY_TOO_LARGE,
                          f"request body exceeds the limit of {limit} bytes", {"limit": limit})
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(resp.body)).encode())]})
    await send({"type": "http.response.body", "body": resp.body})
