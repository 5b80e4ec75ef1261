"""Reports in: exactly-once ingest (a replay of the same id and content is ``identical`` -- 200,
the same id with other content a ``conflict`` -- 409), the photo rows they name, and the few
lookups access rules need.

Exactly-once holds across server instances too: on PostgreSQL the insert is ``ON CONFLICT DO
NOTHING``, and a report another instance stored in the meantime is read back and judged as a
replay; on SQLite writers take turns, so what was read under the lock is what is there.
"""

from __future__ import annotations

import json
from typing import Iterable

from .audit import audit
from .engine import Conn, Engine, chunks, compact, marks
from .figures import FigureRow, day_figures
from .records import IngestOutcome, NewReport, ReportRef, User
from .reference import bump

_REPORT_COLUMNS = ("id, content_hash, body, author_id, agency, team_id, place_id, observed_at,"
                   " received_at, lat, lon, accuracy_m, device_verdict, server_verdict,"
                   " server_distance_m, severity, visibility, amends, findings_mask, n_findings,"
                   " n_measures, clock_skew_s")
_INSERT_REPORT = f"INSERT INTO reports ({_REPORT_COLUMNS}) VALUES ({marks(22)})"
# PostgreSQL: all of a batch in one statement of 22 arrays (a statement of 11,000 placeholders
# costs the driver more to parse than the database to run); the ones already there are skipped
_PG_TYPES = ("text", "text", "text", "bigint", "text", "text", "text", "text", "text",
             "float8", "float8", "float8", "text", "text", "float8", "text", "text", "text",
             "integer", "integer", "integer", "float8")
_INSERT_NEW_REPORTS_PG = (f"INSERT INTO reports ({_REPORT_COLUMNS}) SELECT * FROM unnest("
                          + ", ".join(f"?::{t}[]" for t in _PG_TYPES)
                          + ") ON CONFLICT (id) DO NOTHING RETURNING id")
REF_COLUMNS = "id, author_id, team_id, agency, visibility, review_state, place_id"


