"""A server database that is really full, on a machine whose disk is not.

SQLite: ``max_page_count`` set to the pages it has and every free page taken, so the next write
that needs a page fails with SQLITE_FULL -- the error a full disk gives. PostgreSQL: a trigger on
the audit log (every write path appends to it) raises SQLSTATE 53100 disk_full, the error the
server gets when the database server's disk is full."""

from __future__ import annotations

import sqlite3

UNLIMITED = 1_073_741_823


def fill_database(storage) -> None:
    if storage.db.dialect == "postgres":
        with storage.db.tx() as c:
            c.execute("CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$"
                      " BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'"
                      " USING ERRCODE = 'disk_full'; END $$")
            c.execute("CREATE TRIGGER test_disk_full BEFORE INSERT ON audit"
                      " FOR EACH ROW EXECUTE FUNCTION test_disk_full()")
        return
    conn: sqlite3.Connection = storage.db.write_conn
    conn.execute("CREATE TABLE IF NOT EXISTS test_filler (x BLOB)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    for size in (3000, 300, 30):  # big rows first, then what still fits in the gaps
        try:
            while True:
                conn.execute("INSERT INTO test_filler VALUES (zeroblob(?))", [size])
        except sqlite3.OperationalError as exc:
            assert exc.sqlite_errorcode == sqlite3.SQLITE_FULL, exc


def make_room(storage) -> None:
    if storage.db.dialect == "postgres":
        with storage.db.tx() as c:
            c.execute("DROP TRIGGER test_disk_full ON audit")
            c.execute("DROP FUNCTION test_disk_full()")
        return
    storage.db.write_conn.execute(f"PRAGMA max_page_count = {UNLIMITED}")
