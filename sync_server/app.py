"""The FastAPI application: wiring only (storage, routers, error shape, limits, headers)."""

from __future__ import annotations

import gc
import logging
import sys
from contextlib import asynccontextmanager

import patrol_wire as wire
from patrol_wire import ErrorCode
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api import (admin, auth, complaints, docs, fear_spaces, operations, photos, report, reports,
                  shifts, situation, sync, tiles)
from .api.docs import install_openapi
from .api.errors import ApiError, BodyLimit, install_error_handlers
from .config import Settings
from .ingest import Ingestor
from .places import PlaceBook
from .storage import Storage, open_photos, open_storage

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]

log = logging.getLogger("sync_server")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [h for h in _SECURITY_HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, add_headers if scope["type"] == "http" else send)


def create_app(settings: Settings, storage: Storage | None = None) -> FastAPI:
    storage = storage or open_storage(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        storage.start_serving()
        yield
        storage.close()

    app = FastAPI(title="Gemeinsame Streife sync server", version="1.0.0",
                  description="Offline-first sync for joint police + KOD patrols.",
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.storage = storage
    app.state.places = PlaceBook(storage)  # one decoded copy for ingest and the picture
    app.state.ingestor = Ingestor(storage, settings, app.state.places)
    app.state.photo_files = open_photos(settings, storage)

    # Public, for load balancers and the phones' "is the network back?" probe. Liveness answers
    # from the event loop with no query and no thread hop, so it stays fast while batches are
    # ingested (it counted all reports before: 25-32 ms at 1M rows, behind the thread pool);
    # readiness asks the database one trivial question and says 503 when it cannot answer.
    @app.get("/healthz", tags=["health"], openapi_extra={"security": []})
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], openapi_extra={"security": []},
             responses=docs.answers({200: {"type": "object"}}, 503))
    def readyz() -> dict:
        try:
            storage.ping()
        except Exception as exc:  # noqa: BLE001 -- any database failure means "not ready"
            log.warning("not ready: %s", exc)
            raise ApiError(503, ErrorCode.UNAVAILABLE, "the database does not answer",
                           headers={"Retry-After": "5"}) from None
        return {"status": "ready"}

    for module in (auth, reports, photos, sync, shifts, admin, situation, fear_spaces, report,
                   complaints, operations, tiles):
        app.include_router(module.router)
    install_error_handlers(app)
    install_openapi(app)

    def limit_for(path: str) -> int:
        if path.startswith(f"{wire.API_PREFIX}/photos/"):
            return wire.MAX_PHOTO_BYTES
        if path in (f"{wire.API_PREFIX}/admin/places/import",
                    f"{wire.API_PREFIX}/admin/complaints/import"):
            return settings.max_import_body
        if path == f"{wire.API_PREFIX}/reports/batch":
            return settings.max_batch_body
        if path.startswith(f"{wire.API_PREFIX}/reports/"):
            return settings.max_report_body
        return settings.max_small_body

    app.add_middleware(BodyLimit, limit_for=limit_for)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "PUT", "POST", "PATCH"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(SecurityHeaders)

    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and multi-worker serving: settings from PATROL_* env."""
    app = create_app(Settings.from_env())
    tune_for_serving()
    return app


SWITCH_INTERVAL_S = 0.001


def tune_for_serving() -> None:
    """The process-wide settings of a serving process: the heap (see :func:`settle_heap`) and
    how long a thread may hold the GIL while another waits for it.

    Batches are decoded and checked in worker threads, pure Python that holds the GIL; every
    other request needs it a few times on its way (the event loop reads it, a worker thread
    answers it, the loop sends the answer), and Python's default interval (5 ms) let each of
    those steps wait behind a batch. At 1 ms a health check waits a few ms, not tens
    (bench/healthz_under_load.py); the batches pay only when someone is waiting."""
    settle_heap()
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def settle_heap() -> None:
    """Tune the garbage collector for serving, once the app is built.

    A batch of 500 reports parses into thousands of dicts and lists, so the default threshold
    (700 allocations) ran a collection several times per request, and every few hundred
    requests a full one that walked the whole framework heap again. ``freeze`` moves what
    exists now (FastAPI, the routes, the models) out of the collector's sight for good; the
    higher first threshold lets a request's short-lived objects die by reference count before
    the collector looks. Cycles are still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
