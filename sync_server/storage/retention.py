"""Retention: reports past their place type's keeping time are deleted with everything that
hangs off them, the derived figures of the days touched are recomputed, all in one transaction
with its audit entry."""

from __future__ import annotations

from typing import Any

from .audit import audit
from .engine import Engine, chunks, marks


class RetentionMixin:
    db: Engine

    def purge_reports(self, cutoffs: dict[str, str], default_cutoff: str, *, actor: str,
                      dry_run: bool = False) -> tuple[dict[str, int], list[str]]:
        """Delete reports observed before their place type's cutoff (``default_cutoff`` for
        other types and reports without a place), with their amendments, questions, photo links
        and photos no other report uses; rebuild the derived figures of the days touched; write
        what was done to the audit log -- one transaction. Returns (counts, photo hashes whose
        files the caller deletes after the commit)."""
        case = " ".join("WHEN ? THEN ?" for _ in cutoffs)
        params: list[Any] = [x for kv in cutoffs.items() for x in kv]
        pg = self.db.dialect == "postgres"
        drop = "DROP TABLE pg_temp.doomed" if pg else "DROP TABLE temp.doomed"
        with self.db.tx() as c:
            if pg:  # ingest on other instances waits: the days' figures are rebuilt from what is left
                c.execute("LOCK TABLE reports IN EXCLUSIVE MODE")
                c.execute('CREATE TEMP TABLE doomed (id text COLLATE "C" PRIMARY KEY,'
                          ' day text COLLATE "C" NOT NULL) ON COMMIT DROP')
            else:
                c.execute("DROP TABLE IF EXISTS temp.doomed")
                c.execute("CREATE TEMP TABLE doomed (id TEXT PRIMARY KEY, day TEXT NOT NULL)")
            cutoff = f"CASE coalesce(p.type, '') {case} ELSE ? END" if cutoffs else "?"
            c.execute(
                "INSERT INTO doomed SELECT r.id, substr(r.observed_at, 1, 10) FROM reports r"
                " LEFT JOIN places p ON p.id = r.place_id"
                f" WHERE r.amends IS NULL AND r.observed_at < {cutoff}", [*params, default_cutoff])
            amendments = ("SELECT id, substr(observed_at, 1, 10) FROM reports"
                          " WHERE amends IN (SELECT id FROM doomed)")
            c.execute(f"INSERT INTO doomed {amendments} ON CONFLICT DO NOTHING" if pg
                      else f"INSERT OR IGNORE INTO doomed {amendments}")
            photos = [r[0] for r in c.execute(
                "SELECT DISTINCT sha256 FROM report_photos WHERE report_id IN (SELECT id FROM doomed)"
                " EXCEPT SELECT sha256 FROM report_photos WHERE report_id NOT IN (SELECT id FROM doomed)")]
            days = [r[0] for r in c.execute("SELECT DISTINCT day FROM doomed ORDER BY day")]
            counts = {"reports": c.execute("SELECT count(*) FROM doomed").fetchone()[0],
                      "photos": len(photos), "days": len(days)}
            if dry_run or not counts["reports"]:
                c.execute(drop)
                return counts, []
            counts["queries"] = c.execute("DELETE FROM queries WHERE report_id IN"
                                          " (SELECT id FROM doomed)").rowcount
            c.execute("DELETE FROM report_photos WHERE report_id IN (SELECT id FROM doomed)")
            c.execute("DELETE FROM reports WHERE id IN (SELECT id FROM doomed)")
            for chunk in chunks(photos, 900):
                c.execute(f"DELETE FROM photos WHERE sha256 IN ({marks(len(chunk))})", chunk)
            for chunk in chunks(days, 200):  # derived figures: recomputed from what is left
                m = marks(len(chunk))
                c.execute(f"DELETE FROM day_stats WHERE day IN ({m})", chunk)
                c.execute(f"DELETE FROM day_totals WHERE day IN ({m})", chunk)
                self._add_figures(c, c.execute(
                    "SELECT observed_at, place_id, agency, visibility, findings_mask, n_findings,"
                    f" n_measures FROM reports WHERE substr(observed_at, 1, 10) IN ({m})",
                    chunk).fetchall())
            c.execute(drop)
            audit(c, actor, "retention.purge", "reports", "*",
                  {**counts, "cutoffs": cutoffs, "default_cutoff": default_cutoff,
                   "first_day": days[0], "last_day": days[-1]})
            return counts, photos

