"""Agencies are data (issue 16.1): admins list, add, rename and deactivate them over the API;
users must name a known, active agency; a deactivated agency's reports -- also one saved on a
phone before the deactivation -- are still accepted and kept; devices pull the agencies with
the other reference data; the German CSV and the steering group's PDF print the names the
table holds; a team is mixed with members of two agencies, whichever they are."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from tests.conftest import add_place, add_user, auth, login, make_report

try:
    import psycopg
    DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, psycopg.Error)
except ImportError:  # pragma: no cover - the server's PostgreSQL extra is not installed
    DB_ERRORS = (sqlite3.DatabaseError,)

SEEDED = ["customs", "federal_police", "kod", "other", "police", "prison", "tax_investigation",
          "youth_office"]
NEW = {"code": "jugendamt_unna", "name_de": "Jugendamt Unna", "name_en": "Unna youth office",
       "kind": "municipal"}


@pytest.fixture
def desk(settings, storage):
    """An admin, a police supervisor and officers of police and the youth office."""
    add_user(storage, "adm", wire.Role.ADMIN)
    add_user(storage, "sup-ya", wire.Role.SUPERVISOR, "youth_office")
    add_user(storage, "sup-pol", wire.Role.SUPERVISOR, "police")
    add_user(storage, "off-ya", wire.Role.OFFICER, "youth_office")
    add_user(storage, "off-pol", wire.Role.OFFICER, "police")
    add_user(storage, "lead", wire.Role.SHIFT_LEAD, "kod")
    add_place(storage)
    with TestClient(create_app(settings, storage)) as c:
        c.storage = storage
        c.admin = auth(login(c, "adm"))
        yield c


def _error(r, status: int, code: str) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.json()["error"]["code"] == code, r.text


def test_the_migration_seeds_the_former_codes_and_admins_add_and_rename(desk):
    c = desk
    listed = c.get("/api/v1/admin/agencies", headers=c.admin).json()
    assert [a["code"] for a in listed] == SEEDED
    police = next(a for a in listed if a["code"] == "police")
    assert police == {"code": "police", "name_de": "Polizei", "name_en": "Police",
                      "kind": "police", "active": True, "users": 3}  # adm, sup-pol, off-pol
    r = c.post("/api/v1/admin/agencies", json=NEW, headers=c.admin)
    assert r.status_code == 201, r.text
    assert r.json() == {**NEW, "active": True}
    _error(c.post("/api/v1/admin/agencies", json={**NEW, "name_de": "Anders"}, headers=c.admin),
           409, "agency_exists")
    r = c.patch("/api/v1/admin/agencies/jugendamt_unna", json={"name_de": "Kreisjugendamt Unna"},
                headers=c.admin)
    assert r.status_code == 200 and r.json()["name_de"] == "Kreisjugendamt Unna"
    assert r.json()["name_en"] == NEW["name_en"]  # only the fields given change
    actions = [(e["action"], e["object_id"]) for e in c.storage.audit_log(limit=20)]
    assert ("agency.create", "jugendamt_unna") in actions
    assert ("agency.update", "jugendamt_unna") in actions


BAD_CREATES = [
    ({**NEW, "code": "Zoll"}, "invalid_value"),  # codes are lowercase
    ({**NEW, "code": "z"}, "invalid_value"),
    ({**NEW, "code": "1zoll"}, "invalid_value"),
    ({**NEW, "code": "zoll-hamm"}, "invalid_value"),
    ({**NEW, "code": "z" * 33}, "invalid_value"),
    ({**NEW, "code": "zoll\n"}, "invalid_value"),
    ({**NEW, "name_de": ""}, "invalid_value"),
    ({**NEW, "name_de": " Zoll"}, "invalid_value"),
    ({**NEW, "name_en": "Zoll\nHamm"}, "invalid_value"),
    ({**NEW, "name_en": "x" * 101}, "invalid_value"),
    ({**NEW, "name_de": "Zoll\u0000"}, "invalid_value"),
    ({**NEW, "kind": "army"}, "invalid_value"),
    ({**NEW, "kind": 3}, "invalid_type"),
    ({**NEW, "active": False}, "unknown_field"),  # made active; deactivate with PATCH
    ({k: v for k, v in NEW.items() if k != "kind"}, "missing_field"),
    ([NEW], "invalid_type"),
]


@pytest.mark.parametrize("body,code", BAD_CREATES, ids=[str(i) for i in range(len(BAD_CREATES))])
def test_bad_agencies_are_refused_with_a_code(desk, body, code):
    r = desk.post("/api/v1/admin/agencies", json=body, headers=desk.admin)
    _error(r, 422, code)
    assert r.json()["error"]["details"].get("field") or code == "invalid_type"


def test_bad_requests_around_agencies_are_never_a_500(desk):
    c = desk
    _error(c.post("/api/v1/admin/agencies", content=b"{nope", headers={
        **c.admin, "Content-Type": "application/json"}), 400, "malformed_json")
    _error(c.post("/api/v1/admin/agencies", content=b"code=x", headers={
        **c.admin, "Content-Type": "application/x-www-form-urlencoded"}), 415,
        "unsupported_media_type")
    _error(c.patch("/api/v1/admin/agencies/nosuch", json={"name_de": "X"}, headers=c.admin),
           404, "unknown_agency")
    _error(c.patch("/api/v1/admin/agencies/Not-A-Code", json={}, headers=c.admin),
           400, "invalid_id")
    _error(c.patch("/api/v1/admin/agencies/police", json={"code": "polizei"}, headers=c.admin),
           422, "unknown_field")  # the code is for good
    _error(c.patch("/api/v1/admin/agencies/police", json={"active": "no"}, headers=c.admin),
           422, "invalid_type")
    _error(c.delete("/api/v1/admin/agencies/police", headers=c.admin), 405, "method_not_allowed")
    # only admins
    _error(c.post("/api/v1/admin/agencies", json=NEW, headers=auth(login(c, "sup-pol"))),
           403, "forbidden")


def test_users_must_name_a_known_active_agency(desk):
    c = desk
    user = {"username": "neu", "display_name": "Neu", "role": "officer", "password": "x" * 12}
    _error(c.post("/api/v1/admin/users", json={**user, "agency": "stadtwerke"}, headers=c.admin),
           422, "unknown_agency")
    _error(c.post("/api/v1/admin/users", json={**user, "agency": "Zoll"}, headers=c.admin),
           422, "invalid_value")
    assert c.patch("/api/v1/admin/agencies/customs", json={"active": False},
                   headers=c.admin).json()["active"] is False
    r = c.post("/api/v1/admin/users", json={**user, "agency": "customs"}, headers=c.admin)
    _error(r, 422, "agency_inactive")
    assert r.json()["error"]["details"] == {"field": "agency"}
    _error(c.patch("/api/v1/admin/users/off-pol", json={"agency": "customs"}, headers=c.admin),
           422, "agency_inactive")
    _error(c.patch("/api/v1/admin/users/off-pol", json={"agency": "stadtwerke"}, headers=c.admin),
           422, "unknown_agency")
    _error(c.patch("/api/v1/admin/users/nobody", json={"agency": "kod"}, headers=c.admin),
           404, "unknown_user")
    assert c.storage.user_by_name("off-pol")[0].agency == "police"
    created = c.post("/api/v1/admin/users", json={**user, "agency": "youth_office"},
                     headers=c.admin)
    assert created.status_code == 201 and created.json()["agency"] == "youth_office"
    # below the API, the database itself refuses a user of an unknown agency
    with pytest.raises(DB_ERRORS):
        add_user(c.storage, "sneaky", agency="stadtwerke")
    assert c.storage.user_by_name("sneaky") is None


def test_a_deactivated_agency_keeps_its_people_and_their_reports(desk):
    """The youth office is deactivated while its officer's phone holds a check saved before:
    the officer's session goes on, the report is accepted and kept, the agency rule holds for
    it, and a change to the officer's name does not need a new agency."""
    c = desk
    officer = auth(login(c, "off-ya"))
    saved_offline = make_report(visibility="agency")
    assert c.patch("/api/v1/admin/agencies/youth_office", json={"active": False},
                   headers=c.admin).status_code == 200
    r = c.put(f"/api/v1/reports/{saved_offline['id']}", json=saved_offline, headers=officer)
    assert r.status_code == 201, r.text
    batch = c.post("/api/v1/reports/batch", json={"reports": [make_report()]}, headers=officer)
    assert batch.json()["results"][0]["status"] == "created"
    ya_list = c.get("/api/v1/reports", headers=auth(login(c, "sup-ya"))).json()["items"]
    assert saved_offline["id"] in [i["report"]["id"] for i in ya_list]
    pol_list = c.get("/api/v1/reports", headers=auth(login(c, "sup-pol"))).json()["items"]
    assert saved_offline["id"] not in [i["report"]["id"] for i in pol_list]
    listed = {a["code"]: a for a in c.get("/api/v1/admin/agencies", headers=c.admin).json()}
    assert listed["youth_office"]["active"] is False and listed["youth_office"]["users"] == 2
    r = c.patch("/api/v1/admin/users/off-ya", json={"display_name": "Frau Ya", "agency":
                                                    "youth_office"}, headers=c.admin)
    assert r.status_code == 200 and r.json()["agency"] == "youth_office"


