"""Writers in several processes (server workers, the command line) take turns."""

import threading
import time

import pytest

from sync_server.storage import SqliteStorage
from sync_server.storage import sqlite_engine as backend


def test_a_second_writer_waits_for_the_first_then_writes(tmp_path):
    path = tmp_path / "server.db"
    first, second = SqliteStorage(path), SqliteStorage(path)  # two processes' worth of handles
    holding, done = threading.Event(), []

    def other() -> None:
        holding.wait()
        second.upsert_district("b", '{"id":"b"}', actor="t")
        done.append(time.monotonic())

    t = threading.Thread(target=other)
    t.start()
    with first.db.tx() as c:
        holding.set()
        time.sleep(0.3)  # the other writer must wait this out, not fail or interleave
        released = time.monotonic()
        c.execute("INSERT INTO districts (id, body, seq) VALUES ('a', '{}', 0)")
    t.join(5)
    assert done and done[0] >= released  # (how promptly: bench/server_ingest.py's CPU figure)
    assert {r[0] for r in second.db.query("SELECT id FROM districts")} == {"a", "b"}
    first.close()
    second.close()


def test_a_writer_that_waits_too_long_fails_as_sqlite_would(tmp_path, monkeypatch):
    monkeypatch.setattr(backend, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "server.db"
    first, second = SqliteStorage(path), SqliteStorage(path)
    with first.db.tx():
        t0 = time.monotonic()
        with pytest.raises(backend.sqlite3.OperationalError, match="locked"):
            with second.db.tx():
                pass
        assert 0.2 <= time.monotonic() - t0 < 2
    with second.db.tx() as c:  # and its locks were all given back
        c.execute("INSERT INTO districts (id, body, seq) VALUES ('c', '{}', 0)")
    first.close()
    second.close()


def test_while_serving_the_wal_is_copied_back_beside_the_writers(tmp_path, monkeypatch):
    """The checkpoint thread, not a writer's commit, moves new pages into the database file."""
    import sqlite3

    monkeypatch.setattr(backend, "CHECKPOINT_EVERY_S", 0.02)
    path = tmp_path / "server.db"
    storage = SqliteStorage(path)

    def in_database_file() -> set[str]:  # immutable: the file alone, the WAL unread
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            return {r[0] for r in conn.execute("SELECT id FROM districts")}
        finally:
            conn.close()

    storage.upsert_district("a", '{"id":"a"}', actor="t")
    assert in_database_file() == set()  # still only in the WAL: writers copy back at 1,000 pages
    storage.start_serving()
    storage.upsert_district("b", '{"id":"b"}', actor="t")
    deadline = time.monotonic() + 5
    while in_database_file() != {"a", "b"} and time.monotonic() < deadline:
        time.sleep(0.02)
    assert in_database_file() == {"a", "b"}
    thread, _ = storage.db.checkpointer
    storage.close()
    assert not thread.is_alive()
