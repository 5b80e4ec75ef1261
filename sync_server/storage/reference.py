"""Reference data devices pull (districts, places, checklists; teams and assignments are in
``planning``) and the change counter that makes pulling incremental.

Each row carries a ``seq`` from one global counter (``meta.change_seq``), bumped on every
change inside the changing transaction; a device's sync cursor is the highest seq it has seen.
The bump locks the counter's row until commit, so seqs become visible in the order they were
taken -- also with several server instances on one PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Iterable

from .audit import audit
from .engine import Conn, Engine, marks, upsert_sql, utc_or_none
from .records import User

_DISTRICT = upsert_sql("districts", ("id", "body", "seq"), ("id",))
_PLACE = upsert_sql("places", ("id", "body", "type", "district_id", "active", "seq", "category",
                               "active_from", "active_until"), ("id",))
_CHECKLIST = upsert_sql("checklists", ("id", "version", "place_type", "body", "seq"),
                        ("id", "version"))


class _Taken(Exception):
    """Raised inside a transaction to roll it back."""


def bump(c: Conn) -> int:
    """The next change seq, taken inside the caller's transaction."""
    c.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT)"
              " WHERE key = 'change_seq'")
    return int(c.execute("SELECT value FROM meta WHERE key = 'change_seq'").fetchone()[0])


class ReferenceMixin:
    db: Engine

    def upsert_district(self, district_id: str, body: str, *, actor: str = "cli") -> None:
        with self.db.tx() as c:
            c.execute(_DISTRICT, [district_id, body, bump(c)])
            audit(c, actor, "district.upsert", "district", district_id)

    def upsert_places(self, rows: Iterable[tuple[str, str, str, str | None, bool]], *,
                      actor: str = "cli") -> int:
        """rows: (id, body, type, district_id, active). One seq per place, one transaction."""
        ids = []
        with self.db.tx() as c:
            for pid, body, ptype, district, active in rows:
                data = json.loads(body)
                c.execute(_PLACE, [pid, body, ptype, district, int(active), bump(c),
                                   data.get("category"), utc_or_none(data.get("active_from")),
                                   utc_or_none(data.get("active_until"))])
                ids.append(pid)
            if ids:
                audit(c, actor, "places.upsert", "place", ids[0] if len(ids) == 1 else "*",
                      {"count": len(ids), "ids": ids[:1000]})
        return len(ids)

    def upsert_checklist(self, checklist_id: str, version: int, place_type: str, body: str, *,
                         actor: str = "cli") -> None:
        with self.db.tx() as c:
            c.execute(_CHECKLIST, [checklist_id, version, place_type, body, bump(c)])
            audit(c, actor, "checklist.upsert", "checklist", checklist_id, {"version": version})

    def add_checklist_version(self, checklist_id: str, version: int, place_type: str, body: str,
                              *, actor: str) -> int | None:
        """Store a new version; None when it is not above the latest (returned otherwise). Two
        instances adding the same version at once: one stores it, the other gets None."""
        try:
            with self.db.tx() as c:
                latest = c.execute("SELECT coalesce(max(version), 0) FROM checklists WHERE id = ?",
                                   [checklist_id]).fetchone()[0]
                if version <= latest:
                    return None
                if c.execute("INSERT INTO checklists (id, version, place_type, body, seq)"
                             " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id, version) DO NOTHING",
                             [checklist_id, version, place_type, body, bump(c)]).rowcount != 1:
                    raise _Taken  # by a concurrent transaction: undo the seq taken
                audit(c, actor, "checklist.version", "checklist", checklist_id, {"version": version})
                return version
        except _Taken:
            return None

    def latest_checklists(self) -> list[str]:
        return [r[0] for r in self.db.query(
            "SELECT body FROM checklists c WHERE version = (SELECT max(version) FROM checklists"
            " WHERE id = c.id) ORDER BY id")]

    def district_ids(self) -> set[str]:
        return {r[0] for r in self.db.query("SELECT id FROM districts")}

    def district_bodies(self) -> list[str]:
        return [r[0] for r in self.db.query("SELECT body FROM districts ORDER BY id")]

    def places_version(self) -> int:
        """Changes whenever any place changes, in any process: caches above us compare it."""
        return self.db.query_one("SELECT coalesce(max(seq), 0) FROM places")[0]

    def place_bodies(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(set(ids))
        if not ids:
            return {}
        return dict(self.db.query(f"SELECT id, body FROM places WHERE id IN ({marks(len(ids))})", ids))

    def current_seq(self) -> int:
        return int(self.db.query_one("SELECT value FROM meta WHERE key = 'change_seq'")[0])

    def changes_since(self, seq: int, *, user: User, limit: int
                      ) -> tuple[dict[str, list[tuple[int, str]]], int, bool]:
        """Changed reference rows with seq > ``seq`` visible to ``user``, at most ``limit``
        (agencies: their codes, not bodies).

        Returns ({kind: [(seq, body)]}, next_seq, has_more). Each kind is fetched up to limit+1
        rows; merged by seq, the first ``limit`` are exactly the ``limit`` smallest overall.
        One snapshot: the counter read at the end belongs to the rows read before it.
        """
        queries = {
            "districts": ("SELECT seq, body FROM districts WHERE seq > ? ORDER BY seq LIMIT ?", []),
            "places": ("SELECT seq, body FROM places WHERE seq > ? ORDER BY seq LIMIT ?", []),
            "checklists": ("SELECT seq, body FROM checklists WHERE seq > ? ORDER BY seq LIMIT ?", []),
            "teams": ("SELECT seq, id FROM teams WHERE seq > ? AND id IN (SELECT team_id FROM"
                      " team_members WHERE user_id = ?) ORDER BY seq LIMIT ?", [user.id]),
            "assignments": ("SELECT seq, body FROM assignments WHERE seq > ? AND team_id IN"
                            " (SELECT team_id FROM team_members WHERE user_id = ?)"
                            " ORDER BY seq LIMIT ?", [user.id]),
            "queries": ("SELECT seq, body FROM queries WHERE author_id = ? AND seq > ?"
                        " ORDER BY seq LIMIT ?", [user.id]),
            "agencies": ("SELECT seq, code FROM agencies WHERE seq > ? ORDER BY seq LIMIT ?", []),
            # operations of my teams (also of a team taken off the plan: it learns it once)
            "operations": ("SELECT seq, body FROM operations WHERE seq > ? AND id IN (SELECT"
                           " t.operation_id FROM operation_teams t JOIN team_members m ON"
                           " m.team_id = t.team_id WHERE m.user_id = ?) ORDER BY seq LIMIT ?",
                           [user.id]),
        }
        merged: list[tuple[int, str, str]] = []
        with self.db.snapshot() as conn:
            for kind, (sql, extra) in queries.items():
                params = [*extra, seq] if kind == "queries" else [seq, *extra]
                for s, body in conn.execute(sql, [*params, limit + 1]):
                    merged.append((s, kind, body))
            current = int(conn.execute(
                "SELECT value FROM meta WHERE key = 'change_seq'").fetchone()[0])
        merged.sort()
        has_more = len(merged) > limit
        merged = merged[:limit]
        out: dict[str, list[tuple[int, str]]] = {k: [] for k in queries}
        for s, kind, body in merged:
            out[kind].append((s, body))
        next_seq = merged[-1][0] if has_more else max(seq, current)
        return out, next_seq, has_more
