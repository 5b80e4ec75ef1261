"""Device databases made by the store when it ran on sqlite-utils open with the stdlib runner:
same schema, same migration history, every row kept. The databases are SQL dumps written by
that code (tests/data/device_db/make.py, run on main at c32d087)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import patrol_wire as wire
from patrol_app.core import store_schema
from patrol_app.core.store import ItemKind, LocalStore, OutboxState
from patrol_app.core.store_schema import apply_migrations
from tests.conftest import make_report

DUMPS = Path(__file__).resolve().parents[1] / "data" / "device_db"
SENT, REFUSED = "01a236f3-b8ce-7566-a9b2-d4c0f3cef881", "01a236f3-b8cf-72ea-b142-5f5e834b2244"
PHOTO = "81893a13f7c651d232f084df50f06df8a6f7444f418a02cf6f15f118aaae7d05"
NAMES = ["m001_initial", "m002_photo_lookup", "m003_superseded"]  # what main's store wrote
LATER = [name for name, _ in store_schema.MIGRATIONS[len(NAMES):]]  # added since: they run once


def device_from_dump(data: Path, dump: str) -> Path:
    data.mkdir(parents=True)
    conn = sqlite3.connect(data / "device.db")
    conn.executescript((DUMPS / dump).read_text(encoding="utf-8"))
    conn.close()
    return data


def schema(db_path: Path) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"
                            " ORDER BY type, name").fetchall()
    finally:
        conn.close()


def history(db_path: Path) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT id, migration_set, name, applied_at FROM _sqlite_migrations"
                            " ORDER BY id").fetchall()
    finally:
        conn.close()


def test_a_device_made_by_the_old_store_opens_with_everything_kept(tmp_path):
    data = device_from_dump(tmp_path / "old", "main_c32d087.sql")
    before_schema, before_history = schema(data / "device.db"), history(data / "device.db")
    assert [h[2] for h in before_history] == NAMES

    s = LocalStore(data)
    try:
        assert s.get_report(SENT).note == "report 1" and s.get_report(SENT).photos == [PHOTO]
        assert s.outbox_entry(ItemKind.REPORT, SENT).state is OutboxState.SENT
        refused = s.outbox_entry(ItemKind.REPORT, REFUSED)
        assert (refused.state, refused.error_code) == (OutboxState.REJECTED, "unknown_place")
        assert s.outbox_entry(ItemKind.PHOTO, PHOTO).state is OutboxState.PENDING
        # m005_agencies: the next pull starts from the beginning and brings the agencies,
        # which that store never had; what it pulled before stays until replaced
        assert s.get_meta("sync_cursor") is None
        assert s.agencies() == {}
        # and it works on: a correction supersedes the refused report, in one transaction
        fix = wire.decode(wire.Report, make_report(3))
        s.save_report(fix, supersedes=REFUSED)
        assert s.outbox_entry(ItemKind.REPORT, REFUSED).superseded_by == fix.id
    finally:
        s.close()
    after = history(data / "device.db")
    assert after[:len(NAMES)] == before_history  # nothing ran again
    assert [h[2] for h in after[len(NAMES):]] == LATER  # only what came later, once
    assert set(before_schema) <= set(schema(data / "device.db"))  # every old object unchanged


def test_a_new_device_gets_the_schema_and_history_the_old_store_wrote(tmp_path):
    old = device_from_dump(tmp_path / "old", "main_c32d087.sql")
    LocalStore(old).close()  # brought up to date
    LocalStore(tmp_path / "new").close()
    assert schema(tmp_path / "new" / "device.db") == schema(old / "device.db")
    assert [h[1:3] for h in history(tmp_path / "new" / "device.db")] == \
        [h[1:3] for h in history(old / "device.db")]


def test_a_device_from_before_the_third_migration_gets_only_that_one(tmp_path):
    data = device_from_dump(tmp_path / "early", "main_c32d087_before_m003.sql")
    before = history(data / "device.db")
    assert [h[2] for h in before] == NAMES[:2]
    s = LocalStore(data)
    try:
        (item,) = s.outbox()
        assert (item.ref, item.state, item.superseded_by) == ("r-1", OutboxState.PENDING, None)
    finally:
        s.close()
    after = history(data / "device.db")
    assert after[:2] == before
    assert [h[1:3] for h in after[2:]] == [("patrol_app.store", n) for n in [NAMES[2], *LATER]]
    old = device_from_dump(tmp_path / "old", "main_c32d087.sql")
    LocalStore(old).close()
    assert schema(data / "device.db") == schema(old / "device.db")


def test_a_failing_migration_leaves_nothing_and_stays_pending(tmp_path, monkeypatch):
    LocalStore(tmp_path / "dev").close()

    def m999_broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(store_schema, "MIGRATIONS", [*store_schema.MIGRATIONS,
                                                     ("m999_broken", m999_broken)])
    db = sqlite3.connect(tmp_path / "dev" / "device.db", isolation_level=None)
    try:
        with pytest.raises(RuntimeError, match="disk trouble"):
            apply_migrations(db)
        assert not db.in_transaction
        assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
        assert [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations")] == NAMES + LATER
    finally:
        db.close()


def test_a_migration_registered_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        store_schema.migration(store_schema.m002_photo_lookup)
