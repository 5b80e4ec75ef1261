"""The situation picture's reads: reports in a window (partial days), the derived figures
(whole days), open questions, the stop rule's first checks, and the export stream. The viewer's
agency rule is applied in SQL."""

from __future__ import annotations

from typing import Any, Iterator

from .engine import Engine
from .figures import _C, _F, _H
from .records import PictureFilter


class PictureMixin:
    db: Engine

    @staticmethod
    def _picture_where(f: PictureFilter, a: str = "r") -> tuple[str, str, list[Any]]:
        """(join, where, params) for the viewer's agency rule and the picture's filters, on
        the table aliased ``a`` (reports, or day_stats) that has agency, visibility, place_id."""
        where = [f"({a}.visibility = 'cooperation' OR {a}.agency = ?)"]
        params: list[Any] = [f.viewer_agency]
        if f.agency is not None:
            where.append(f"{a}.agency = ?")
            params.append(f.agency)
        join = ""
        place_filters = [("p.district_id", f.district_id), ("p.type", f.place_type),
                         ("p.category", f.category)]
        if any(v is not None for _, v in place_filters):
            join = f" JOIN places p ON p.id = {a}.place_id"
            for column, value in place_filters:
                if value is not None:
                    where.append(f"{column} = ?")
                    params.append(value)
        return join, " AND ".join(where), params

    def picture_by_place(self, f: PictureFilter, *, since: str, until: str
                         ) -> list[tuple[str | None, int, int, int]]:
        """(place_id, checks, findings, measures) of reports in [since, until): for the part
        of a window that is not whole days (day_stats has those)."""
        join, where, params = self._picture_where(f)
        return self.db.query(
            "SELECT r.place_id, count(*), sum(r.n_findings), sum(r.n_measures)"
            f" FROM reports r{join} WHERE r.observed_at >= ? AND r.observed_at < ? AND {where}"
            " GROUP BY r.place_id", [since, until, *params])

    def picture_by_hour(self, f: PictureFilter, *, since: str, until: str
                        ) -> list[tuple[str, int, int, int]]:
        """(UTC hour 'YYYY-MM-DDTHH', findings_mask, checks, findings) in [since, until): the
        caller turns hours into local days, weekdays and hours, masks into categories."""
        join, where, params = self._picture_where(f)
        return self.db.query(
            "SELECT substr(r.observed_at, 1, 13) AS h, r.findings_mask, count(*), sum(r.n_findings)"
            f" FROM reports r{join} WHERE r.observed_at >= ? AND r.observed_at < ? AND {where}"
            " GROUP BY h, r.findings_mask", [since, until, *params])

    def picture_by_agency(self, f: PictureFilter, *, days: tuple[str, str] | None,
                          raw: list[tuple[str, str]]) -> list[tuple[str, int, int, int]]:
        """(agency, checks, findings, measures) over whole UTC days [first, end) from day_stats
        plus the reports of the ``raw`` edge ranges: the steering group's measures by agency."""
        join_s, where_s, params_s = self._picture_where(f, "s")
        join_r, where_r, params_r = self._picture_where(f)
        parts: list[str] = []
        params: list[Any] = []
        if days:
            parts.append(f"SELECT s.agency, s.checks, s.findings, s.measures FROM day_stats s{join_s}"
                         f" WHERE s.day >= ? AND s.day < ? AND {where_s}")
            params += [*days, *params_s]
        for since, until in raw:
            parts.append(f"SELECT r.agency, 1, r.n_findings, r.n_measures FROM reports r{join_r}"
                         f" WHERE r.observed_at >= ? AND r.observed_at < ? AND {where_r}")
            params += [since, until, *params_r]
        if not parts:
            return []
        return self.db.query(
            "SELECT agency, sum(checks), sum(findings), sum(measures) FROM ("
            + " UNION ALL ".join(parts) + ") AS u GROUP BY agency ORDER BY agency", params)

    def stats_by_place(self, f: PictureFilter, *, first_day: str, end_day: str
                       ) -> list[tuple[str, int, int, int]]:
        """(place_id or '', checks, findings, measures) over whole UTC days [first, end)."""
        join, where, params = self._picture_where(f, "s")
        return self.db.query(
            f"SELECT s.place_id, sum(s.checks), sum(s.findings), sum(s.measures) FROM day_stats s{join}"
            f" WHERE s.day >= ? AND s.day < ? AND {where} GROUP BY s.place_id",
            [first_day, end_day, *params])

    def stats_by_day(self, f: PictureFilter, *, first_day: str, end_day: str
                     ) -> list[tuple[str, list[int], list[int], list[int]]]:
        """(day, checks per UTC hour, findings per UTC hour, checks per finding category)
        summed per UTC day over [first, end), from the place-less day_totals (a few rows a day)."""
        where = ["(t.visibility = 'cooperation' OR t.agency = ?)"]
        params: list[Any] = [f.viewer_agency]
        for column, value in (("t.agency", f.agency), ("t.district_id", f.district_id),
                              ("t.place_type", f.place_type), ("t.category", f.category)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        cols = ", ".join(f"coalesce(sum(t.{c}), 0)" for c in (*_C, *_H, *_F))
        rows = self.db.query(
            f"SELECT t.day, {cols} FROM day_totals t WHERE t.day >= ? AND t.day < ?"
            f" AND {' AND '.join(where)} GROUP BY t.day", [first_day, end_day, *params])
        n, m = len(_C), len(_C) + len(_H)
        return [(r[0], list(r[1:1 + n]), list(r[1 + n:1 + m]), list(r[1 + m:])) for r in rows]

    def picture_places(self) -> list[str]:
        """Bodies of all places (active or not: old reports may name retired places)."""
        return [r[0] for r in self.db.query("SELECT body FROM places ORDER BY id")]

    def open_questions(self, f: PictureFilter, *, since: str, until: str, limit: int = 50
                       ) -> list[str]:
        """Query bodies still waiting for an answer, on reports in the window the viewer sees."""
        join, where, params = self._picture_where(f)
        # SQLite's CROSS JOIN: drive from the few open queries, not from the window's reports
        # (PostgreSQL's planner picks that itself, and its CROSS JOIN takes no ON)
        cross = "CROSS JOIN" if self.db.dialect == "sqlite" else "JOIN"
        return [row[0] for row in self.db.query(
            f"SELECT q.body FROM queries q {cross} reports r ON r.id = q.report_id{join}"
            f" WHERE q.open = 1 AND r.observed_at >= ? AND r.observed_at < ? AND {where}"
            " ORDER BY q.seq DESC LIMIT ?", [since, until, *params, limit])]

    def stop_checks(self, *, since: str, until: str, grace_s: float, viewer_agency: str
                    ) -> list[tuple]:
        """Stops of active assignments whose window ends in [since, until), each with the first
        on-site report of its team at its place from the window's start to the shift's end +
        grace (the only check the stop rule can pick; see ``patrol_rules.stops.judge``). Rows:
        (assignment_id, team_id, seq, place_id, window_start, window_end, shift_end,
        first_check_at or None, shown), by window end; ``shown`` is the agency rule for a viewer
        of ``viewer_agency`` (1 if any report at that very instant is readable). Cost: one
        index seek per stop in the window, reading the team's reports at that place until the
        first match -- whatever the number of assignments or of reports elsewhere."""
        team_check = ("r.place_id = x.place_id AND r.team_id = x.team_id"
                      " AND r.server_verdict = 'on_site'")
        if self.db.dialect == "postgres":
            return self._stop_checks_pg(since, until, grace_s, viewer_agency, team_check)
        seen = "(r.visibility = 'cooperation' OR r.agency = ?1)"
        return self.db.query(
            # MATERIALIZED: flattened, the first-report subquery would run once per use of x.first
            "WITH x AS MATERIALIZED (SELECT s.*, (SELECT " + seen + " || r.observed_at FROM reports r"
            "  WHERE " + team_check.replace("x.", "s.") + " AND r.observed_at >= s.window_start"
            "  AND r.observed_at <= strftime('%Y-%m-%dT%H:%M:%fZ', max(s.window_end, s.shift_end), ?2)"
            "  ORDER BY r.observed_at LIMIT 1) AS first"
            "  FROM assignment_stops s WHERE s.active = 1 AND s.window_end >= ?3 AND s.window_end < ?4)"
            " SELECT x.assignment_id, x.team_id, x.seq, x.place_id, x.window_start, x.window_end,"
            " x.shift_end, substr(x.first, 2), CASE substr(x.first, 1, 1) WHEN '1' THEN 1"
            # the first report is not readable: another at the same instant may be
            f"  ELSE (SELECT max({seen}) FROM reports r WHERE {team_check}"
            "   AND r.observed_at = substr(x.first, 2)) END"
            " FROM x ORDER BY x.window_end, x.assignment_id, x.seq",
            [viewer_agency, f"{grace_s:+.3f} seconds", since, until])

    def _stop_checks_pg(self, since: str, until: str, grace_s: float, viewer_agency: str,
                        team_check: str) -> list[tuple]:
        """``stop_checks`` in PostgreSQL's words: the agency rule as 0/1, the shift end + grace
        as canonical UTC text (to_char), ``greatest`` for SQLite's two-argument max."""
        seen = "CASE WHEN r.visibility = 'cooperation' OR r.agency = ? THEN 1 ELSE 0 END"
        limit = ("to_char((greatest(s.window_end, s.shift_end)::timestamptz"
                 " + make_interval(secs => ?)) AT TIME ZONE 'UTC',"
                 " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
        return self.db.query(
            "WITH x AS MATERIALIZED (SELECT s.*, (SELECT (" + seen + ")::text || r.observed_at"
            "  FROM reports r WHERE " + team_check.replace("x.", "s.") +
            "  AND r.observed_at >= s.window_start AND r.observed_at <= " + limit +
            "  ORDER BY r.observed_at LIMIT 1) AS first"
            "  FROM assignment_stops s WHERE s.active = 1 AND s.window_end >= ? AND s.window_end < ?)"
            " SELECT x.assignment_id, x.team_id, x.seq, x.place_id, x.window_start, x.window_end,"
            " x.shift_end, substr(x.first, 2), CASE substr(x.first, 1, 1) WHEN '1' THEN 1"
            f"  ELSE (SELECT max({seen}) FROM reports r WHERE {team_check}"
            "   AND r.observed_at = substr(x.first, 2)) END"
            " FROM x ORDER BY x.window_end, x.assignment_id, x.seq",
            [viewer_agency, grace_s, since, until, viewer_agency])

    def export_rows(self, f: PictureFilter, *, since: str, until: str, batch: int = 1000
                    ) -> Iterator[tuple]:
        """Reports for export, oldest first, streamed in batches from one read transaction:
        memory stays flat however many there are. Rows: (body, author, agency, received_at,
        server_verdict, server_distance_m, review_state, place_name, district_id)."""
        join, where, params = self._picture_where(f)
        if not join:
            join = " LEFT JOIN places p ON p.id = r.place_id"
        name = ("json_extract(p.body, '$.name')" if self.db.dialect == "sqlite"
                else "(p.body::json ->> 'name')")
        yield from self.db.stream(
            "SELECT r.body, u.username, r.agency, r.received_at, r.server_verdict,"
            f" r.server_distance_m, r.review_state, {name}, p.district_id"
            f" FROM reports r JOIN users u ON u.id = r.author_id{join}"
            f" WHERE r.observed_at >= ? AND r.observed_at < ? AND {where}"
            " ORDER BY r.observed_at, r.id", [since, until, *params], batch)
