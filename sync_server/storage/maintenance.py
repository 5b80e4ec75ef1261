"""What the operator's ``check`` and ``backup`` ask of a database: its own integrity verdict,
the photo rows, the derived figures recomputed from the reports and compared, a few counts."""

from __future__ import annotations

from .engine import Conn, Engine
from .figures import STAT_COLUMNS, FigureRow, day_figures

_STATS_KEY = ("day", "place_id", "agency", "visibility")
_TOTALS_KEY = ("day", "agency", "visibility", "district_id", "place_type", "category")


COUNTED = ("reports", "photos", "audit", "users", "places", "assignments", "queries")


def counts_in(c: Conn) -> dict[str, int]:
    out = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
    out["last_audit_id"] = c.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]
    return out


def photo_rows_in(c: Conn) -> list[str]:
    return [r[0] for r in c.execute("SELECT sha256 FROM photos ORDER BY sha256")]


class MaintenanceMixin:
    db: Engine

    def integrity_problems(self) -> list[str]:
        """The database's own checks: SQLite's integrity and foreign key checks; on PostgreSQL
        (which checks pages itself) that the audit log's append-only triggers are in place."""
        if self.db.dialect == "sqlite":
            problems = [r[0] for r in self.db.query("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"foreign key: {r}" for r in self.db.query("PRAGMA foreign_key_check")]
        else:
            found = {r[0] for r in self.db.query(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit'::regclass")}
            problems = [f"missing trigger {t} on audit" for t in
                        ("audit_no_update", "audit_no_truncate") if t not in found]
        return problems

    def photo_rows(self) -> set[str]:
        return {r[0] for r in self.db.query("SELECT sha256 FROM photos")}

    def counts(self) -> dict[str, int]:
        """Rows per table that a backup must carry whole (and the newest audit id)."""
        with self.db.snapshot() as c:
            return counts_in(c)

    def figure_differences(self, limit: int = 20) -> list[str]:
        """The derived figures (day_stats, day_totals) recomputed from every report, compared
        with what is stored: each differing key, at most ``limit`` of them."""
        places = {pid: (d, t, c) for pid, d, t, c in self.db.query(
            "SELECT id, district_id, type, category FROM places")}
        rows: list[FigureRow] = list(self.db.stream(
            "SELECT observed_at, place_id, agency, visibility, findings_mask, n_findings,"
            " n_measures FROM reports", [], 10_000))
        want_stats, want_totals = day_figures(rows, places)
        out: list[str] = []
        for table, key, want in (("day_stats", _STATS_KEY, want_stats),
                                 ("day_totals", _TOTALS_KEY, want_totals)):
            have = {tuple(r[:len(key)]): list(r[len(key):]) for r in self.db.query(
                f"SELECT {', '.join(key)}, {', '.join(STAT_COLUMNS)} FROM {table}")}
            for k in sorted(set(want) | set(have)):
                if want.get(k) != have.get(k):
                    out.append(f"{table} {k}: stored {have.get(k) and sum(have[k][:1])} checks,"
                               f" reports say {want.get(k) and sum(want[k][:1])}")
                    if len(out) >= limit:
                        return out
        return out
