"""Citizen complaints: stored once per source id (a re-import of the same file adds nothing),
read per place and district for the picture's gap between complaints and patrol effort, and as
points for its map layer. The table has no column for text or names (see m012)."""

from __future__ import annotations

from typing import Any, Iterable

from .audit import audit
from .engine import Engine, chunks, marks, now_text

# (id, occurred_at, lat, lon, category, place_id, district_id)
ComplaintRow = tuple[str, str, float, float, str, "str | None", "str | None"]


class ComplaintsMixin:
    db: Engine

    def add_complaints(self, rows: Iterable[ComplaintRow], *, actor: str,
                       detail: dict[str, Any] | None = None) -> set[str]:
        """Store the complaints whose id is new, in one transaction with its audit entry;
        returns the ids that were stored already (the import reports them as duplicates)."""
        rows = list(rows)
        known: set[str] = set()
        at = now_text()
        with self.db.tx() as c:
            for chunk in chunks([r[0] for r in rows], 900):
                known.update(r[0] for r in c.execute(
                    f"SELECT id FROM complaints WHERE id IN ({marks(len(chunk))})", chunk))
            new = [r for r in rows if r[0] not in known]
            # ON CONFLICT: a concurrent import of the same file (another instance) stores each once
            c.executemany("INSERT INTO complaints (id, occurred_at, lat, lon, category, place_id,"
                          " district_id, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                          " ON CONFLICT (id) DO NOTHING", [(*r, at) for r in new])
            if new or rows:
                audit(c, actor, "complaints.import", "complaint", "*",
                      {"stored": len(new), "duplicates": len(known), **(detail or {})})
        return known

    def complaint_counts(self, *, since: str, until: str, district_id: str | None = None
                         ) -> list[tuple[str, str, str, int]]:
        """(place_id or '', district_id or '', category, complaints) in [since, until)."""
        where, params = self._complaint_where(since, until, district_id)
        return self.db.query(
            "SELECT coalesce(place_id, ''), coalesce(district_id, ''), category, count(*)"
            f" FROM complaints WHERE {where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", params)

    def complaint_points(self, *, since: str, until: str, district_id: str | None = None
                         ) -> list[tuple[str, float, float, str, str | None, str | None]]:
        """(occurred_at, lat, lon, category, place_id, district_id) in [since, until), newest
        first."""
        where, params = self._complaint_where(since, until, district_id)
        return self.db.query(
            "SELECT occurred_at, lat, lon, category, place_id, district_id FROM complaints"
            f" WHERE {where} ORDER BY occurred_at DESC, id", params)

    def purge_complaints(self, cutoff: str, *, actor: str, dry_run: bool = False) -> int:
        """Delete complaints that occurred before ``cutoff`` (the city's retention for its
        complaint data, usually shorter than for reports), with its audit entry; returns how
        many went (would go, on a dry run)."""
        with self.db.tx() as c:
            n = c.execute("SELECT count(*) FROM complaints WHERE occurred_at < ?", [cutoff]).fetchone()[0]
            if dry_run or not n:
                return n
            c.execute("DELETE FROM complaints WHERE occurred_at < ?", [cutoff])
            audit(c, actor, "retention.purge", "complaint", "*", {"complaints": n, "cutoff": cutoff})
            return n

    def complaint_total(self) -> int:
        return self.db.query_one("SELECT count(*) FROM complaints")[0]

    @staticmethod
    def _complaint_where(since: str, until: str, district_id: str | None
                         ) -> tuple[str, list[Any]]:
        where, params = "occurred_at >= ? AND occurred_at < ?", [since, until]
        if district_id is not None:
            where += " AND district_id = ?"
            params.append(district_id)
        return where, params
