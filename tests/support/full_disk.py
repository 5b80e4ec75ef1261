"""A server database that is really full: SQLite's ``max_page_count`` set to the pages it has,
and every free page taken, so the next write that needs a page fails with SQLITE_FULL -- the
error a full disk gives, on a machine whose disk is not full."""

from __future__ import annotations

import sqlite3

UNLIMITED = 1_073_741_823


def fill_database(storage) -> None:
    conn: sqlite3.Connection = storage._write_conn
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
    storage._write_conn.execute(f"PRAGMA max_page_count = {UNLIMITED}")
