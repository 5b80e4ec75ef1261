"""Joint operations ("Schwerpunkteinsatz"): the plan (one row, its body the wire
``Operation``), its teams as rows (``operation_teams``: whose devices pull the briefing), and
the reports that belong to it.

Tagging is computed by query, not stored on the report at ingest. A report belongs to an
operation when its team is a participating team (or its author was a member of one during the
operation), its ``observed_at`` lies in the window and, with an area, its place or position is
in the area (``patrol_rules.operations``). Why by query:
- a report that reaches the server late (a phone offline all evening) carries the
  ``observed_at`` of the evening; the query finds it whenever it arrives, with nothing to do
  at ingest -- the hot path stays as it is;
- an operation planned or changed after the fact (a team added, the window stretched, a place
  added to the area) tags exactly the reports its new plan covers, without rewriting reports
  (which are immutable) or keeping a second copy of the tag in step;
- it is cheap: the window is hours, and ``reports_observed`` reads just those hours' reports.
The live feed pages by receipt (``received_at``, then id), so a late report shows up in the
feed when it arrives, however old its ``observed_at``.

Every change takes a change seq, so participating officers' devices pull the operation (its
briefing) with their other reference data; a team removed from the plan stays as an inactive
row, so its members pull the change once more and learn they are no longer in it.
"""

from __future__ import annotations

from typing import Any

from .audit import audit
from .engine import Conn, Engine, marks, now_text
from .reference import bump

# (id, observed_at, received_at, agency, author display name, team_id, place_id, lat, lon,
#  severity, body, n_findings, n_measures)
OperationReportRow = tuple[str, str, str, str, str, "str | None", "str | None", "float | None",
                           "float | None", str, str, int, int]


class OperationsMixin:
    db: Engine

    def create_operation(self, operation_id: str, body: str, *, starts_at: str, ends_at: str,
                         team_ids: list[str], actor: str, detail: dict[str, Any]) -> bool:
        """Store a new operation; False when its id is taken."""
        with self.db.tx() as c:
            row = c.execute(
                "INSERT INTO operations (id, body, starts_at, ends_at, version, created_by,"
                " created_at, updated_at, seq) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING RETURNING id",
                [operation_id, body, starts_at, ends_at, actor, now_text(), now_text(), bump(c)]
            ).fetchone()
            if row is None:
                return False
            self._put_teams(c, operation_id, team_ids)
            audit(c, actor, "operation.create", "operation", operation_id, detail)
        return True

    def update_operation(self, operation_id: str, body: str, *, starts_at: str, ends_at: str,
                         team_ids: list[str], version: int, actor: str,
                         detail: dict[str, Any]) -> bool:
        """Replace the plan of an operation whose stored version is ``version - 1``; False
        when there is no such operation or another change came first."""
        with self.db.tx() as c:
            moved = c.execute(
                "UPDATE operations SET body = ?, starts_at = ?, ends_at = ?, version = ?,"
                " updated_at = ?, seq = ? WHERE id = ? AND version = ?",
                [body, starts_at, ends_at, version, now_text(), bump(c), operation_id,
                 version - 1]).rowcount == 1
            if not moved:
                return False
            self._put_teams(c, operation_id, team_ids)
            audit(c, actor, "operation.update", "operation", operation_id, detail)
        return True

    @staticmethod
    def _put_teams(c: Conn, operation_id: str, team_ids: list[str]) -> None:
        c.execute("UPDATE operation_teams SET active = 0 WHERE operation_id = ?", [operation_id])
        c.executemany("INSERT INTO operation_teams (operation_id, team_id, active) VALUES (?, ?, 1)"
                      " ON CONFLICT (operation_id, team_id) DO UPDATE SET active = 1",
                      [(operation_id, t) for t in team_ids])

    def operation(self, operation_id: str) -> str | None:
        row = self.db.query_one("SELECT body FROM operations WHERE id = ?", [operation_id])
        return None if row is None else row[0]

    def list_operations(self, *, starting_from: str | None = None,
                        starting_before: str | None = None) -> list[str]:
        """Bodies of operations whose start lies in [starting_from, starting_before) (either
        open), latest start first."""
        where, params = ["1 = 1"], []
        if starting_from is not None:
            where.append("starts_at >= ?")
            params.append(starting_from)
        if starting_before is not None:
            where.append("starts_at < ?")
            params.append(starting_before)
        return [r[0] for r in self.db.query(
            f"SELECT body FROM operations WHERE {' AND '.join(where)}"
            " ORDER BY starts_at DESC, id", params)]

    def team_names(self, team_ids: list[str]) -> dict[str, str]:
        if not team_ids:
            return {}
        return dict(self.db.query(f"SELECT id, name FROM teams WHERE id IN ({marks(len(team_ids))})",
                                  team_ids))

    def operation_reports(self, *, team_ids: list[str], since: str, until: str,
                          viewer_agency: str, after: tuple[str, str] | None = None,
                          limit: int | None = None) -> list[OperationReportRow]:
        """Reports observed in [since, until] of the teams, or of authors who were members of
        one of them then, that a reader of ``viewer_agency`` may see (the agency rule), in
        order of receipt (received_at, id); ``after``: only those received after that key.
        Amendments are left out: they correct a report, they are no further check. The area
        is the caller's (``patrol_rules.operations.in_area``)."""
        if not team_ids:
            return []
        teams = marks(len(team_ids))
        where = [f"r.observed_at >= ? AND r.observed_at <= ? AND r.amends IS NULL",
                 f"(r.team_id IN ({teams}) OR r.author_id IN (SELECT m.user_id FROM team_members m"
                 f" WHERE m.team_id IN ({teams}) AND (m.until IS NULL OR m.until > ?)))",
                 "(r.visibility = 'cooperation' OR r.agency = ?)"]
        params: list[Any] = [since, until, *team_ids, *team_ids, since, viewer_agency]
        if after is not None:
            where.append("(r.received_at > ? OR (r.received_at = ? AND r.id > ?))")
            params += [after[0], after[0], after[1]]
        sql = ("SELECT r.id, r.observed_at, r.received_at, r.agency, u.display_name, r.team_id,"
               " r.place_id, r.lat, r.lon, r.severity, r.body, r.n_findings, r.n_measures"
               " FROM reports r JOIN users u ON u.id = r.author_id"
               f" WHERE {' AND '.join(where)} ORDER BY r.received_at, r.id")
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [tuple(r) for r in self.db.query(sql, params)]