def test_devices_pull_agencies_when_they_ask_for_them(desk):
    c = desk
    officer = auth(login(c, "off-pol"))
    first = c.get("/api/v1/sync", params={"agencies": 1}, headers=officer).json()
    assert [a["code"] for a in first["agencies"]] == [  # in change order: as m011 seeded them
        "police", "kod", "customs", "federal_police", "youth_office", "tax_investigation",
        "prison", "other"]
    assert first["agencies"][0] == {"code": "police", "name_de": "Polizei", "name_en": "Police",
                                    "kind": "police", "active": True}
    wire.decode(wire.SyncPage, first)  # what the app decodes
    # an older client does not ask and gets the page it knows
    assert "agencies" not in c.get("/api/v1/sync", headers=officer).json()
    c.patch("/api/v1/admin/agencies/kod", json={"name_de": "KOD Hamm"}, headers=c.admin)
    c.post("/api/v1/admin/agencies", json=NEW, headers=c.admin)
    later = c.get("/api/v1/sync", params={"agencies": 1, "cursor": first["next_cursor"]},
                  headers=officer).json()
    assert [(a["code"], a["name_de"]) for a in later["agencies"]] == [
        ("kod", "KOD Hamm"), ("jugendamt_unna", "Jugendamt Unna")]


def test_teams_are_mixed_with_members_of_two_agencies_whichever(desk):
    c = desk
    lead = auth(login(c, "lead"))
    partners = c.put("/api/v1/teams/tp", json={"name": "Partner", "members": ["off-ya", "off-pol"]},
                     headers=lead).json()
    alone = c.put("/api/v1/teams/ta", json={"name": "Allein", "members": ["off-pol", "sup-pol"]},
                  headers=lead).json()
    assert partners["mixed"] is True and alone["mixed"] is False
    assert wire.is_mixed(["youth_office", "customs"]) and not wire.is_mixed(["kod", "kod"])


