"""What the concern modules need of a database engine, and small helpers they share.

SQL is written with ``?`` placeholders; an engine translates them if its driver wants others.
A concern module never opens connections itself: ``tx()`` gives the connection of one write
transaction (committed on a clean exit, rolled back on an exception), ``query``/``query_one``
read one statement, ``snapshot()`` several statements that must see one state of the data,
``stream`` a long read in batches. Dialect differences (an upsert, a date function) stay in the
concern module, next to each other, chosen by ``engine.dialect``.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Literal, Protocol, Sequence

Dialect = Literal["sqlite", "postgres"]


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    """One connection inside a transaction or a snapshot."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any: ...


class Engine(Protocol):
    dialect: Dialect

    def tx(self) -> AbstractContextManager[Conn]: ...
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...
    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None: ...
    def snapshot(self) -> AbstractContextManager[Conn]: ...
    def stream(self, sql: str, params: Sequence[Any], batch: int) -> Iterator[tuple]: ...
    def ping(self, timeout: float = 2.0) -> None: ...  # readiness: raises when it cannot answer
    def close(self) -> None: ...


def chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def marks(n: int) -> str:
    """``?, ?, ...``: placeholders for an IN list of ``n`` values."""
    return ",".join("?" * n)


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_or_none(ts: str | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromisoformat(ts).astimezone(timezone.utc).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def upsert_sql(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    """Insert a row or replace the one with its key: the same statement on both backends."""
    rest = [c for c in columns if c not in key]
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(len(columns))})"
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in rest))
