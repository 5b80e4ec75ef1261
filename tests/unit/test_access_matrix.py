"""The whole access matrix: every endpoint x every role x three agencies, allow or deny.

The expectations are written out here by hand, not derived from ``sync_server.access``: this
test is the specification the policy table must meet. The third agency is one an admin added
(agencies are data): the agency rule holds for it as for police and KOD, in every list,
detail, photo, figure and export.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from tests.conftest import add_place, add_user, auth, jpeg_bytes, login, make_report

O, L, S, A = "officer", "shift_lead", "supervisor", "admin"
ROLES = (O, L, S, A)
AGENCIES = ("police", "kod", "jugendamt")

# endpoint -> roles allowed through (others get 403 forbidden)
MATRIX: list[tuple[str, str, set[str]]] = [
    ("GET", "/api/v1/sync", {O, L, S, A}),
    ("POST", "/api/v1/reports/batch", {O, L}),
    ("PUT", "/api/v1/reports/{new_id}", {O, L}),
    ("PUT", "/api/v1/photos/{new_sha}", {O, L}),
    ("GET", "/api/v1/reports", {O, L, S}),
    ("POST", "/api/v1/reports/{coop_id}/review", {S}),
    ("GET", "/api/v1/directory", {L}),
    ("GET", "/api/v1/teams", {L}),
    ("PUT", "/api/v1/teams/tx", {L}),
    ("GET", "/api/v1/routes", {L}),
    ("PUT", "/api/v1/routes/rx", {L}),
    ("POST", "/api/v1/assignments", {L}),
    ("POST", "/api/v1/assignments/{assignment_id}/reassign", {L}),
    ("GET", "/api/v1/assignments", {L, S}),
    ("GET", "/api/v1/progress", {L, S}),
    ("GET", "/api/v1/situation", {S}),
    ("GET", "/api/v1/export/reports.geojson", {S}),
    ("GET", "/api/v1/export/places.geojson", {S}),
    ("GET", "/api/v1/export/reports.csv", {S}),
    ("GET", "/api/v1/export/fear-spaces.geojson", {S}),
    ("GET", "/api/v1/export/fear-spaces.csv", {S}),
    ("GET", "/api/v1/export/complaint-gaps.csv", {S}),
    ("GET", "/api/v1/export/complaint-gaps.geojson", {S}),
    ("GET", "/api/v1/report.pdf", {S}),
    ("GET", "/api/v1/situation/complaints", {S}),
    ("GET", "/api/v1/situation/fear-spaces", {S}),
    ("GET", "/api/v1/planning/complaint-gaps", {L, S}),
    ("GET", "/api/v1/admin/users", {A}),
    ("POST", "/api/v1/admin/users", {A}),
    ("PATCH", "/api/v1/admin/users/someone", {A}),
    ("POST", "/api/v1/admin/users/someone/password", {A}),
    ("GET", "/api/v1/admin/agencies", {A}),
    ("POST", "/api/v1/admin/agencies", {A}),
    ("PATCH", "/api/v1/admin/agencies/kod", {A}),
    ("PUT", "/api/v1/admin/districts/dx", {A}),
    ("PUT", "/api/v1/admin/places/px", {A}),
    ("POST", "/api/v1/admin/places/import", {A}),
    ("POST", "/api/v1/admin/complaints/import", {A}),
    ("GET", "/api/v1/admin/checklists", {A}),
    ("POST", "/api/v1/admin/checklists", {A}),
    ("GET", "/api/v1/admin/audit", {A}),
    ("GET", "/api/v1/operations", {L, S, A}),
    ("POST", "/api/v1/operations", {L, A}),
    ("GET", "/api/v1/operations/{operation_id}", {L, S, A}),
    ("PUT", "/api/v1/operations/{operation_id}", {L, A}),
    ("GET", "/api/v1/operations/{operation_id}/reports", {L, S}),
    ("GET", "/api/v1/operations/{operation_id}/summary", {L, S}),
    ("GET", "/api/v1/operations/{operation_id}/summary.pdf", {L, S}),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One user per role and agency; the police officer wrote a cooperation report and an
    agency-only report with a photo, the youth office's officer an agency-only report with a
    photo of its own, all in team t1 (police, KOD and youth office officers)."""
    from sync_server.config import Settings
    from sync_server.storage import open_storage
    from tests.conftest import FAST_KDF

    settings = Settings(data_dir=tmp_path_factory.mktemp("matrix"), kdf=FAST_KDF)
    storage = open_storage(settings)
    storage.create_agency(wire.Agency("jugendamt", "Jugendamt", "Youth office",
                                      wire.AgencyKind.MUNICIPAL), actor="test")
    for role in ROLES:
        for agency in AGENCIES:
            add_user(storage, f"{role}-{agency}".replace("_", "-"), wire.Role(role), agency)
    add_user(storage, "someone")
    add_place(storage, "pg-1")
    with TestClient(create_app(settings, storage)) as c:
        tok = {(r, a): login(c, f"{r}-{a}".replace("_", "-")) for r in ROLES for a in AGENCIES}
        lead = auth(tok[(L, "kod")])
        c.put("/api/v1/teams/t1", headers=lead,
              json={"name": "T1", "members": ["officer-police", "officer-kod", "officer-jugendamt"]})
        c.put("/api/v1/teams/t2", headers=lead, json={"name": "T2", "members": ["someone"]})
        photo = jpeg_bytes()
        sha = hashlib.sha256(photo).hexdigest()
        coop = make_report(team_id="t1")
        secret = make_report(team_id="t1", visibility="agency", photos=[sha])
        r = c.post("/api/v1/reports/batch", json={"reports": [coop, secret]},
                   headers=auth(tok[(O, "police")]))
        assert [x["status"] for x in r.json()["results"]] == ["created", "created"]
        assert c.put(f"/api/v1/photos/{sha}", content=photo, headers={
            **auth(tok[(O, "police")]), "Content-Type": "image/jpeg"}).status_code == 201
        photo3 = jpeg_bytes(colour=(200, 60, 30))
        sha3 = hashlib.sha256(photo3).hexdigest()
        secret3 = make_report(team_id="t1", visibility="agency", photos=[sha3],
                              findings=["youth_protection"], measures=["talk"], place_id="pg-1")
        assert c.put(f"/api/v1/reports/{secret3['id']}", json=secret3,
                     headers=auth(tok[(O, "jugendamt")])).status_code == 201
        assert c.put(f"/api/v1/photos/{sha3}", content=photo3, headers={
            **auth(tok[(O, "jugendamt")]), "Content-Type": "image/jpeg"}).status_code == 201
        c.put("/api/v1/routes/r1", headers=lead, json={"id": "r1", "name": "R", "stops": [
            {"place_id": "pg-1", "start_min": 600, "end_min": 700}]})
        a = c.post("/api/v1/assignments", headers=lead, json={
            "route_id": "r1", "team_id": "t1", "shift_start": wire.format_timestamp(wire.utc_now()),
            "shift_end": wire.format_timestamp(wire.utc_now().replace(year=2030))}).json()
        now = wire.utc_now()
        op = c.post("/api/v1/operations", headers=lead, json={
            "name": "Einsatz", "starts_at": wire.format_timestamp(now - timedelta(hours=2)),
            "ends_at": wire.format_timestamp(now + timedelta(hours=1)),
            "agencies": list(AGENCIES), "team_ids": ["t1"]}).json()
        yield c, tok, {"coop_id": coop["id"], "secret_id": secret["id"], "sha": sha,
                       "secret3_id": secret3["id"], "sha3": sha3, "assignment_id": a["id"],
                       "operation_id": op["id"]}
    storage.close()


