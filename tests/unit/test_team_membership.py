"""A report's team must be one of its author's teams at the observed time (or none): an officer
of team Heessen cannot put reports into team Mitte's progress. A member removed mid-shift
still delivers what they saw while in the team; nothing they observe afterwards counts for it."""

from __future__ import annotations

import sqlite3
import time

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from sync_server.storage import SqliteStorage
from tests.conftest import add_place, add_user, auth, login, make_report, ts


@pytest.fixture
def city(settings, storage):
    for name, agency in (("pol", "police"), ("kod", "kod"),
                         ("pol2", "police"), ("kod2", "kod")):
        add_user(storage, name, agency=agency)
    add_user(storage, "lead", wire.Role.SHIFT_LEAD)
    add_place(storage)
    with TestClient(create_app(settings, storage)) as c:
        c.tok = {u: login(c, u) for u in ("pol", "kod", "pol2", "kod2", "lead")}
        team(c, "mitte", ["pol", "kod"])
        team(c, "heessen", ["pol2", "kod2"])
        yield c


def team(c, team_id, members):
    r = c.put(f"/api/v1/teams/{team_id}", json={"name": team_id, "members": members},
              headers=auth(c.tok["lead"]))
    assert r.status_code == 200, r.text


def batch(c, who, *reports):
    r = c.post("/api/v1/reports/batch", json={"reports": list(reports)}, headers=auth(c.tok[who]))
    assert r.status_code == 200, r.text
    return r.json()["results"]


def test_an_officer_cannot_report_into_another_team(city):
    c = city
    own, foreign, unknown, none = (make_report(team_id="heessen"), make_report(team_id="mitte"),
                                   make_report(team_id="nowhere"), make_report(team_id=None))
    results = batch(c, "pol2", own, foreign, unknown, none)
    assert [r["status"] for r in results] == ["created", "invalid", "invalid", "created"]
    assert [r["id"] for r in results] == [own["id"], foreign["id"], unknown["id"], none["id"]]
    assert results[1]["error"]["code"] == "not_team_member"
    assert results[2]["error"]["code"] == "unknown_team"
    put = c.put(f"/api/v1/reports/{foreign['id']}", json=foreign, headers=auth(c.tok["pol2"]))
    assert put.status_code == 422
    assert put.json()["error"]["code"] == "not_team_member"
    assert put.json()["error"]["details"] == {"field": "team_id"}
    ids = {i["report"]["id"] for i in c.get("/api/v1/reports", headers=auth(c.tok["lead"])
                                             ).json()["items"]}
    assert foreign["id"] not in ids and own["id"] in ids


def test_a_member_removed_mid_shift_delivers_what_they_saw_before(city):
    c = city
    before = make_report(team_id="mitte", observed_at=ts(-60))
    time.sleep(0.01)
    team(c, "mitte", ["pol"])  # kod leaves the team now
    after = make_report(team_id="mitte", observed_at=ts(1))
    results = batch(c, "kod", before, after)
    assert [r["status"] for r in results] == ["created", "invalid"]
    assert results[1]["error"]["code"] == "not_team_member"
    team(c, "mitte", ["pol", "kod"])  # and comes back: reports count again
    again = make_report(team_id="mitte", observed_at=ts(2))
    assert [r["status"] for r in batch(c, "kod", again)] == ["created"]


def test_a_device_clock_behind_does_not_refuse_a_new_members_report(city):
    """Joined a minute ago, the phone's clock says the check was an hour ago: the report is
    refused for its content only, never for the device's clock alone."""
    c = city
    team(c, "heessen", ["pol2", "kod2", "pol"])
    late_clock = make_report(team_id="heessen", observed_at=ts(-3600),
                             fix={"lat": 51.68, "lon": 7.82, "accuracy_m": 8.0,
                                  "fixed_at": ts(-3610), "source": "gps"})
    assert [r["status"] for r in batch(c, "pol", late_clock)] == ["created"]


def test_an_amendment_carries_the_team_rule_too(city):
    c = city
    original = make_report(team_id="mitte")
    assert batch(c, "pol", original)[0]["status"] == "created"
    answer = make_report(team_id="heessen", amends=original["id"])
    (result,) = batch(c, "pol", answer)
    assert result["error"]["code"] == "not_team_member"


def test_memberships_removed_before_the_migration_count_as_ending_then(tmp_path):
    """Old databases did not time removals: the migration ends them at its own time."""
    from sqlite_utils import Database

    from sync_server.storage.sqlite_schema import migrations

    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m008_team_membership")  # the schema as it was
    db.execute("INSERT INTO users (id, username, display_name, password_hash, role, agency,"
               " created_at) VALUES (1, 'a', 'A', 'x', 'officer', 'kod', 0)")
    db.execute("INSERT INTO teams (id, name, shift_date, seq) VALUES ('t', 'T', NULL, 1)")
    db.execute("INSERT INTO team_members (team_id, user_id, active) VALUES ('t', 1, 0)")
    db.conn.commit()
    db.close()
    with SqliteStorage(path) as storage:
        assert storage.memberships(1, ["t"])["t"] > ts(-60)
