"""Planning: teams and their members, route templates, assignments and their stops as rows
(``assignment_stops``, what the situation picture joins reports with)."""

from __future__ import annotations

import json

from .audit import audit
from .engine import Conn, Engine, now_text, upsert_sql, utc_or_none
from .reference import bump

_TEAM = upsert_sql("teams", ("id", "name", "shift_date", "seq"), ("id",))
_ASSIGNMENT = upsert_sql("assignments", ("id", "team_id", "body", "seq", "active", "shift_start",
                                         "shift_end"), ("id",))
_ROUTE = upsert_sql("routes", ("id", "body", "updated_at"), ("id",))


def put_stops(c: Conn, assignment_id: str, team_id: str, body: str, active: bool) -> None:
    """An assignment's stops as rows (m009), replacing what was there."""
    data = json.loads(body)
    shift_end = utc_or_none(data["shift_end"])
    c.execute("DELETE FROM assignment_stops WHERE assignment_id = ?", [assignment_id])
    c.executemany(
        "INSERT INTO assignment_stops (assignment_id, seq, team_id, place_id, window_start,"
        " window_end, shift_end, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(assignment_id, st["seq"], team_id, st["place_id"], utc_or_none(st["window_start"]),
          utc_or_none(st["window_end"]), shift_end, int(active)) for st in data["stops"]])


class PlanningMixin:
    db: Engine

    def upsert_team(self, team_id: str, name: str, shift_date: str | None,
                    member_ids: list[int], *, actor: str = "cli") -> None:
        with self.db.tx() as c:
            c.execute(_TEAM, [team_id, name, shift_date, bump(c)])
            c.execute("UPDATE team_members SET until = ? WHERE team_id = ? AND active = 1",
                      [now_text(), team_id])
            c.execute("UPDATE team_members SET active = 0 WHERE team_id = ?", [team_id])
            c.executemany("INSERT INTO team_members (team_id, user_id, active) VALUES (?, ?, 1)"
                          " ON CONFLICT (team_id, user_id) DO UPDATE SET active = 1, until = NULL",
                          [(team_id, uid) for uid in member_ids])
            # a new member must receive the team's assignments at their next pull
            c.execute("UPDATE assignments SET seq = ? WHERE team_id = ?", [bump(c), team_id])
            # ... and the briefings of the operations the team takes part in
            c.execute("UPDATE operations SET seq = ? WHERE id IN (SELECT operation_id FROM"
                      " operation_teams WHERE team_id = ?)", [bump(c), team_id])
            audit(c, actor, "team.upsert", "team", team_id,
                  {"name": name, "shift_date": shift_date, "member_ids": member_ids})

    def team_row(self, team_id: str) -> tuple[str, str, str | None] | None:
        return self.db.query_one("SELECT id, name, shift_date FROM teams WHERE id = ?", [team_id])

    def list_teams(self) -> list[tuple[str, str, str | None]]:
        return self.db.query("SELECT id, name, shift_date FROM teams ORDER BY shift_date DESC NULLS LAST, name")

    def team_checks(self, team_id: str, *, since: str, until: str, viewer_agency: str | None
                    ) -> list[tuple[str | None, str, str, int]]:
        """(place_id, observed_at, server_verdict, shown) of the team's reports observed in
        [since, until], oldest first; ``shown`` is 1 when a viewer of ``viewer_agency`` may
        read the report (the agency rule; None: only cooperation reports are shown)."""
        return self.db.query(
            "SELECT place_id, observed_at, server_verdict, (visibility = 'cooperation' OR agency = ?)"
            " FROM reports WHERE observed_at >= ? AND observed_at <= ? AND team_id = ?"
            " ORDER BY observed_at", [viewer_agency or "", since, until, team_id])

    def upsert_assignment(self, assignment_id: str, team_id: str, body: str, *,
                          shift_start: str | None = None, shift_end: str | None = None,
                          active: bool = True, actor: str = "cli") -> None:
        with self.db.tx() as c:
            self._put_assignment(c, assignment_id, team_id, body, shift_start, shift_end, active)
            audit(c, actor, "assignment.upsert", "assignment", assignment_id,
                  {"team_id": team_id, "active": active})

    def reassign(self, old: tuple[str, str, str], new: tuple[str, str, str], *,
                 shift_start: str, shift_end: str, actor: str) -> None:
        """(id, team_id, body) of the retired and of the new assignment, in one transaction."""
        with self.db.tx() as c:
            self._put_assignment(c, *old, shift_start, shift_end, False)
            self._put_assignment(c, *new, shift_start, shift_end, True)
            audit(c, actor, "assignment.reassign", "assignment", old[0],
                  {"from_team": old[1], "to_team": new[1], "new_assignment": new[0]})

    @staticmethod
    def _put_assignment(c: Conn, assignment_id: str, team_id: str, body: str,
                        shift_start: str | None, shift_end: str | None, active: bool) -> None:
        c.execute(_ASSIGNMENT, [assignment_id, team_id, body, bump(c), int(active), shift_start,
                                shift_end])
        put_stops(c, assignment_id, team_id, body, active)

    def assignment(self, assignment_id: str) -> tuple[str, str] | None:
        """(team_id, body) of an assignment."""
        return self.db.query_one("SELECT team_id, body FROM assignments WHERE id = ?",
                                 [assignment_id])

    def active_assignments(self, *, ending_after: str, starting_before: str) -> list[str]:
        """Bodies of active assignments whose shift overlaps [ending_after, starting_before)."""
        return [r[0] for r in self.db.query(
            "SELECT body FROM assignments WHERE active = 1 AND shift_end > ? AND shift_start < ?"
            " ORDER BY shift_start, id", [ending_after, starting_before])]

    def upsert_route(self, route_id: str, body: str, *, actor: str) -> None:
        with self.db.tx() as c:
            c.execute(_ROUTE, [route_id, body, now_text()])
            audit(c, actor, "route.upsert", "route", route_id)

    def route(self, route_id: str) -> str | None:
        row = self.db.query_one("SELECT body FROM routes WHERE id = ?", [route_id])
        return None if row is None else row[0]

    def list_routes(self) -> list[str]:
        return [r[0] for r in self.db.query("SELECT body FROM routes ORDER BY id")]
