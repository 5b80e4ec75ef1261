"""A full server disk answers 507 storage_full from every write path, never a generic 500."""

from __future__ import annotations

import errno
import json
import os
import sqlite3

import psycopg
import pytest

import patrol_wire as wire
from sync_server.api.errors import storage_full
from tests.conftest import PASSWORD, auth, jpeg_bytes, make_report
from tests.support.full_disk import fill_database, make_room


def assert_507(resp) -> None:
    assert resp.status_code == 507, resp.text
    assert resp.json()["error"]["code"] == "storage_full"


def put_report(client, body):
    return client.put(f"/api/v1/reports/{body['id']}", content=json.dumps(body),
                      headers={**auth(client.token), "Content-Type": "application/json"})


def test_a_full_database_is_507_on_every_write_path_and_nothing_half_written(client):
    long = "a long note " * 300  # needs pages of its own
    fill_database(client.app_storage)
    single = make_report(note=long)
    assert_507(put_report(client, single))
    batch = {"reports": [make_report(note=long), make_report(note=long)]}
    assert_507(client.post("/api/v1/reports/batch", content=json.dumps(batch),
                           headers={**auth(client.token), "Content-Type": "application/json"}))
    for _ in range(300):  # a login writes its token and audit row: also a write path
        resp = client.post("/api/v1/auth/login", json={"username": "officer", "password": PASSWORD})
        if resp.status_code != 200:
            break
    assert_507(resp)
    assert client.app_storage.report_count() == 0
    make_room(client.app_storage)
    assert put_report(client, single).status_code == 201  # transient: the same report goes now


@pytest.mark.sqlite_only  # photo files: beside SQLite (PostgreSQL keeps them in the database)
def test_a_photo_write_that_finds_no_space_is_507_and_leaves_no_partial_file(client, settings, monkeypatch):
    """ENOSPC from the real photo writer. Where it surfaces is the fsync (a full disk reports
    late on many filesystems); raised there by the OS call the writer makes.
    (tests/integration/test_server_disk_full.py fills a real, tiny filesystem.)"""
    data = jpeg_bytes()
    sha = __import__("hashlib").sha256(data).hexdigest()
    body = make_report(photos=[sha])
    assert put_report(client, body).status_code == 201
    real_fsync = os.fsync

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    resp = client.put(f"/api/v1/photos/{sha}", content=data,
                      headers={**auth(client.token), "Content-Type": "image/jpeg"})
    assert_507(resp)
    assert not any(settings.photo_dir.rglob("*.jpg")) and not any(settings.photo_dir.rglob(".incoming-*"))
    monkeypatch.setattr(os, "fsync", real_fsync)
    resp = client.put(f"/api/v1/photos/{sha}", content=data,
                      headers={**auth(client.token), "Content-Type": "image/jpeg"})
    assert resp.status_code == 201, resp.text


def test_other_database_errors_stay_500(client, monkeypatch):
    from sync_server.storage import SqlStorage

    error = (sqlite3.OperationalError("disk I/O error") if client.app_storage.db.dialect == "sqlite"
             else psycopg.errors.IoError("could not read block"))

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(SqlStorage, "ingest_reports", broken)
    with pytest.raises(type(error)):  # the test client re-raises what the server logs
        put_report(client, make_report())


@pytest.mark.parametrize("exc, full", [
    (sqlite3.OperationalError("database or disk is full"), True),
    (OSError(errno.ENOSPC, "No space left on device"), True),
    (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
    (OSError(errno.EACCES, "Permission denied"), False),
    (sqlite3.OperationalError("database is locked"), False),
    (psycopg.errors.DiskFull("could not extend file"), True),
    (psycopg.errors.UniqueViolation("duplicate key"), False),
])
def test_storage_full_is_told_apart_from_other_failures(exc, full):
    assert storage_full(exc) is full
    try:
        try:
            raise exc
        except Exception as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert storage_full(outer) is full


def test_the_upload_endpoints_document_507(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (("/api/v1/reports/{report_id}", "put"), ("/api/v1/reports/batch", "post"),
                         ("/api/v1/photos/{sha256}", "put")):
        assert "507" in paths[path][method]["responses"], path
    assert "storage_full" in [c.value for c in wire.ErrorCode]
