"""The device database's schema: a small migration runner and the migrations (m001-m005).

The runner keeps sqlite-utils' bookkeeping exactly -- the ``_sqlite_migrations`` table, its
index, the set name ``patrol_app.store`` and the migrations' names -- so a device database made
by earlier app versions opens as it is and new ones are the same schema
(tests/unit/test_store_migrations.py opens databases made by that code). Why not sqlite-utils
itself: see ``store``'s docstring. Never rename or reorder a migration: devices depend on it.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator


Db = sqlite3.Connection  # opened in autocommit mode: a statement outside atomic() commits itself

MIGRATION_SET = "patrol_app.store"
MIGRATIONS_TABLE = "_sqlite_migrations"
# sqlite-utils' DDL, as it wrote it on every device so far (sqlite_master keeps the text)
_MIGRATIONS_DDL = (
    'CREATE TABLE "_sqlite_migrations" (\n   "id" INTEGER PRIMARY KEY,\n   "migration_set" TEXT,'
    '\n   "name" TEXT,\n   "applied_at" TEXT\n)',
    'CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"\n'
    '    ON "_sqlite_migrations" ("migration_set", "name")',
)
MIGRATIONS: list[tuple[str, Callable[[Db], None]]] = []


def migration(fn: Callable[[Db], None]) -> Callable[[Db], None]:
    """Register a migration under its function's name; they run in the order written."""
    if any(name == fn.__name__ for name, _ in MIGRATIONS):
        raise ValueError(f"migration {fn.__name__} is registered twice")
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def applied_migrations(db: Db) -> list[str]:
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                  [MIGRATIONS_TABLE]).fetchone() is None:
        return []
    return [r[0] for r in db.execute(f'SELECT name FROM "{MIGRATIONS_TABLE}" WHERE'
                                     " migration_set = ? ORDER BY rowid", [MIGRATION_SET])]


def apply_migrations(db: Db, *, stop_before: str | None = None) -> list[str]:
    """Run the pending migrations, each in one transaction with the record that it ran (a
    failing one leaves nothing behind and stays pending). Returns the names it ran."""
    with _atomic(db):
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                      [MIGRATIONS_TABLE]).fetchone() is None:
            for ddl in _MIGRATIONS_DDL:
                db.execute(ddl)
    done, ran = set(applied_migrations(db)), []
    for name, fn in MIGRATIONS:
        if name == stop_before:
            break
        if name in done:
            continue
        with _atomic(db):
            fn(db)
            db.execute(f'INSERT INTO "{MIGRATIONS_TABLE}" (migration_set, name, applied_at)'
                       " VALUES (?, ?, ?)",
                       [MIGRATION_SET, name, str(datetime.now(timezone.utc))])
        ran.append(name)
    return ran


@contextmanager
def _atomic(db: Db) -> Iterator[Db]:
    """One transaction (a savepoint when one is open already): all of it or nothing."""
    if db.in_transaction:
        db.execute("SAVEPOINT nested")
        try:
            yield db
        except BaseException:
            if db.in_transaction:  # a failed COMMIT-time error may have ended it already
                db.execute("ROLLBACK TO SAVEPOINT nested")
                db.execute("RELEASE SAVEPOINT nested")
            raise
        db.execute("RELEASE SAVEPOINT nested")
        return
    db.execute("BEGIN")
    try:
        yield db
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    try:
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _script(db: Db, sql: str) -> None:
    """Each statement of a script on its own: ``executescript`` would commit the migration's
    transaction first."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement.strip().rstrip(";"))
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:80]}")


@migration
def m001_initial(db: Db) -> None:
    _script(db,
        """
        CREATE TABLE reports (
            id TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            place_id TEXT,
            observed_at TEXT NOT NULL,
            saved_at REAL NOT NULL
        );
        CREATE INDEX reports_observed ON reports(observed_at);
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            report_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            error_code TEXT,
            error TEXT,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            updated_at REAL NOT NULL,
            UNIQUE(kind, ref)
        );
        CREATE INDEX outbox_state ON outbox(state, kind, seq);
        CREATE TABLE photos (
            sha256 TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL
        );
        CREATE TABLE report_photos (
            report_id TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (report_id, sha256)
        );
        CREATE TABLE ref_data (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (kind, id)
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


@migration
def m002_photo_lookup(db: Db) -> None:
    """Which reports list a photo: a photo may travel with any of them."""
    db.execute("CREATE INDEX IF NOT EXISTS report_photos_sha ON report_photos(sha256)")


@migration
def m003_superseded(db: Db) -> None:
    """A refused report replaced by a correction names it."""
    db.execute("ALTER TABLE outbox ADD COLUMN superseded_by TEXT")


@migration
def m004_drafts(db: Db) -> None:
    """A half-filled check kept for its author over a logout, a lock or an expired session
    (one per person; its photos inside, as no report owns them yet)."""
    _script(db,
        """
        CREATE TABLE drafts (username TEXT PRIMARY KEY, body TEXT NOT NULL, saved_at REAL NOT NULL);
        CREATE TABLE draft_photos (
            username TEXT NOT NULL,
            seq INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            data BLOB NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            PRIMARY KEY (username, seq)
        );
        """
    )


@migration
def m005_agencies(db: Db) -> None:
    """Agencies became data the server sends with the reference data. A device that pulled
    before knows none: the next pull starts from the beginning, as a new device's first does
    (what it brings is stored as ever, row by row; nothing the officer saved is touched)."""
    db.execute("DELETE FROM meta WHERE key = 'sync_cursor'")
