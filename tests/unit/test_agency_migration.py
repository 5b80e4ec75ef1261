"""A server database made before agencies were data (SQLite up to m010, PostgreSQL up to
0001) migrates without loss: users keep their agency codes and log in as before, reports keep
their bytes and content hash (a replay is identical), the agency rule still divides police and
KOD, every code found becomes an agency (even one the former enum never had), and devices with
a cursor from before pull the new agencies."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from sync_server.security import hash_password
from sync_server.storage import open_storage
from tests.conftest import FAST_KDF, PASSWORD, auth, login, make_report

USERS = [  # (id, username, role, agency)
    (1, "pol", "officer", "police"), (2, "kod", "officer", "kod"),
    (3, "sup-pol", "supervisor", "police"), (4, "sup-kod", "supervisor", "kod"),
    (5, "werk", "officer", "stadtwerke"),  # a code no enum had (a hand-edited database)
]


def _old_rows(execute, pw_hash: str) -> dict[str, dict]:
    """The rows a server before m011 wrote: users, a place, two reports (one police-only),
    the change counter at 41 (devices have cursors up to it)."""
    for uid, name, role, agency in USERS:
        execute("INSERT INTO users (id, username, display_name, password_hash, role, agency,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [uid, name, name.title(), pw_hash, role, agency, 1.0])
    execute("UPDATE meta SET value = '41' WHERE key = 'change_seq'")
    place = wire.Place("pg-1", "Place pg-1", wire.PlaceType.PLAYGROUND, 51.68, 7.82, 30.0)
    execute("INSERT INTO places (id, body, type, active, seq) VALUES (?, ?, ?, 1, 41)",
            ["pg-1", wire.canonical_json(place).decode(), "playground"])
    reports = {"secret": make_report(visibility="agency"), "coop": make_report()}
    for (kind, body), (author, agency) in zip(reports.items(), [(1, "police"), (2, "kod")]):
        text = wire.canonical_json(wire.decode(wire.Report, body))
        execute("INSERT INTO reports (id, content_hash, body, author_id, agency, place_id,"
                " observed_at, received_at, device_verdict, server_verdict, severity,"
                " visibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [body["id"], hashlib.sha256(text).hexdigest(), text.decode(), author, agency,
                 "pg-1", body["observed_at"], body["observed_at"], "on_site", "on_site", "low",
                 body["visibility"]])
    return reports


def _old_sqlite(settings) -> dict[str, dict]:
    from sqlite_utils import Database

    from sync_server.storage.sqlite_schema import migrations

    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(sqlite3.connect(settings.db_path))
    migrations.apply(db, stop_before="m011_agencies")
    assert "agencies" not in db.table_names()
    reports = _old_rows(lambda sql, p=(): db.execute(sql, p), hash_password(PASSWORD, FAST_KDF))
    db.conn.commit()
    db.close()
    return reports


def _old_postgres(url: str) -> dict[str, dict]:
    import psycopg

    from sync_server.storage.pg_engine import migrate, pg_sql

    with psycopg.connect(url, autocommit=True) as conn:
        assert migrate(conn, stop_before="0002_agencies") == ["0001_initial"]
        with conn.transaction():
            reports = _old_rows(lambda sql, p=(): conn.execute(pg_sql(sql), list(p)),
                                hash_password(PASSWORD, FAST_KDF))
    return reports


def test_a_database_from_before_agencies_migrates_without_loss(settings, backend):
    reports = (_old_postgres(settings.database_url) if backend == "postgres"
               else _old_sqlite(settings))
    storage = open_storage(settings)  # migrates
    try:
        codes = [a.code for a in storage.list_agencies()]
        assert {"police", "kod", "customs", "youth_office", "federal_police",
                "tax_investigation", "prison", "other", "stadtwerke"} == set(codes)
        assert {u.username: u.agency for u in storage.list_users()} == {
            name: agency for _, name, _, agency in USERS}
        assert storage.agency("stadtwerke").name_de == "stadtwerke"  # kept, for an admin to name
        assert storage.agency("police").name_de == "Polizei"
        with TestClient(create_app(settings, storage)) as c:
            tok = {name: auth(login(c, name)) for _, name, _, _ in USERS}
            # a device that pulled up to seq 41 before the upgrade learns the agencies now
            page = c.get("/api/v1/sync", params={"cursor": "c1.41", "agencies": 1},
                         headers=tok["pol"]).json()
            assert {a["code"] for a in page["agencies"]} == set(codes)
            assert page["places"] == []  # nothing else changed
            # the agency rule holds for the old rows
            for viewer, sees_secret in (("sup-pol", True), ("sup-kod", False)):
                ids = {i["report"]["id"] for i in c.get("/api/v1/reports",
                                                        headers=tok[viewer]).json()["items"]}
                assert reports["coop"]["id"] in ids
                assert (reports["secret"]["id"] in ids) is sees_secret, viewer
            assert c.get(f"/api/v1/reports/{reports['secret']['id']}",
                         headers=tok["sup-kod"]).status_code == 404
            # same bytes, same hash: the author's replay is identical, not a conflict
            for kind, author in (("secret", "pol"), ("coop", "kod")):
                body = reports[kind]
                r = c.put(f"/api/v1/reports/{body['id']}", json=body, headers=tok[author])
                assert r.status_code == 200 and r.json()["status"] == "identical", r.text
            stored = storage.report_detail(reports["coop"]["id"])
            assert stored["agency"] == "kod"
            # and new data goes on as before
            new = make_report(visibility="agency")
            assert c.put(f"/api/v1/reports/{new['id']}", json=new,
                         headers=tok["kod"]).status_code == 201
    finally:
        storage.close()
