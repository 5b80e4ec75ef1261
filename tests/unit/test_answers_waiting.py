"""Issue 13 items 13 and 15 on the server: an officer's answer waits for review (counted, listed
first, marked read when a reviewer opens the report or steps on it), and the audit trail names
people by their display names."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database

import patrol_wire as wire
from sync_server.app import create_app
from sync_server.storage import SqliteStorage
from sync_server.storage.sqlite_schema import migrations
from sync_server.security import hash_password
from tests.conftest import FAST_KDF, PASSWORD, add_place, auth, login, make_report


@pytest.fixture
def desk(settings, storage):
    """Two officers of one team, a shift lead and two supervisors (police, KOD)."""
    people = {"pol": (wire.Role.OFFICER, "police"),
              "kod": (wire.Role.OFFICER, "kod"),
              "lead": (wire.Role.SHIFT_LEAD, "kod"),
              "sup": (wire.Role.SUPERVISOR, "police"),
              "sup2": (wire.Role.SUPERVISOR, "kod")}
    for name, (role, agency) in people.items():
        storage.create_user(username=name, display_name=f"Name of {name}", role=role,
                            agency=agency, password_hash=hash_password(PASSWORD, FAST_KDF))
    add_place(storage, "pg-1")
    with TestClient(create_app(settings, storage)) as c:
        c.storage = storage
        c.tok = {name: login(c, name) for name in people}
        r = c.put("/api/v1/teams/t1", json={"name": "T1", "members": ["pol", "kod"]},
                  headers=auth(c.tok["lead"]))
        assert r.status_code == 200, r.text
        yield c


def submit(c, who="pol", **over) -> dict:
    body = make_report(team_id="t1", **over)
    r = c.put(f"/api/v1/reports/{body['id']}", json=body, headers=auth(c.tok[who]))
    assert r.status_code == 201, r.text
    return body


def step(c, rid, action, text="", who="sup"):
    r = c.post(f"/api/v1/reports/{rid}/review", json={"action": action, "text": text},
               headers=auth(c.tok[who]))
    assert r.status_code == 200, r.text


def asked_and_answered(c, who="pol") -> tuple[dict, dict]:
    report = submit(c, who)
    step(c, report["id"], "start")
    step(c, report["id"], "ask", "Wie viele Personen?")
    answer = submit(c, who, amends=report["id"], note="Zwölf.")
    return report, answer


def queue(c, who="sup", **params) -> dict:
    r = c.get("/api/v1/reports", params=params, headers=auth(c.tok[who]))
    assert r.status_code == 200, r.text
    return r.json()


def ids(page: dict) -> list[str]:
    return [i["report"]["id"] for i in page["items"]]


def test_an_answer_waits_for_review_until_a_reviewer_opens_the_report(desk):
    c = desk
    report, _ = asked_and_answered(c)
    other = submit(c)  # a new report beside it, untouched

    waiting = queue(c, unread_answers="true")
    assert ids(waiting) == [report["id"]]
    assert waiting["items"][0]["unread_answers"] == 1 and waiting["unread_answers"] == 1
    plain = queue(c, state="submitted")  # the default queue: the count comes with it
    assert ids(plain) == [other["id"]] and plain["unread_answers"] == 1
    assert plain["items"][0]["unread_answers"] == 0

    # a shift lead reading it is not review reading it
    assert c.get(f"/api/v1/reports/{report['id']}", headers=auth(c.tok["lead"])).json()["unread_answers"] == 1
    assert queue(c)["unread_answers"] == 1

    first = c.get(f"/api/v1/reports/{report['id']}", headers=auth(c.tok["sup2"])).json()
    assert first["unread_answers"] == 1  # what this look found waiting
    assert first["audit"][-1]["action"] == "report.answer_read"
    assert first["audit"][-1]["actor_name"] == "Name of sup2"
    again = c.get(f"/api/v1/reports/{report['id']}", headers=auth(c.tok["sup"])).json()
    assert again["unread_answers"] == 0
    assert [e["action"] for e in again["audit"]].count("report.answer_read") == 1
    assert queue(c, unread_answers="true")["items"] == [] and queue(c)["unread_answers"] == 0


def test_a_review_step_reads_the_answers_too(desk):
    c = desk
    report, _ = asked_and_answered(c)
    step(c, report["id"], "approve")  # e.g. from another client, without opening the detail
    assert queue(c)["unread_answers"] == 0
    trail = [e["action"] for e in c.get(f"/api/v1/reports/{report['id']}",
                                        headers=auth(c.tok["sup"])).json()["audit"]]
    assert "report.answer_read" not in trail  # the step itself is the audited reading


def test_the_count_follows_the_filters_and_the_agency_rule(desk):
    c = desk
    report, _ = asked_and_answered(c)
    hidden = submit(c, "pol", visibility="agency")
    step(c, hidden["id"], "start")
    step(c, hidden["id"], "ask", "Nur Polizei?")
    submit(c, "pol", amends=hidden["id"], note="Ja.", visibility="agency")

    assert queue(c)["unread_answers"] == 2  # a police supervisor sees both
    assert queue(c, "sup2")["unread_answers"] == 1  # KOD does not see the police-only one
    assert ids(queue(c, "sup2", unread_answers="true")) == [report["id"]]
    assert queue(c, severity="high")["unread_answers"] == 0
    assert queue(c, place_id="pg-1", state="approved")["unread_answers"] == 2  # state ignored


def test_audit_trail_and_amendments_carry_display_names(desk):
    c = desk
    report, answer = asked_and_answered(c, "kod")
    detail = c.get(f"/api/v1/reports/{report['id']}", headers=auth(c.tok["sup"])).json()
    named = [(e["action"], e["actor"], e["actor_name"]) for e in detail["audit"]]
    assert named[:4] == [("report.submit", "kod", "Name of kod"),
                         ("review.start", "sup", "Name of sup"),
                         ("review.ask", "sup", "Name of sup"),
                         ("report.amend", "kod", "Name of kod")]
    assert [(a["author"], a["author_name"]) for a in detail["amendments"]] == [("kod", "Name of kod")]
    (entry,) = [e for e in c.storage.audit_log(limit=50) if e["action"] == "review.ask"]
    assert entry["actor_name"] == "Name of sup"  # the admin's log names people too


def test_migration_counts_only_answers_still_in_review_as_waiting(tmp_path):
    """A server upgraded with answers on file: those whose report moved on were dealt with."""
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m010_query_reads")
    for rid, state in (("r-waiting", "in_review"), ("r-approved", "approved")):
        db.execute("INSERT INTO reports (id, content_hash, body, author_id, agency, observed_at,"
                   " received_at, device_verdict, server_verdict, severity, visibility,"
                   " review_state) VALUES (?, 'h', '{}', 1, 'police', '2026-01-01T00:00:00.000Z',"
                   " '2026-01-01T00:00:00.000Z', 'on_site', 'on_site', 'low', 'cooperation', ?)",
                   [rid, state])
        db.execute("INSERT INTO queries (id, report_id, author_id, body, open, seq)"
                   " VALUES (?, ?, 1, '{}', 0, 1)", [f"q-{rid}", rid])
    db.conn.commit()
    db.close()
    with SqliteStorage(path) as upgraded:
        rows = upgraded.db.query(
            "SELECT report_id FROM queries WHERE open = 0 AND read_at IS NULL")
    assert rows == [("r-waiting",)]
