"""The event loop never waits for the database: every route handler and every dependency that
could query or parse is plain ``def`` (FastAPI runs it in the thread pool). What runs on the
loop is named here, each for a reason; a new ``async def`` that is not fails this test, so it
is a decision, not an accident. The latency itself is measured by bench/healthz_under_load.py."""

from __future__ import annotations

import inspect

from fastapi.routing import APIRoute

from sync_server.app import create_app

# Handlers that must await the request: each of their blocking steps is a thread hop.
ASYNC_HANDLERS = {"put_photo",  # streams the body to disk chunk by chunk
                  "healthz"}  # liveness: a constant answer, no query, no thread hop
# Dependencies on the loop: they read app.state, a header or await the body -- no query, no parse.
ASYNC_DEPENDENCIES = {"get_storage", "get_settings", "get_ingestor", "get_places",
                      "get_photo_files", "raw_body", "json_body", "check", "readers",
                      "_device_skew"}


def api_routes(routes) -> list[APIRoute]:
    """Every API route, also inside included routers (FastAPI keeps those wrapped)."""
    out = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        elif hasattr(r, "original_router"):
            out += api_routes(r.original_router.routes)
    return out


def _dependencies(dependant):
    for dep in dependant.dependencies:
        yield dep
        yield from _dependencies(dep)


def test_no_route_runs_blocking_work_on_the_event_loop(settings):
    app = create_app(settings)
    routes = api_routes(app.routes)
    assert len(routes) > 30 and any(r.path == "/healthz" for r in routes)
    on_loop = {r.endpoint.__name__ for r in routes if inspect.iscoroutinefunction(r.endpoint)}
    assert on_loop <= ASYNC_HANDLERS, f"async handlers that may block the loop: {on_loop - ASYNC_HANDLERS}"
    deps = {d.call.__name__ for r in routes for d in _dependencies(r.dependant)
            if d.call is not None and inspect.iscoroutinefunction(d.call)}
    assert deps <= ASYNC_DEPENDENCIES, f"async dependencies: {deps - ASYNC_DEPENDENCIES}"
    assert "current_user" not in deps  # the token lookup queries the database


def test_liveness_answers_from_the_loop_and_readiness_asks_the_database(settings):
    """/healthz must not wait behind the thread pool that batches fill; /readyz does ask the
    database, so it runs in the pool like every query."""
    app = create_app(settings)
    by_path = {r.path: r for r in api_routes(app.routes)}
    live, ready = by_path["/healthz"], by_path["/readyz"]
    assert inspect.iscoroutinefunction(live.endpoint) and live.dependant.dependencies == []
    assert "storage" not in inspect.getsource(live.endpoint)
    assert not inspect.iscoroutinefunction(ready.endpoint)