def _call(c, method, path, token):
    body = {"json": {}} if method in ("PUT", "POST", "PATCH") else {}
    if "/photos/" in path and method == "PUT":
        body = {"content": b"x", "headers": {"Content-Type": "image/jpeg"}}
    headers = {**auth(token), **body.pop("headers", {})}
    return c.request(method, path, headers=headers, **body)


@pytest.mark.parametrize("method,path,allowed", MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_every_endpoint_for_every_role(world, method, path, allowed):
    c, tok, ids = world
    new_id = make_report()["id"]
    url = path.format(new_id=new_id, new_sha="a" * 64, **ids)
    for role in ROLES:
        for agency in AGENCIES:
            r = _call(c, method, url, tok[(role, agency)])
            if role in allowed:
                assert r.status_code not in (401, 403), (role, agency, r.status_code, r.text)
            else:
                assert r.status_code == 403, (role, agency, r.status_code, r.text)
                assert r.json()["error"]["code"] == "forbidden"
    # and nobody without a token
    assert _call(c, method, url, "nope").status_code == 401


# who may see the reports (detail, photo, list): role x agency
SEES_COOP = {(r, a) for r in (O, L, S) for a in AGENCIES}  # admins read no reports
SEES_SECRET = {(O, "police"), (L, "police"), (S, "police")}  # police-only
SEES_SECRET3 = {(O, "jugendamt"), (L, "jugendamt"), (S, "jugendamt")}  # youth office only
SEES = {"coop": SEES_COOP, "secret": SEES_SECRET, "secret3": SEES_SECRET3}


@pytest.mark.parametrize("kind", ["coop", "secret", "secret3"])
def test_report_visibility_by_role_and_agency(world, kind):
    c, tok, ids = world
    rid = ids[f"{kind}_id"]
    expected = SEES[kind]
    for role in ROLES:
        for agency in AGENCIES:
            h = auth(tok[(role, agency)])
            detail = c.get(f"/api/v1/reports/{rid}", headers=h)
            listed = c.get("/api/v1/reports", headers=h)
            if (role, agency) in expected:
                assert detail.status_code == 200, (role, agency)
                assert rid in [i["report"]["id"] for i in listed.json()["items"]]
            else:
                assert detail.status_code in (403, 404), (role, agency, detail.status_code)
                if listed.status_code == 200:
                    assert rid not in [i["report"]["id"] for i in listed.json()["items"]]
            if kind != "coop":
                sha = ids["sha" if kind == "secret" else "sha3"]
                photo = c.get(f"/api/v1/photos/{sha}", headers=h)
                assert (photo.status_code == 200) == ((role, agency) in expected), (role, agency)


def test_figures_and_exports_keep_each_agency_s_reports_inside_it(world):
    """Each agency's supervisor: the picture counts, and every export lists, the cooperation
    report and their own agency's agency-only report -- never another agency's."""
    c, tok, ids = world
    for agency in AGENCIES:
        h = auth(tok[(S, agency)])
        own = {"police": ids["secret_id"], "jugendamt": ids["secret3_id"]}.get(agency)
        hidden = {ids["secret_id"], ids["secret3_id"]} - {own}
        geo = c.get("/api/v1/export/reports.geojson", headers=h)
        assert geo.status_code == 200
        geo_ids = {f["id"] for f in geo.json()["features"]}
        rows = list(csv.DictReader(io.StringIO(c.get("/api/v1/export/reports.csv", headers=h).text)))
        for listed in (geo_ids, {r["id"] for r in rows}):
            assert ids["coop_id"] in listed and not (hidden & listed), agency
            assert own is None or own in listed, agency
        # the youth office's check, filtered by its agency: one check, one measure -- for them
        pic = c.get("/api/v1/situation", params={"agency": "jugendamt"}, headers=h).json()
        assert (pic["checks"], pic["measures"]) == ((1, 1) if agency == "jugendamt" else (0, 0))
        cats = c.get("/api/v1/situation", headers=h).json()["findings_by_category"]
        assert (cats.get("youth_protection", 0) > 0) == (agency == "jugendamt"), agency
        places = c.get("/api/v1/export/places.geojson", headers=h).json()["features"]
        pg1 = next(f["properties"] for f in places if f["id"] == "pg-1")
        assert pg1["checks"] == sum(r["place_id"] == "pg-1" for r in rows), agency


def test_an_operation_s_feed_and_summary_keep_each_agency_s_reports_inside_it(world):
    """The operation of team t1: its feed and summary show the cooperation report to every
    lead and supervisor, each agency-only report only to readers of its agency."""
    c, tok, ids = world
    op = ids["operation_id"]
    for role in (L, S):
        for agency in AGENCIES:
            h = auth(tok[(role, agency)])
            listed = {i["id"] for i in c.get(f"/api/v1/operations/{op}/reports",
                                             headers=h).json()["items"]}
            for kind in ("coop", "secret", "secret3"):
                assert (ids[f"{kind}_id"] in listed) == ((role, agency) in SEES[kind]), (role, agency, kind)
            summary = c.get(f"/api/v1/operations/{op}/summary", headers=h).json()
            assert summary["checks"] == len(listed)
            assert {a["agency"] for a in summary["by_agency"]} == (
                {"police", "jugendamt"} if agency == "jugendamt" else {"police"})


def test_officer_outside_the_team_sees_nothing(world):
    c, tok, ids = world
    other = login(c, "someone")
    assert c.get(f"/api/v1/reports/{ids['coop_id']}", headers=auth(other)).status_code == 404
    assert c.get("/api/v1/reports", headers=auth(other)).json()["items"] == []


def test_review_respects_the_agency_rule(world):
    c, tok, ids = world
    r = c.post(f"/api/v1/reports/{ids['secret_id']}/review", json={"action": "start"},
               headers=auth(tok[(S, "kod")]))
    assert r.status_code == 404  # a KOD supervisor cannot even learn it exists


def _answer_state(c, tok, rid):
    return c.get(f"/api/v1/reports/{rid}", headers=auth(tok[(S, "police")])).json()


def test_a_team_mate_of_another_agency_cannot_amend_an_agency_only_report(world):
    """The KOD team mate gets 404 for the police-only report, so he may not answer its question
    either: the amendment is refused exactly as one of a report that does not exist, and the
    report stays where review put it."""
    c, tok, ids = world
    police_sup = auth(tok[(S, "police")])
    rid = ids["secret_id"]
    state = _answer_state(c, tok, rid)["review_state"]
    if state == "submitted":
        assert c.post(f"/api/v1/reports/{rid}/review", json={"action": "start"},
                      headers=police_sup).status_code == 200
    assert c.post(f"/api/v1/reports/{rid}/review", json={"action": "ask", "text": "Wer war da?"},
                  headers=police_sup).json()["review_state"] == "needs_info"
    kod = auth(tok[(O, "kod")])
    into_secret = make_report(team_id="t1", amends=rid)
    into_nothing = make_report(team_id="t1", amends=make_report()["id"])
    put_secret = c.put(f"/api/v1/reports/{into_secret['id']}", json=into_secret, headers=kod)
    put_nothing = c.put(f"/api/v1/reports/{into_nothing['id']}", json=into_nothing, headers=kod)
    assert put_secret.status_code == put_nothing.status_code == 422
    assert put_secret.json() == put_nothing.json()
    assert put_secret.json()["error"]["code"] == "unknown_report"
    batch = c.post("/api/v1/reports/batch", json={"reports": [into_secret, into_nothing]},
                   headers=kod).json()["results"]
    assert [r["status"] for r in batch] == ["invalid", "invalid"]
    assert batch[0]["error"] == batch[1]["error"]
    detail = _answer_state(c, tok, rid)
    assert detail["review_state"] == "needs_info"
    assert detail["amendments"] == [] and detail["queries"][0]["answered_at"] is None
    # the police team mate (same agency) may answer it, and that sends it back to review
    answer = make_report(team_id="t1", amends=rid)
    assert c.put(f"/api/v1/reports/{answer['id']}", json=answer,
                 headers=auth(tok[(O, "police")])).status_code == 201
    assert _answer_state(c, tok, rid)["review_state"] == "in_review"


def test_a_team_mate_of_another_agency_may_amend_a_cooperation_report(world):
    c, tok, ids = world
    answer = make_report(team_id="t1", amends=ids["coop_id"])
    assert c.put(f"/api/v1/reports/{answer['id']}", json=answer,
                 headers=auth(tok[(O, "kod")])).status_code == 201
