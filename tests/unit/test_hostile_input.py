"""A catalogue of hostile input against every endpoint of the real app: wrong types, huge
strings, unicode edge cases, SQL-looking strings, path tricks, duplicate keys, deep nesting.
Each gets a 4xx in the one error shape, the server keeps serving, and nothing partial is stored.
The endpoints are read from the app itself, so a new endpoint is in the catalogue at once."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from tests.conftest import add_place, add_user, auth, login, make_report

# raw request bodies: none of them is a valid request for any endpoint
BODIES: dict[str, bytes] = {
    "not json": b"this is not json",
    "empty": b"",
    "array": b"[]",
    "string": b'"x"',
    "number": b"1",
    "null": b"null",
    "duplicate keys": b'{"a": 1, "a": 2}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "lone surrogate": b'{"username": "\\ud800", "name": "\\udfff"}',
    "nul byte": b'{"username": "a\\u0000b", "name": "\\u0000"}',
    "sql": b'{"username": "x\' OR 1=1 --", "id": "1; DROP TABLE reports; --"}',
    "huge string": b'{"name": "' + b"A" * 60_000 + b'"}',
    "nan": b'{"lat": NaN, "lon": Infinity}',
    "wrong types": b'{"name": 5, "members": "pol", "stops": {}, "action": [], "password": true}',
    "latin-1": '{"name": "M\u00fcller"}'.encode("latin-1"),
}

# values for path parameters
PATH_VALUES = ["..%2F..%2Fetc%2Fpasswd", "%00", "x" * 300, "'%20OR%201=1", "%E2%80%AE", "%F0%9F%92%A3"]

# who may call what (so the catalogue tests validation, not the access rules)
ROLE_BY_PREFIX = [("/api/v1/admin", "adm"), ("/api/v1/situation", "sup"), ("/api/v1/export", "sup"),
                  ("/api/v1/reports/{report_id}/review", "sup"), ("/api/v1/teams", "lead"),
                  ("/api/v1/routes", "lead"), ("/api/v1/assignments", "lead"),
                  ("/api/v1/directory", "lead"), ("/api/v1/progress", "lead"), ("", "pol")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from sync_server.config import Settings
    from sync_server.storage import SqliteStorage
    from tests.conftest import FAST_KDF

    settings = Settings(data_dir=tmp_path_factory.mktemp("hostile"), kdf=FAST_KDF)
    storage = SqliteStorage(settings.db_path)
    add_user(storage, "pol")
    add_user(storage, "sup", wire.Role.SUPERVISOR)
    add_user(storage, "lead", wire.Role.SHIFT_LEAD)
    add_user(storage, "adm", wire.Role.ADMIN)
    add_place(storage)
    app = create_app(settings, storage)
    with TestClient(app) as c:
        tok = {u: login(c, u) for u in ("pol", "sup", "lead", "adm")}
        yield c, app, storage, tok
    storage.close()


def endpoints(app) -> list[tuple[str, str]]:
    """(METHOD, path template) of every API endpoint, as the OpenAPI document lists them."""
    return [(m.upper(), path) for path, ops in app.openapi()["paths"].items()
            if path.startswith("/api/") for m in ops]


def query_names(app, method: str, path: str) -> set[str]:
    op = app.openapi()["paths"][path][method.lower()]
    return {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}


def role_for(path: str) -> str:
    return next(role for prefix, role in ROLE_BY_PREFIX if path.startswith(prefix))


def assert_refused(r, what: str) -> None:
    assert 400 <= r.status_code < 500, (what, r.status_code, r.text[:300])
    if r.headers.get("content-type", "").startswith("application/json"):
        err = r.json()["error"]
        assert set(err) == {"code", "message", "details"} and err["code"] in {c.value for c in wire.ErrorCode}


def snapshot(storage) -> tuple:
    conn = storage._read()
    return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("reports", "photos", "users", "teams", "routes", "assignments",
                           "places", "districts", "checklists", "queries"))


def test_every_endpoint_refuses_every_hostile_body(world):
    c, app, storage, tok = world
    before = snapshot(storage)
    checked = 0
    for method, path in endpoints(app):
        if method not in ("POST", "PUT", "PATCH") or path.endswith("/auth/logout"):
            continue  # (logout takes no body and would end the session)
        url = re.sub(r"\{[^}]+\}", "x1", path)
        if "{report_id}" in path:
            url = path.replace("{report_id}", make_report()["id"])
        if "{sha256}" in path:
            url = path.replace("{sha256}", "a" * 64)
        headers = {**auth(tok[role_for(path)]), "Content-Type": "application/json"}
        for name, body in BODIES.items():
            r = c.request(method, url, content=body, headers=headers)
            if "/places/import" in path and r.status_code == 200:  # a file upload: every row
                assert r.json()["imported"] == [], (name, r.text[:200])  # rejected, none taken
                continue
            assert_refused(r, f"{method} {path} <- {name}")
            checked += 1
    assert checked > 200
    assert snapshot(storage) == before  # nothing partial stored
    assert c.get("/healthz").status_code == 200


def test_every_path_parameter_refuses_tricks(world):
    c, app, storage, tok = world
    before = snapshot(storage)
    for method, path in endpoints(app):
        params = re.findall(r"\{([^}]+)\}", path)
        if not params:
            continue
        for value in PATH_VALUES:
            url = path
            for p in params:
                url = url.replace("{" + p + "}", value)
            r = c.request(method, url, headers=auth(tok[role_for(path)]),
                          content=b"{}" if method != "GET" else None)
            assert_refused(r, f"{method} {path} <- {value}")
    assert snapshot(storage) == before
    assert c.get("/healthz").status_code == 200


def test_ids_ending_in_a_line_break_are_refused(world):
    """A pattern's '$' also matches before a final newline; ids in paths must match whole."""
    c, app, storage, tok = world
    before = snapshot(storage)
    rid = make_report()["id"]
    for method, url in [("PUT", f"/api/v1/reports/{rid}%0A"), ("PUT", f"/api/v1/photos/{'a' * 64}%0A"),
                        ("GET", f"/api/v1/reports/{rid}%0A"), ("GET", "/api/v1/sync?cursor=c1.5%0A")]:
        r = c.request(method, url, headers=auth(tok["pol"]), content=b"{}" if method == "PUT" else None)
        assert_refused(r, f"{method} {url}")
    assert snapshot(storage) == before


