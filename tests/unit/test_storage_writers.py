"""Writers in several processes (server workers, the command line) take turns."""

import threading
import time

import pytest

from sync_server.storage import sqlite as backend
from sync_server.storage.sqlite import SqliteStorage


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
    with first._tx() as c:
        holding.set()
        time.sleep(0.3)  # the other writer must wait this out, not fail or interleave
        released = time.monotonic()
        c.execute("INSERT INTO districts (id, body, seq) VALUES ('a', '{}', 0)")
    t.join(5)
    assert done and done[0] >= released  # (how promptly: bench/server_ingest.py's CPU figure)
    assert {r[0] for r in second._read().execute("SELECT id FROM districts")} == {"a", "b"}
    first.close()
    second.close()


def test_a_writer_that_waits_too_long_fails_as_sqlite_would(tmp_path, monkeypatch):
    monkeypatch.setattr(backend, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "server.db"
    first, second = SqliteStorage(path), SqliteStorage(path)
    with first._tx():
        t0 = time.monotonic()
        with pytest.raises(backend.sqlite3.OperationalError, match="locked"):
            with second._tx():
                pass
        assert 0.2 <= time.monotonic() - t0 < 2
    with second._tx() as c:  # and its locks were all given back
        c.execute("INSERT INTO districts (id, body, seq) VALUES ('c', '{}', 0)")
    first.close()
    second.close()
