"""Server endpoints, including every error path, on the real app (in-process)."""

import hashlib
import io
import json

import pytest
from PIL import Image

import patrol_wire as wire
from tests.conftest import add_user, auth, jpeg_bytes, login, make_report, ts


def assert_error(resp, status: int, code: str):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body


def put(c, body, token=None, **kw):
    return c.put(f"/api/v1/reports/{body['id']}", json=body, headers=auth(token or c.token), **kw)


def test_healthz_and_openapi(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    spec = client.get("/openapi.json").json()
    assert "/api/v1/reports/{report_id}" in spec["paths"]
    assert spec["components"]["schemas"]["Report"]["additionalProperties"] is False
    assert "Error" in spec["components"]["schemas"]


def test_login_wrong_password_and_unknown_user_look_the_same(client):
    a = client.post("/api/v1/auth/login", json={"username": "officer", "password": "nope"})
    b = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope"})
    assert_error(a, 401, "invalid_credentials")
    assert a.json() == b.json()


def test_every_other_endpoint_needs_a_token(client):
    for method, url in [("GET", "/api/v1/sync"), ("GET", "/api/v1/reports"),
                        ("POST", "/api/v1/reports/batch"), ("PUT", f"/api/v1/photos/{'a' * 64}"),
                        ("PUT", "/api/v1/reports/0190a000-0000-7000-8000-000000000001")]:
        assert_error(client.request(method, url), 401, "auth_required")
        assert_error(client.request(method, url, headers=auth("forged")), 401, "auth_required")


def test_disabled_user_token_stops_at_once(client):
    client.app_storage.update_user("officer", actor="test", disabled=True)
    assert_error(client.get("/api/v1/sync", headers=auth(client.token)), 401, "auth_required")


def test_put_report_created_then_identical_then_conflict(client):
    body = make_report()
    r1 = put(client, body)
    assert r1.status_code == 201 and r1.json()["status"] == "created"
    r2 = put(client, body)
    assert r2.status_code == 200 and r2.json()["status"] == "identical"
    assert_error(put(client, {**body, "note": "changed"}), 409, "report_conflict")
    assert client.app_storage.report_count() == 1


def test_same_id_from_another_user_is_a_conflict(client):
    add_user(client.app_storage, "other")
    body = make_report()
    put(client, body)
    assert_error(put(client, body, token=login(client, "other")), 409, "report_conflict")


def test_server_keeps_its_own_presence_verdict(client):
    body = make_report(presence={"verdict": "on_site"},
                       fix={"lat": 51.70, "lon": 7.82, "accuracy_m": 5.0, "fixed_at": ts(-70)})
    put(client, body)
    lister = login_supervisor(client)
    item = client.get("/api/v1/reports", headers=auth(lister)).json()["items"][0]
    assert item["report"]["presence"]["verdict"] == "on_site"  # what the device said
    assert item["server_presence"]["verdict"] == "off_site"  # what the server computed


def login_supervisor(c):
    add_user(c.app_storage, "chief", role=wire.Role.SUPERVISOR)
    return login(c, "chief")


def test_report_lists_missing_photos_until_uploaded(client):
    data = jpeg_bytes()
    sha = hashlib.sha256(data).hexdigest()
    body = make_report(photos=[sha])
    assert put(client, body).json()["missing_photos"] == [sha]
    r = client.put(f"/api/v1/photos/{sha}", content=data,
                   headers={**auth(client.token), "Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    again = client.put(f"/api/v1/photos/{sha}", content=data,
                       headers={**auth(client.token), "Content-Type": "image/jpeg"})
    assert again.status_code == 200
    assert put(client, body).json()["missing_photos"] == []


def test_login_photo_upload_and_logout_are_in_the_audit_log(client, storage):
    data = jpeg_bytes()
    sha = hashlib.sha256(data).hexdigest()
    put(client, make_report(photos=[sha]))
    client.put(f"/api/v1/photos/{sha}", content=data,
               headers={**auth(client.token), "Content-Type": "image/jpeg"})
    client.put(f"/api/v1/photos/{sha}", content=data,  # a replay stores nothing, logs nothing
               headers={**auth(client.token), "Content-Type": "image/jpeg"})
    assert client.post("/api/v1/auth/logout", headers=auth(client.token)).status_code == 204
    entries = [(e["actor"], e["action"], e["object_id"]) for e in reversed(storage.audit_log())
               if e["action"] in ("auth.login", "photo.upload", "auth.logout")]
    assert entries == [("officer", "auth.login", "officer"), ("officer", "photo.upload", sha),
                       ("officer", "auth.logout", "officer")]


def test_batch_answers_each_item_and_stores_the_good_ones(client):
    good, dup = make_report(1), make_report(2)
    put(client, dup)
    bad = make_report(3, severity="extreme")
    conflict = {**dup, "note": "other"}
    r = client.post("/api/v1/reports/batch", headers=auth(client.token),
                    json={"reports": [good, dup, bad, conflict, {"id": 5}]})
    assert r.status_code == 200
    statuses = [x["status"] for x in r.json()["results"]]
    assert statuses == ["created", "identical", "invalid", "conflict", "invalid"]
    assert r.json()["results"][2]["error"]["code"] == "invalid_value"
    assert client.app_storage.report_count() == 2
    # the receipts are built as plain dicts on the hot path: they must be exactly the wire's
    # ReportResult, every status, as the device decodes them
    answer = wire.decode(wire.BatchResponse, r.json())
    assert [wire.encode(x) for x in answer.results] == r.json()["results"]
    assert answer.results[3].error.code == "report_conflict"
    assert answer.results[4].id is None  # its id was not a string
    assert answer.results[0] == wire.ReportResult(good["id"], wire.ItemStatus.CREATED, [], None)


def test_canonical_batches_mean_the_same_as_any_other_spelling(client):
    """Devices send canonical text, which the server stores without re-encoding; the same
    reports spelled otherwise must still be identical replays, and changed ones conflicts."""
    reports = [wire.encode(wire.decode(wire.Report, make_report(i, answers={"a": 1, "b": "ü"})))
               for i in range(3)]

    def send(text: str) -> list[str]:
        r = client.post("/api/v1/reports/batch", content=text.encode(),
                        headers={**auth(client.token), "Content-Type": "application/json"})
        assert r.status_code == 200, r.text
        return [x["status"] for x in r.json()["results"]]

    canonical = [wire.canonical_json(x).decode() for x in reports]
    assert send('{"reports":[' + ",".join(canonical) + "]}") == ["created"] * 3
    assert send(json.dumps({"reports": reports}, indent=1)) == ["identical"] * 3
    changed = canonical[:2] + [canonical[2].replace('"b":"ü"', '"b":"o"')]
    assert send('{"reports":[' + ",".join(changed) + "]}") == ["identical", "identical", "conflict"]
    assert client.app_storage.report_count() == 3
    assert [client.app_storage.report_detail(x["id"])["report"] for x in reports] == reports
    many = '{"reports":[' + ",".join(
        wire.canonical_json(wire.decode(wire.Report, make_report(i))).decode()
        for i in range(wire.MAX_BATCH + 1)) + "]}"
    assert_error(client.post("/api/v1/reports/batch", content=many.encode(),
                             headers={**auth(client.token), "Content-Type": "application/json"}),
                 413, "batch_too_large")


def test_batch_limits(client):
    assert_error(client.post("/api/v1/reports/batch", headers=auth(client.token),
                             json={"reports": []}), 422, "invalid_value")
    many = [make_report(i) for i in range(wire.MAX_BATCH + 1)]
    assert_error(client.post("/api/v1/reports/batch", headers=auth(client.token),
                             json={"reports": many}), 413, "batch_too_large")


def test_sync_pull_pages_with_cursor(client):
    page = client.get("/api/v1/sync", headers=auth(client.token)).json()
    assert [p["id"] for p in page["places"]] == ["pg-1"]
    again = client.get("/api/v1/sync", params={"cursor": page["next_cursor"]},
                       headers=auth(client.token)).json()
    assert again["places"] == [] and again["has_more"] is False
    from tests.conftest import add_place
    for i in range(5):
        add_place(client.app_storage, f"pg-{i + 2}")
    seen, cursor = [], page["next_cursor"]
    while True:
        p = client.get("/api/v1/sync", params={"cursor": cursor, "limit": 2},
                       headers=auth(client.token)).json()
        seen += [x["id"] for x in p["places"]]
        cursor = p["next_cursor"]
        if not p["has_more"]:
            break
    assert seen == [f"pg-{i}" for i in range(2, 7)]
    assert_error(client.get("/api/v1/sync", params={"cursor": "garbage"},
                            headers=auth(client.token)), 400, "invalid_cursor")


def test_agency_only_reports_stay_in_their_agency(client):
    put(client, make_report(visibility="agency"))
    put(client, make_report())
    add_user(client.app_storage, "kodchief", role=wire.Role.SUPERVISOR, agency="kod")
    kod = client.get("/api/v1/reports", headers=auth(login(client, "kodchief"))).json()["items"]
    police = client.get("/api/v1/reports", headers=auth(login_supervisor(client))).json()["items"]
    assert len(kod) == 1 and kod[0]["report"]["visibility"] == "cooperation"
    assert len(police) == 2


def test_officers_see_only_their_own_reports(client):
    put(client, make_report())
    add_user(client.app_storage, "other")
    assert client.get("/api/v1/reports", headers=auth(login(client, "other"))).json()["items"] == []
    assert len(client.get("/api/v1/reports", headers=auth(client.token)).json()["items"]) == 1


# ------------------------------------------------------------------ bad input: 4xx, nothing stored

def bomb_png() -> bytes:
    im = Image.new("1", (20000, 20000))
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return buf.getvalue()


BAD_REPORTS = [
    ("malformed json", b'{"id": ', 400, "malformed_json"),
    ("missing field", lambda b: {k: v for k, v in b.items() if k != "severity"}, 422, "missing_field"),
    ("extra field", lambda b: {**b, "sneaky": 1}, 422, "unknown_field"),
    ("lat out of range", lambda b: {**b, "fix": {**b["fix"], "lat": 123.0}}, 422, "invalid_value"),
    ("lon out of range", lambda b: {**b, "fix": {**b["fix"], "lon": -181.0}}, 422, "invalid_value"),
    ("unknown place", lambda b: {**b, "place_id": "nowhere"}, 422, "unknown_place"),
    ("id differs from url", lambda b: {**b, "id": "0190a000-0000-7000-8000-00000000ffff"}, 422, "id_mismatch"),
]


@pytest.mark.parametrize("name, change, status, code", BAD_REPORTS, ids=[b[0] for b in BAD_REPORTS])
def test_bad_reports_get_4xx_and_nothing_is_stored(client, name, change, status, code):
    body = make_report()
    url = f"/api/v1/reports/{body['id']}"
    if isinstance(change, bytes):
        resp = client.put(url, content=change, headers={**auth(client.token), "Content-Type": "application/json"})
    else:
        resp = client.put(url, content=json.dumps(change(body)),
                          headers={**auth(client.token), "Content-Type": "application/json"})
    assert_error(resp, status, code)
    assert client.app_storage.report_count() == 0
    assert client.get("/healthz").status_code == 200


def test_non_uuid_id_is_refused(client):
    body = make_report(id="report-1")
    assert_error(client.put("/api/v1/reports/report-1", json=body, headers=auth(client.token)),
                 400, "invalid_id")


def test_oversized_body_is_refused(client):
    body = make_report(note="x" * 300_000)
    assert_error(put(client, body), 413, "body_too_large")
    assert client.app_storage.report_count() == 0


@pytest.mark.parametrize("case", ["hash mismatch", "not an image", "bomb", "truncated", "empty",
                                  "bad name", "unreferenced"])
def test_bad_photos_are_refused_and_nothing_is_stored(client, case, settings):
    good = jpeg_bytes()
    payloads = {
        "hash mismatch": (good, hashlib.sha256(b"other").hexdigest(), 422, "photo_hash_mismatch"),
        "not an image": (b"hello, not a jpeg", None, 422, "photo_not_an_image"),
        "bomb": (bomb_png(), None, 422, "photo_not_an_image"),
        "truncated": (good[: len(good) // 2], None, 422, "photo_not_an_image"),
        "empty": (b"", None, 422, "photo_not_an_image"),
        "bad name": (good, "..passwd", 400, "invalid_id"),
        "unreferenced": (jpeg_bytes(colour=(1, 2, 3)), None, 422, "photo_not_referenced"),
    }
    data, name, status, code = payloads[case]
    name = name or hashlib.sha256(data).hexdigest()
    if case != "unreferenced" and case != "bad name":
        put(client, make_report(photos=[name]))
    resp = client.put(f"/api/v1/photos/{name}", content=data,
                      headers={**auth(client.token), "Content-Type": "image/jpeg"})
    assert_error(resp, status, code)
    assert client.app_storage.photo_count() == 0
    assert not any(p.is_file() for p in settings.photo_dir.rglob("*"))
    assert client.get("/healthz").status_code == 200


def test_path_tricks_in_a_photo_name_reach_no_file(client):
    for url in ("/api/v1/photos/..%2F..%2Fetc%2Fpasswd", "/api/v1/photos/../../etc/passwd"):
        assert_error(client.put(url, content=jpeg_bytes(),
                                headers={**auth(client.token), "Content-Type": "image/jpeg"}),
                     404, "not_found")


def test_oversized_photo_is_refused(client):
    assert_error(client.put(f"/api/v1/photos/{'a' * 64}", content=b"x" * (wire.MAX_PHOTO_BYTES + 1),
                            headers={**auth(client.token), "Content-Type": "image/jpeg"}),
                 413, "body_too_large")


def take_the_database_away(storage, settings, request) -> None:
    """SQLite: the connection is closed under the server. PostgreSQL: the database refuses
    new connections and every open one is terminated, as when its server goes down."""
    if settings.database_url is None:
        storage.db.close()
        return
    import psycopg

    cluster = request.getfixturevalue("pg_cluster")
    name = settings.database_url.rsplit("/", 1)[1]
    with psycopg.connect(cluster.url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                      [name])


def test_readiness_fails_with_the_database_and_liveness_does_not(settings, request):
    """A database that no longer answers: /readyz says 503 in the error shape within seconds
    (a load balancer takes the instance out), /healthz still says the process lives."""
    import time

    from fastapi.testclient import TestClient

    from sync_server.app import create_app
    from sync_server.storage import open_storage

    storage = open_storage(settings)
    with TestClient(create_app(settings, storage)) as c:
        assert c.get("/readyz").status_code == 200
        take_the_database_away(storage, settings, request)
        start = time.monotonic()
        r = c.get("/readyz")
        assert time.monotonic() - start < 10
        assert_error(r, 503, "unavailable")
        assert r.headers["retry-after"] == "5"
        assert c.get("/healthz").json() == {"status": "ok"}


def test_unknown_route_and_wrong_method_use_the_error_shape(client):
    assert_error(client.get("/nope"), 404, "not_found")
    assert_error(client.delete("/api/v1/sync", headers=auth(client.token)), 405, "method_not_allowed")


def test_security_headers_present(client):
    r = client.get("/healthz")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in r.headers


def test_places_added_while_serving_are_accepted_at_once(client):
    from tests.conftest import add_place

    body = make_report(place_id="pg-new")
    assert_error(put(client, body), 422, "unknown_place")
    add_place(client.app_storage, "pg-new")  # as the import-places command would, from outside
    assert put(client, body).status_code == 201


def test_login_throttling_per_user_and_per_address(settings, storage):
    """Five wrong passwords lock that user for the window (even the right password waits);
    twenty from one address lock the address for every user; a success clears the user."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from sync_server.app import create_app
    from tests.conftest import PASSWORD, add_user

    for name in ("anna", "ben", "carl"):
        add_user(storage, name)
    app = create_app(replace(settings, login_max_per_user=3, login_max_per_address=5), storage)
    with TestClient(app) as c:
        def attempt(user, pw="wrong password"):
            return c.post("/api/v1/auth/login", json={"username": user, "password": pw})

        assert attempt("ben").status_code == 401
        assert attempt("ben", PASSWORD).status_code == 200  # success clears ben's failures
        for _ in range(3):
            assert attempt("anna").status_code == 401
        locked = attempt("anna", PASSWORD)
        assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_attempts"
        assert int(locked.headers["retry-after"]) > 0
        assert attempt("ben", PASSWORD).status_code == 200  # other users still get in
        assert attempt("ghost").status_code == 401  # address: 5th failure
        assert attempt("carl", PASSWORD).status_code == 429  # the address now waits
