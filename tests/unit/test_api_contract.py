"""The contract is honest: integer parameters are bounded before they reach SQLite, a 405 names
what is allowed, and the OpenAPI document lists every status an endpoint really answers and the
patterns it enforces (without FastAPI enforcing them: an invalid id stays 400 invalid_id)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from patrol_wire.fields import SHA256_RE, SLUG_RE, UUID_RE
from sync_server.app import create_app
from tests.conftest import add_user, auth, jpeg_bytes, login

HTTP_METHODS = {"GET", "PUT", "POST", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from sync_server.config import Settings
    from sync_server.storage import open_storage
    from tests.conftest import FAST_KDF

    settings = Settings(data_dir=tmp_path_factory.mktemp("contract"), kdf=FAST_KDF)
    storage = open_storage(settings)
    for name, role in (("pol", wire.Role.OFFICER), ("sup", wire.Role.SUPERVISOR),
                       ("adm", wire.Role.ADMIN), ("lead", wire.Role.SHIFT_LEAD)):
        add_user(storage, name, role)
    with TestClient(create_app(settings, storage)) as c:
        c.tok = {u: auth(login(c, u)) for u in ("pol", "sup", "adm", "lead")}
        c.doc = c.get("/openapi.json").json()
        yield c
    storage.close()


def declared(c, method: str, path: str) -> set[int]:
    return {int(code) for code in c.doc["paths"][path][method.lower()]["responses"]}


def test_an_audit_cursor_beyond_sqlites_integers_is_a_422_not_a_500(api):
    c = api
    for cursor in (2**63, 10**30):
        r = c.get("/api/v1/admin/audit", params={"cursor": cursor}, headers=c.tok["adm"])
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_value", r.text
    ok = c.get("/api/v1/admin/audit", params={"cursor": 2**63 - 1}, headers=c.tok["adm"])
    assert ok.status_code == 200 and ok.json()["items"]


def test_every_integer_parameter_is_bounded(api):
    """Whatever integer a client sends in a path or query, the answer is a 4xx in the error
    shape; query integers declare a maximum SQLite can hold."""
    c = api
    found = 0
    for path, ops in c.doc["paths"].items():
        for method, op in ops.items():
            ints = [p for p in op.get("parameters", [])
                    if "integer" in str(p["schema"].get("type")) + str(p["schema"].get("anyOf"))]
            for p in ints:
                found += 1
                if p["in"] == "query":
                    schemas = [p["schema"], *p["schema"].get("anyOf", [])]
                    ceiling = min(x.get("maximum", 2**64) for x in schemas)
                    assert ceiling <= 2**63 - 1, (path, p["name"])
                for value in (2**63, -(2**63) - 1, 10**40):
                    url = path
                    params = {}
                    for q in op.get("parameters", []):
                        if q["in"] == "path":
                            url = url.replace("{" + q["name"] + "}",
                                              str(value) if q is p else "1")
                    if p["in"] == "query":
                        params[p["name"]] = value
                    r = c.request(method.upper(), url, params=params, headers=c.tok["adm"])
                    assert 400 <= r.status_code < 500, (method, url, params, r.status_code)
                    assert set(r.json()) == {"error"}
    assert found >= 5  # audit cursor and limit, sync and reports limit, tiles z/x/y


def test_a_405_names_exactly_the_methods_that_answer_at_that_url(api):
    c = api
    checked = 0
    for path, ops in c.doc["paths"].items():
        url = path.replace("{sha256}", "a" * 64).replace(
            "{report_id}", "0190a000-0000-7000-8000-000000000001").replace("{z}/{x}/{y}", "1/1/1")
        for key in ("{team_id}", "{route_id}", "{assignment_id}", "{username}", "{district_id}",
                    "{place_id}"):
            url = url.replace(key, "x")
        own = auth(login(c, "lead"))  # a session of its own: POST /auth/logout ends it
        answers = {m: c.request(m, url, headers=own) for m in sorted(HTTP_METHODS)}
        refused = {m: r for m, r in answers.items() if r.status_code == 405}
        assert refused, url
        for method, r in refused.items():
            assert r.json()["error"]["code"] == "method_not_allowed"
            allow = set(r.headers["allow"].split(", "))
            assert allow == set(answers) - set(refused), (method, url, r.headers["allow"])
            assert {m.upper() for m in ops} <= allow
            checked += 1
    assert checked > 50


def test_the_statuses_endpoints_really_answer_are_declared(api):
    c = api
    report = f"/api/v1/reports/{'0190a000-0000-7000-8000-000000000001'}"
    sha = "a" * 64
    cases = [  # (method, path template, url, who, kwargs)
        ("PUT", "/api/v1/reports/{report_id}", report, "sup", {"json": {}}),
        ("PUT", "/api/v1/photos/{sha256}", f"/api/v1/photos/{sha}", "sup",
         {"content": jpeg_bytes(), "headers": {"Content-Type": "image/jpeg"}}),
        ("POST", "/api/v1/reports/batch", "/api/v1/reports/batch", "sup", {"json": {}}),
        ("GET", "/api/v1/reports", "/api/v1/reports?cursor=nope", "pol", {}),
        ("GET", "/api/v1/sync", "/api/v1/sync?cursor=nope", "pol", {}),
        ("PATCH", "/api/v1/admin/users/{username}", "/api/v1/admin/users/pol", "adm",
         {"content": b""}),
        ("POST", "/api/v1/admin/users/{username}/password", "/api/v1/admin/users/pol/password",
         "adm", {"content": b""}),
        ("POST", "/api/v1/admin/users", "/api/v1/admin/users", "adm", {"content": b"{}",
                                                                       "headers": {"Content-Type": "text/plain"}}),
        ("PUT", "/api/v1/teams/{team_id}", "/api/v1/teams/x", "lead",
         {"content": b"x" * 70_000, "headers": {"Content-Type": "application/json"}}),
        ("POST", "/api/v1/auth/login", "/api/v1/auth/login", "pol", {"content": b"x" * 70_000}),
    ]
    for method, template, url, who, kw in cases:
        headers = {**c.tok[who], **kw.pop("headers", {})}
        r = c.request(method, url, headers=headers, **kw)
        assert r.status_code >= 400 and set(r.json()) == {"error"}, (url, r.text)
        assert r.status_code in declared(c, method, template), (method, template, r.status_code)


def test_every_json_body_endpoint_declares_the_body_errors(api):
    c = api
    for path, ops in c.doc["paths"].items():
        for method, op in ops.items():
            media = op.get("requestBody", {}).get("content", {})
            if "application/json" in media and path != "/api/v1/auth/login":
                assert {400, 413, 415, 422} <= declared(c, method, path), (method, path)
            if media:
                assert 413 in declared(c, method, path), (method, path)


def test_every_422_is_declared_as_the_error_shape(api):
    c = api
    for path, ops in c.doc["paths"].items():
        for method, op in ops.items():
            r422 = op["responses"].get("422")
            if r422:
                schema = r422["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)


@pytest.mark.parametrize("template, name, pattern", [
    ("/api/v1/reports/{report_id}", "report_id", UUID_RE),
    ("/api/v1/photos/{sha256}", "sha256", SHA256_RE),
    ("/api/v1/teams/{team_id}", "team_id", SLUG_RE),
    ("/api/v1/routes/{route_id}", "route_id", SLUG_RE),
    ("/api/v1/assignments/{assignment_id}/reassign", "assignment_id", SLUG_RE),
    ("/api/v1/admin/districts/{district_id}", "district_id", SLUG_RE),
    ("/api/v1/admin/places/{place_id}", "place_id", SLUG_RE),
])
def test_enforced_path_patterns_are_declared(api, template, name, pattern):
    c = api
    for op in c.doc["paths"][template].values():
        (param,) = [p for p in op["parameters"] if p["name"] == name]
        assert param["schema"]["pattern"] == pattern


def test_enforced_query_patterns_are_declared_and_still_answer_400(api):
    c = api
    params = {p["name"]: p["schema"] for p in c.doc["paths"]["/api/v1/reports"]["get"]["parameters"]}
    assert params["cursor"]["pattern"] == UUID_RE
    assert params["since"]["format"] == params["until"]["format"] == "date-time"
    sync = {p["name"]: p["schema"] for p in c.doc["paths"]["/api/v1/sync"]["get"]["parameters"]}
    assert "pattern" in sync["cursor"]
    # declared, not enforced by FastAPI: today's answers stay
    bad = c.get("/api/v1/reports/not-a-uuid", headers=c.tok["pol"])
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_id")
    bad = c.get("/api/v1/sync", params={"cursor": "x"}, headers=c.tok["pol"])
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_cursor")


@pytest.mark.parametrize("value", ["0999-01-01T00:00:00Z", "0001-01-01T00:00:00.000+01:00",
                                   "9999-12-31T23:59:59.999-01:00"])
def test_a_timestamp_parameter_outside_four_digit_years_is_a_422(api, value):
    """Found by the fuzz run: '0999-...' became '999-...' on the way and then a 500."""
    c = api
    for url, who in (("/api/v1/assignments", "lead"), ("/api/v1/progress", "lead"),
                     ("/api/v1/situation", "sup"), ("/api/v1/export/reports.csv", "sup"),
                     ("/api/v1/reports", "pol")):
        name = "at" if url in ("/api/v1/assignments", "/api/v1/progress") else "since"
        r = c.get(url, params={name: value}, headers=c.tok[who])
        assert r.status_code == 422 and r.json()["error"]["details"] == {"field": name}, (url, r.text)