@pytest.mark.parametrize("query", [
    {"since": "yesterday"}, {"until": "2026-13-45T99:99:99Z"}, {"since": "9" * 5000},
    {"limit": "-1"}, {"limit": "1e9"}, {"cursor": "' OR 1=1 --"}, {"state": "deleted"},
    {"place_type": "\u202e"}, {"agency": "police' --"}, {"dialect": "tab"}, {"at": "\x00"},
    {"format": "xml"}, {"district_id": "x" * 500},
])
def test_query_parameters_are_validated(world, query):
    c, app, storage, tok = world
    for method, path in endpoints(app):
        if method != "GET" or "{" in path:
            continue
        r = c.get(path, params=query, headers=auth(tok[role_for(path)]))
        # a parameter an endpoint does not take is ignored (200); one it takes must be valid
        if r.status_code != 200:
            assert_refused(r, f"GET {path} ? {query}")
        else:
            key = next(iter(query))
            assert key not in query_names(app, "GET", path) or key == "district_id", \
                (path, query, r.text[:200])  # (an unknown district just matches nothing)


def test_sql_looking_text_is_stored_verbatim_and_harms_nothing(world):
    c, app, storage, tok = world
    note = "'; DROP TABLE reports; -- \" OR 1=1 /* \u202e \U0001F4A3"
    body = make_report(note=note)
    assert c.put(f"/api/v1/reports/{body['id']}", json=body, headers=auth(tok["pol"])).status_code == 201
    detail = c.get(f"/api/v1/reports/{body['id']}", headers=auth(tok["sup"])).json()
    assert detail["report"]["note"] == note
    assert c.get("/api/v1/reports", params={"author": "' OR 1=1 --"},
                 headers=auth(tok["sup"])).json()["items"] == []
