"""A catalogue of hostile input against every endpoint of the real app: wrong types, huge
strings, unicode edge cases, SQL-looking strings, path tricks, duplicate keys, deep nesting.
Each gets a 4xx in the one error shape, the server keeps serving, and nothing partial is stored.
The endpoints are read from the app itself, so a new endpoint is in the catalogue at once."""

from __future__ import annotations

import json
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
    from sync_server.storage import open_storage
    from tests.conftest import FAST_KDF

    settings = Settings(data_dir=tmp_path_factory.mktemp("hostile"), kdf=FAST_KDF)
    storage = open_storage(settings)
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
    return tuple(storage.db.query_one(f"SELECT count(*) FROM {t}")[0]
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


# ---------------------------------------------------------------- valid bodies, one hostile value


def examples(app):
    """(METHOD, path, schema name, a valid body, the schemas) for every endpoint with a JSON body."""
    from tests.support.schema_examples import Schemas

    doc = app.openapi()
    schemas = Schemas(doc["components"]["schemas"])
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if ref:
                yield method.upper(), path, ref["$ref"].rsplit("/", 1)[1], schemas.example(ref), schemas


def url_of(path: str, body) -> str:
    own = body.get("id") if isinstance(body, dict) else None
    for name in re.findall(r"\{([^}]+)\}", path):
        path = path.replace("{" + name + "}", own if own and name != "username" else "x1")
    return path


SURROGATE = "@@lone surrogate@@"


def with_surrogate(body, steps) -> bytes:
    """The body as JSON text with a lone surrogate escape in the text at ``steps``."""
    import copy

    out = copy.deepcopy(body)
    parent = out
    for s in steps[:-1]:
        parent = parent[s]
    if steps:
        parent[steps[-1]] = SURROGATE
    else:
        out = SURROGATE
    return json.dumps(out).replace(f'"{SURROGATE}"', '"a\\ud800b"').encode()


def test_a_lone_surrogate_in_any_text_of_any_body_is_a_4xx(world):
    """A lone surrogate escape ("\\ud800") is not Unicode text: every endpoint refuses it in
    every text field of an otherwise valid body, with the one error shape, login included."""
    from tests.support.schema_examples import string_paths

    c, app, storage, tok = world
    before = snapshot(storage)
    tried = set()
    for method, path, name, body, schemas in examples(app):
        for steps in string_paths(schemas, {"$ref": f"#/components/schemas/{name}"}, body):
            headers = {**auth(tok[role_for(path)]), "Content-Type": "application/json"}
            r = c.request(method, url_of(path, body), content=with_surrogate(body, steps), headers=headers)
            if name == "BatchRequest":  # the batch answers per item: its one item is refused
                assert r.status_code == 200, r.text
                assert [x["status"] for x in r.json()["results"]] == ["invalid"], (steps, r.text)
            else:
                assert_refused(r, f"{method} {path} <- surrogate at {steps}")
            tried.add(path)
    assert len(tried) >= 13
    assert snapshot(storage) == before


def test_a_lone_surrogate_refuses_only_its_own_item_of_a_batch(world):
    c, app, storage, tok = world
    good = [make_report(note=f"ok {i}") for i in range(3)]
    bad = json.dumps(make_report()).replace('"note": "report 0"', '"note": "\\ud800"')
    text = "[" + ",".join([json.dumps(good[0]), bad, json.dumps(good[1]), json.dumps(good[2])]) + "]"
    r = c.post("/api/v1/reports/batch", content=('{"reports":' + text + "}").encode(),
               headers={**auth(tok["pol"]), "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["created", "invalid", "created", "created"]
    assert results[1]["error"]["code"] == "malformed_json" and results[1]["id"] == json.loads(
        bad.replace("\\ud800", ""))["id"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00.000+01:00", "0999-12-31T23:59:59.000Z",
                                  "9999-12-31T23:59:59.999-01:00", "9999-12-31T23:59:59.999Z",
                                  "1969-12-31T23:59:59.999Z", "2026-02-30T10:00:00.000Z"])
def test_timestamps_outside_the_calendar_or_the_years_are_a_4xx_everywhere(world, when):
    """In query parameters (since, until, at) of every GET and in every body's timestamps."""
    c, app, storage, tok = world
    before = snapshot(storage)
    checked = 0
    for method, path in endpoints(app):
        if method != "GET" or "{" in path:
            continue
        for key in ("since", "until", "at"):
            if key in query_names(app, method, path):
                assert_refused(c.get(path, params={key: when}, headers=auth(tok[role_for(path)])),
                               f"GET {path}?{key}={when}")
                checked += 1
    for method, path, name, body, schemas in examples(app):
        text = json.dumps(body)
        stamps = set(re.findall(r'"(\d{4}-\d\d-\d\dT[^"]*Z)"', text))
        for stamp in stamps:
            raw = text.replace(f'"{stamp}"', f'"{when}"', 1).encode()
            r = c.request(method, url_of(path, body), content=raw,
                          headers={**auth(tok[role_for(path)]), "Content-Type": "application/json"})
            if name == "BatchRequest":
                assert r.status_code == 200 and r.json()["results"][0]["status"] == "invalid", r.text
            else:
                assert_refused(r, f"{method} {path} <- {when}")
            checked += 1
    assert checked >= 8
    assert snapshot(storage) == before


def test_a_shift_whose_windows_would_leave_the_years_is_refused(world):
    """Valid on its own, but its stops' windows (start + minutes) would lie past 2999: the
    wire's own rule, raised while the server builds the assignment, is a 422 too."""
    c, app, storage, tok = world
    lead = {**auth(tok["lead"]), "Content-Type": "application/json"}
    assert c.put("/api/v1/teams/t-late", json={"name": "Spät", "members": []}, headers=lead).status_code == 200
    route = {"id": "r-late", "name": "R", "stops": [{"place_id": "pg-1", "start_min": 0, "end_min": 120}]}
    assert c.put("/api/v1/routes/r-late", json=route, headers=lead).status_code == 200
    r = c.post("/api/v1/assignments", headers=lead, json={
        "route_id": "r-late", "team_id": "t-late", "shift_start": "2999-12-31T23:00:00.000Z",
        "shift_end": "2999-12-31T23:59:00.000Z"})
    assert_refused(r, "late shift")
