"""The PostgreSQL engine: a psycopg 3 connection pool, ``?`` placeholders, the migrations.

Connections are in autocommit mode: a read is one statement and needs no BEGIN/COMMIT round
trips; ``tx()`` opens a transaction (READ COMMITTED; the concern modules' statements are
written so that concurrent transactions from several server instances stay correct), and
``snapshot()`` a REPEATABLE READ, READ ONLY one. Migrations are the ``pg_schema/NNNN_*.sql``
files, applied in order under an advisory lock (several instances may start at once) and
recorded in ``schema_migrations``.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import psycopg
from psycopg_pool import ConnectionPool

SCHEMA_DIR = Path(__file__).with_name("pg_schema")
MIGRATION_LOCK = 0x7061_7472  # pg_advisory_lock key: one migrating instance at a time


@lru_cache(maxsize=8192)
def pg_sql(sql: str, binary: bool = False) -> str:
    """``?`` -> ``%s`` (``%b``: sent in binary) and a literal ``%`` -> ``%%``, once per text."""
    return sql.replace("%", "%%").replace("?", "%b" if binary else "%s")


class PgConn:
    """A psycopg connection that speaks the concern modules' ``?`` SQL."""

    __slots__ = ("conn",)

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = (), *, binary: bool = False) -> psycopg.Cursor:
        """``binary``: parameters in PostgreSQL's binary format (large arrays: no escaping)."""
        return self.conn.execute(pg_sql(sql, binary), list(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(pg_sql(sql), rows)


def migrate(conn: psycopg.Connection, *, stop_before: str | None = None) -> list[str]:
    """Apply the schema files not applied yet; returns their names. ``stop_before``: a file's
    stem to stop at (tests build the schema of an earlier version with it)."""
    done: list[str] = []
    conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations"
                     " (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        applied = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
        for path in sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
            if path.stem == stop_before:
                break
            if path.stem in applied:
                continue
            with conn.transaction():
                conn.execute(path.read_text(encoding="utf-8"))
                conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", [path.stem])
            done.append(path.stem)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
    return done


T = TypeVar("T")


def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore``: from PATH, else Debian's newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0)
    if not candidates:
        raise FileNotFoundError(f"{name} not found: install PostgreSQL's client programs"
                                " (Debian: postgresql-client)")
    return candidates[-1]


def dump(url: str, dest: Path, during: Callable[[PgConn], T]) -> T:
    """``pg_dump`` (custom format) of one exported snapshot; ``during`` reads in that very
    snapshot (what the manifest says is exactly what the dump holds)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            result = during(PgConn(conn))
            subprocess.run([pg_tool("pg_dump"), "--format=custom", "--no-owner",
                            f"--snapshot={snapshot}", "--file", str(dest), "--dbname", url],
                           check=True, capture_output=True, timeout=24 * 3600)
        finally:
            conn.execute("COMMIT")
    return result


def is_empty(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                            ).fetchone()[0] == 0


def restore(url: str, src: Path) -> None:
    """``pg_restore`` into an empty database, in one transaction (all of it or nothing)."""
    if not is_empty(url):
        raise ValueError(f"{redact(url)} is not empty: restore goes into an empty database")
    subprocess.run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
                    "--exit-on-error", "--dbname", url, str(src)],
                   check=True, capture_output=True, timeout=24 * 3600)


def redact(url: str) -> str:
    """The URL without its password, for logs and messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PostgresEngine:
    dialect = "postgres"

    def __init__(self, url: str, *, min_size: int = 1, max_size: int | None = None) -> None:
        self.url = url
        self._size = max_size or int(os.environ.get("PATROL_PG_POOL", "10"))
        self._min = min(min_size, self._size)
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn)
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()

    @property
    def pool(self) -> ConnectionPool:
        """The connection pool, opened on first use (again after ``close``, as SQLite's
        engine opens a reader again: whoever still holds the storage may keep reading)."""
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ConnectionPool(self.url, min_size=self._min, max_size=self._size,
                                                kwargs={"autocommit": True}, open=True,
                                                name="patrol", timeout=30)
                pool = self._pool
        return pool

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def ping(self, timeout: float = 2.0) -> None:
        """SELECT 1 on a pooled connection, waiting at most ``timeout`` for one (the pool's
        own 30 s would hold a load balancer's readiness probe far too long)."""
        with self.pool.connection(timeout=timeout) as conn:
            conn.execute("SELECT 1")

    @contextmanager
    def tx(self) -> Iterator[PgConn]:
        with self.pool.connection() as conn, conn.transaction():
            yield PgConn(conn)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.pool.connection() as conn:
            return conn.execute(pg_sql(sql), list(params)).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        with self.pool.connection() as conn:
            return conn.execute(pg_sql(sql), list(params)).fetchone()

    @contextmanager
    def snapshot(self) -> Iterator[PgConn]:
        with self.pool.connection() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield PgConn(conn)
            finally:
                conn.execute("COMMIT")

    def stream(self, sql: str, params: Sequence[Any], batch: int) -> Iterator[tuple]:
        """A server-side cursor in one read transaction: memory stays flat however many rows."""
        with self.pool.connection() as conn, conn.transaction():
            with conn.cursor(name="patrol_stream") as cur:
                cur.itersize = batch
                cur.execute(pg_sql(sql), list(params))
                while rows := cur.fetchmany(batch):
                    yield from rows