class ReportsMixin:
    db: Engine

    def ingest_reports(self, reports: list[NewReport], *, author: User, received_at: str
                       ) -> list[IngestOutcome]:
        """Store new reports; tell identical replays (same id, same content) from conflicts.

        An amendment (``amends`` set) answers the open queries on the report it amends and sends
        that report back to review. The batch is one audit entry listing the new ids.

        Other workers wait while this one holds the write lock, so the rows and the derived
        figures are made before it, for the usual case that every report is new; replays are
        sorted out under the lock.
        """
        agency = author.agency
        rows = [(r.id, r.content_hash, r.body, author.id, agency, r.team_id, r.place_id,
                 r.observed_at, received_at, r.lat, r.lon, r.accuracy_m, r.device_verdict,
                 r.server_verdict, r.server_distance_m, r.severity, r.visibility, r.amends,
                 r.findings_mask, r.n_findings, r.n_measures, r.clock_skew_s) for r in reports]
        figure_rows: list[FigureRow] = [
            (r.observed_at, r.place_id, agency, r.visibility, r.findings_mask, r.n_findings,
             r.n_measures) for r in reports]
        places = self._figure_places({r.place_id for r in reports if r.place_id})
        ids = [r.id for r in reports]
        all_new = day_figures(figure_rows, places) if len(set(ids)) == len(ids) else None
        with self.db.tx() as c:
            existing: dict[str, tuple[str, int]] = {}
            for chunk in chunks(ids, 900):
                for rid, h, a in c.execute(
                        f"SELECT id, content_hash, author_id FROM reports WHERE id IN"
                        f" ({marks(len(chunk))})", chunk):
                    existing[rid] = (h, a)
            if not existing and all_new is not None:
                fresh = list(range(len(reports)))
                statuses = ["created"] * len(reports)
                figures = all_new
            else:
                fresh, statuses = [], []
                for i, r in enumerate(reports):
                    prior = existing.get(r.id)
                    if prior is None:
                        existing[r.id] = (r.content_hash, author.id)
                        fresh.append(i)
                        statuses.append("created")
                    elif prior == (r.content_hash, author.id):
                        statuses.append("identical")
                    else:
                        statuses.append("conflict")
                figures = day_figures([figure_rows[i] for i in fresh], places)
            new_rows = rows if len(fresh) == len(rows) else [rows[i] for i in fresh]
            if self.db.dialect == "postgres":
                ordered = sorted(new_rows, key=lambda row: row[0])  # one lock order: no deadlock
                stored = {r[0] for r in c.execute(_INSERT_NEW_REPORTS_PG,
                                                  [list(col) for col in zip(*ordered)], binary=True)
                          } if ordered else set()
                if len(stored) < len(new_rows):  # another instance stored some since we looked
                    for i in fresh:
                        if reports[i].id not in stored:
                            prior = tuple(c.execute("SELECT content_hash, author_id FROM reports"
                                                    " WHERE id = ?", [reports[i].id]).fetchone())
                            statuses[i] = ("identical" if prior == (reports[i].content_hash, author.id)
                                           else "conflict")
                    fresh = [i for i in fresh if reports[i].id in stored]
                    new_rows = [rows[i] for i in fresh]
                    figures = day_figures([figure_rows[i] for i in fresh], places)
            else:
                c.executemany(_INSERT_REPORT, new_rows)
            c.executemany("INSERT INTO report_photos (report_id, sha256) VALUES (?, ?)"
                          " ON CONFLICT DO NOTHING",
                          [(reports[i].id, sha) for i in fresh for sha in reports[i].photos])
            for i in fresh:
                if reports[i].amends is not None:
                    self._answer_queries(c, reports[i], author, received_at)
            if new_rows:
                self._write_figures(c, *figures)
                audit(c, author.username, "reports.submit", "batch", new_rows[0][0],
                      {"count": len(new_rows), "ids": [row[0] for row in new_rows]}, at=received_at)
        have = self._photos_present({sha for r in reports for sha in r.photos})
        return [IngestOutcome(r.id, status, [s for s in r.photos if s not in have]
                              if status != "conflict" and r.photos else [])
                for r, status in zip(reports, statuses)]

    def _photos_present(self, shas: set[str]) -> set[str]:
        have: set[str] = set()
        wanted = sorted(shas)
        for chunk in chunks(wanted, 900):
            have.update(row[0] for row in self.db.query(
                f"SELECT sha256 FROM photos WHERE sha256 IN ({marks(len(chunk))})", chunk))
        return have

    def _answer_queries(self, c: Conn, amendment: NewReport, author: User, at: str) -> None:
        # the amended report's row before the change counter, as ``review`` takes them: two
        # instances doing both at once wait for each other in one order, never in a circle
        moved = c.execute("UPDATE reports SET review_state = 'in_review' WHERE id = ?"
                          " AND review_state = 'needs_info'", [amendment.amends]).rowcount
        rows = c.execute("SELECT id, body FROM queries WHERE report_id = ? AND open = 1",
                         [amendment.amends]).fetchall()
        for qid, body in rows:
            data = json.loads(body)
            data["answer_report_id"] = amendment.id
            data["answered_at"] = at
            c.execute("UPDATE queries SET body = ?, open = 0, seq = ? WHERE id = ?",
                      [compact(data), bump(c), qid])
        audit(c, author.username, "report.amend", "report", amendment.amends,
              {"amendment": amendment.id, "answered_queries": len(rows),
               **({"state": "in_review"} if moved else {})}, at=at)

    def report_refs(self, report_ids: Iterable[str]) -> dict[str, ReportRef]:
        """Who wrote each report and who may see it: the facts access rules need."""
        ids = list(set(report_ids))
        out: dict[str, ReportRef] = {}
        for chunk in chunks(ids, 900):
            for row in self.db.query(
                    f"SELECT {REF_COLUMNS} FROM reports WHERE id IN ({marks(len(chunk))})", chunk):
                out[row[0]] = ReportRef(*row)
        return out

    def report_count(self) -> int:
        return self.db.query_one("SELECT count(*) FROM reports")[0]

    # ------------------------------------------------------------ photo rows

    def photo_report_refs(self, sha256: str) -> list[ReportRef]:
        rows = self.db.query(
            "SELECT r.id, r.author_id, r.team_id, r.agency, r.visibility, r.review_state,"
            " r.place_id FROM report_photos rp JOIN reports r ON r.id = rp.report_id"
            " WHERE rp.sha256 = ?", [sha256])
        return [ReportRef(*row) for row in rows]

    def photo_format(self, sha256: str) -> str | None:
        """The stored photo's format (JPEG, PNG, WEBP, MPO: what it is served as), None if absent."""
        row = self.db.query_one("SELECT format FROM photos WHERE sha256 = ?", [sha256])
        return None if row is None else row[0]

    def photo_referenced_by(self, sha256: str, author_id: int) -> bool:
        return self.db.query_one(
            "SELECT 1 FROM report_photos rp JOIN reports r ON r.id = rp.report_id"
            " WHERE rp.sha256 = ? AND r.author_id = ? LIMIT 1", [sha256, author_id]) is not None

    def add_photo(self, *, sha256: str, size: int, width: int, height: int, fmt: str,
                  uploaded_by: int, received_at: str, actor: str) -> bool:
        with self.db.tx() as c:
            cur = c.execute(
                "INSERT INTO photos (sha256, size, width, height, format, uploaded_by,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                [sha256, size, width, height, fmt, uploaded_by, received_at])
            if cur.rowcount == 1:
                audit(c, actor, "photo.upload", "photo", sha256, {"size": size}, at=received_at)
            return cur.rowcount == 1

    def photo_count(self) -> int:
        return self.db.query_one("SELECT count(*) FROM photos")[0]
