"""The review desk: the queue (filters, keyset paging, the agency rule in SQL), one report with
its amendments and questions, review steps, and answers waiting to be read."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from .audit import audit
from .engine import Conn, Engine
from .records import ReportFilter, User
from .reference import bump


def time_facts(report: dict[str, Any], observed_at: str, received_at: str,
               clock_skew_s: float | None) -> dict[str, Any]:
    """What a reviewer needs to judge a report's times: the device's claim (``claimed_at``,
    from the body), the server's receipt, the time every figure counts (``observed_at``: the
    claim corrected by the skew, see ingest), the skew (None: the device did not say) and the
    fix's age when the report was saved (claim - fix time, both read off the device)."""
    fix = report.get("fix")
    fix_age = None
    if fix:
        fix_age = round((datetime.fromisoformat(report["observed_at"])
                         - datetime.fromisoformat(fix["fixed_at"])).total_seconds(), 1)
    return {"claimed_at": report["observed_at"], "received_at": received_at,
            "observed_at": observed_at, "clock_skew_s": clock_skew_s, "fix_age_s": fix_age}


class ReviewMixin:
    db: Engine

    def report_detail(self, report_id: str) -> dict[str, Any] | None:
        row = self.db.query_one(
            "SELECT r.body, u.username, u.display_name, r.agency, r.received_at, r.server_verdict,"
            " r.server_distance_m, p.district_id, r.review_state, p.body, r.observed_at,"
            " r.clock_skew_s FROM reports r"
            " JOIN users u ON u.id = r.author_id LEFT JOIN places p ON p.id = r.place_id"
            " WHERE r.id = ?", [report_id])
        if row is None:
            return None
        (body, author, author_name, agency, received, verdict, dist, district, state, place,
         observed, skew) = row
        report = json.loads(body)
        unread = self.db.query_one(
            "SELECT count(*) FROM queries WHERE report_id = ? AND open = 0 AND read_at IS NULL",
            [report_id])[0]
        return {"report": report, "author": author, "author_name": author_name,
                "agency": agency, "received_at": received, "district_id": district,
                "review_state": state, "place": None if place is None else json.loads(place),
                "server_presence": {"verdict": verdict, "distance_m": dist},
                "times": time_facts(report, observed, received, skew), "unread_answers": unread}

    def amendments_of(self, report_id: str) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT r.body, u.username, u.display_name, r.received_at, r.agency, r.visibility"
            " FROM reports r JOIN users u ON u.id = r.author_id WHERE r.amends = ? ORDER BY r.id",
            [report_id])
        return [{"report": json.loads(b), "author": a, "author_name": n, "received_at": at,
                 "agency": ag, "visibility": v} for b, a, n, at, ag, v in rows]

    def mark_answers_read(self, report_id: str, *, actor: str, at: str) -> int:
        """Review has seen the answers to its questions on this report: they stop waiting.
        Audited when there was something to mark; returns how many answers it marked."""
        with self.db.tx() as c:
            n = self._mark_read(c, report_id, actor, at)
            if n:
                audit(c, actor, "report.answer_read", "report", report_id, {"answers": n}, at=at)
            return n

    @staticmethod
    def _mark_read(c: Conn, report_id: str, actor: str, at: str) -> int:
        return c.execute("UPDATE queries SET read_at = ?, read_by = ? WHERE report_id = ?"
                         " AND open = 0 AND read_at IS NULL", [at, actor, report_id]).rowcount

    def queries_of(self, report_id: str) -> list[str]:
        return [r[0] for r in self.db.query(
            "SELECT body FROM queries WHERE report_id = ? ORDER BY seq", [report_id])]

    def review(self, report_id: str, *, expected: str, new: str, actor: str, action: str,
               text: str, at: str, query: tuple[str, str] | None = None) -> bool:
        """Move a report from ``expected`` to ``new`` (False if it was not in ``expected``), with
        its audit entry and, for a question, the query (id, body) its author will pull."""
        with self.db.tx() as c:
            moved = c.execute("UPDATE reports SET review_state = ? WHERE id = ? AND review_state = ?",
                              [new, report_id, expected]).rowcount == 1
            if not moved:
                return False
            if query is not None:
                author_id = c.execute("SELECT author_id FROM reports WHERE id = ?",
                                      [report_id]).fetchone()[0]
                c.execute("INSERT INTO queries (id, report_id, author_id, body, open, seq)"
                          " VALUES (?, ?, ?, ?, 1, ?)",
                          [query[0], report_id, author_id, query[1], bump(c)])
            self._mark_read(c, report_id, actor, at)  # a step on a report is a reading of it
            audit(c, actor, f"review.{action}", "report", report_id,
                  {"from": expected, "to": new, **({"text": text} if text else {})}, at=at)
            return True

    _UNREAD = "SELECT report_id FROM queries WHERE open = 0 AND read_at IS NULL"  # queries_unread

    @classmethod
    def _report_where(cls, flt: ReportFilter, viewer: User, team_ids: list[str] | None
                      ) -> tuple[str, list[Any]]:
        """WHERE clause and params of the review queue's filters (reports ``r``, places ``p``,
        users ``u``), the viewer's agency rule and, with ``team_ids``, an officer's scope."""
        where = ["(r.visibility = 'cooperation' OR r.agency = ?)"]
        params: list[Any] = [viewer.agency]
        if team_ids:
            where.append(f"(r.author_id = ? OR r.team_id IN ({','.join('?' * len(team_ids))}))")
            params.extend([viewer.id, *team_ids])
        elif team_ids is not None:  # in no team: only their own (PostgreSQL has no empty IN)
            where.append("r.author_id = ?")
            params.append(viewer.id)
        for column, value in (("r.place_id", flt.place_id), ("r.agency", flt.agency),
                              ("u.username", flt.author), ("r.severity", flt.severity),
                              ("r.review_state", flt.review_state), ("p.type", flt.place_type),
                              ("p.district_id", flt.district_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if flt.review_state not in (None, "submitted"):
            where.append("r.review_state <> 'submitted'")  # lets SQLite use reports_reviewed
        if flt.unread_answers:
            where.append(f"r.id IN ({cls._UNREAD})")
        if not flt.amendments:
            where.append("r.amends IS NULL")
        if flt.since is not None:
            where.append("r.observed_at >= ?")
            params.append(flt.since)
        if flt.until is not None:
            where.append("r.observed_at < ?")
            params.append(flt.until)
        if flt.before_id is not None:
            where.append("r.id < ?")
            params.append(flt.before_id)
        return " AND ".join(where), params

    def list_reports(self, flt: ReportFilter, *, viewer: User, team_ids: list[str] | None
                     ) -> list[dict[str, Any]]:
        """Reports newest first, with the viewer's agency rule applied in SQL. ``team_ids``
        given: only the viewer's own reports and those of these teams (an officer's scope).
        Each says how many of its answers to questions review has not read yet."""
        where, params = self._report_where(flt, viewer, team_ids)
        rows = self.db.query(
            "SELECT r.body, u.username, u.display_name, r.agency, r.received_at, r.server_verdict,"
            " r.server_distance_m, p.district_id, r.review_state, p.body, r.observed_at,"
            " r.clock_skew_s,"
            " (SELECT count(*) FROM queries q WHERE q.report_id = r.id AND q.open = 0"
            "  AND q.read_at IS NULL)"
            " FROM reports r JOIN users u ON u.id = r.author_id"
            " LEFT JOIN places p ON p.id = r.place_id WHERE " + where +
            " ORDER BY r.id DESC LIMIT ?", [*params, flt.limit])
        out = []
        for (body, author, name, agency, received, verdict, dist, district, state, place,
             observed, skew, unread) in rows:
            place_name = json.loads(place)["name"] if place else None
            report = json.loads(body)
            out.append({"report": report, "author": author, "author_name": name,
                        "agency": agency,
                        "received_at": received, "district_id": district, "review_state": state,
                        "place_name": place_name, "unread_answers": unread,
                        "server_presence": {"verdict": verdict, "distance_m": dist},
                        "times": time_facts(report, observed, received, skew)})
        return out

    def count_unread_answers(self, flt: ReportFilter, *, viewer: User,
                             team_ids: list[str] | None) -> int:
        """How many reports matching ``flt`` (whatever its review state and page) carry an
        answer review has not read: the figure beside the queue. Driven from the few unread
        answers, not from the reports."""
        where, params = self._report_where(
            replace(flt, review_state=None, before_id=None, unread_answers=True), viewer, team_ids)
        return self.db.query_one(
            "SELECT count(*) FROM reports r JOIN users u ON u.id = r.author_id"
            " LEFT JOIN places p ON p.id = r.place_id WHERE " + where, params)[0]