def test_the_german_csv_names_agencies_as_the_table_does(desk):
    c = desk
    c.put(f"/api/v1/reports/{(r := make_report())['id']}", json=r,
          headers=auth(login(c, "off-ya")))
    c.patch("/api/v1/admin/agencies/youth_office",
            json={"name_de": "=Jugendamt Hamm"}, headers=c.admin)  # a formula-like name, too
    sup = auth(login(c, "sup-ya"))
    german = c.get("/api/v1/export/reports.csv", params={"dialect": "semicolon"}, headers=sup)
    row = german.content.decode("utf-8-sig").splitlines()[1].split(";")
    assert "'=Jugendamt Hamm" in row, ";".join(row)  # the name, neutralised like every text cell
    machine = c.get("/api/v1/export/reports.csv", headers=sup).text.splitlines()[1].split(",")
    assert "youth_office" in machine  # the comma dialect keeps the code


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_steering_report_names_agencies_as_the_table_does(desk, tmp_path):
    c = desk
    r = make_report(measures=["talk"])
    c.put(f"/api/v1/reports/{r['id']}", json=r, headers=auth(login(c, "off-ya")))
    c.patch("/api/v1/admin/agencies/youth_office", json={"name_de": "Jugendamt der Stadt Xanten"},
            headers=c.admin)
    pdf = c.get("/api/v1/report.pdf", headers=auth(login(c, "sup-ya")))
    assert pdf.status_code == 200, pdf.text
    (tmp_path / "r.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Jugendamt der Stadt Xanten" in text  # the reader line and the measures table
    assert text.count("Jugendamt der Stadt Xanten") >= 2


# content hashes of a UserInfo per former agency code, computed with the enum (main at da72060)
FORMER_CODES = {"police": "c36f20c884b5a153", "kod": "d0849a1814c86930",
                "customs": "2188f70b1b641b08", "federal_police": "de0fc83ea20bc29c",
                "youth_office": "cba655ca36da1058", "tax_investigation": "98a7346b9d4f0bf9",
                "prison": "b5c2d6945f0d3e1d", "other": "0d2103eeeedb143c"}


@pytest.mark.parametrize("code", sorted(FORMER_CODES))
def test_the_former_codes_decode_and_encode_to_the_same_bytes(code):
    import hashlib
    import json

    body = {"username": "anna", "display_name": "PK Anna", "role": "officer", "agency": code,
            "team_ids": ["team-1"]}
    info = wire.decode_json(wire.UserInfo, json.dumps(body).encode())
    assert hashlib.sha256(wire.canonical_json(info)).hexdigest()[:16] == FORMER_CODES[code]
    assert wire.decode(wire.TeamMember, {"username": "a", "display_name": "A",
                                         "agency": code}).agency == code


@pytest.mark.parametrize("bad", ["", "k", "Kod", "kod ", "kod\n", "1kod", "k-od", "x" * 33, 7])
def test_a_code_that_is_no_code_is_refused_on_the_wire(bad):
    with pytest.raises(wire.WireError):
        wire.decode(wire.TeamMember, {"username": "a", "display_name": "A", "agency": bad})
