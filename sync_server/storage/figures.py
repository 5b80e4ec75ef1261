"""Derived figures of reports (day_stats, day_totals): their columns, how ingest and purge
compute them (``day_figures``, Python) and write them (one upsert per touched key).

Per UTC day, place, agency and visibility: checks, findings, measures, findings per category,
checks and findings per UTC hour. Reports never change, so ingest adds to the figures in the
same transaction; the situation picture reads them for whole days.
"""

from __future__ import annotations

from typing import Iterable

from .engine import Conn, Engine, chunks, marks

N_CATEGORIES = 16  # columns f0..f15: patrol_wire.FINDING_BITS (a 17th finding needs a migration)
_F = [f"f{i}" for i in range(N_CATEGORIES)]
_C = [f"c{h}" for h in range(24)]
_H = [f"h{h}" for h in range(24)]
STAT_COLUMNS = ["checks", "findings", "measures", *_F, *_C, *_H]


def _upsert(table: str, keys: tuple[str, ...]) -> str:
    """Add figures to a derived table: new keys inserted, existing ones summed (the same
    statement on SQLite and PostgreSQL)."""
    k = ", ".join(keys)
    return (f"INSERT INTO {table} ({k}, {', '.join(STAT_COLUMNS)})"
            f" VALUES ({', '.join('?' * (len(keys) + len(STAT_COLUMNS)))})"
            f" ON CONFLICT ({k}) DO UPDATE SET "
            + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in STAT_COLUMNS))


UPSERT_STATS = _upsert("day_stats", ("day", "place_id", "agency", "visibility"))
UPSERT_TOTALS = _upsert("day_totals", ("day", "agency", "visibility", "district_id",
                                       "place_type", "category"))

# (observed_at, place_id, agency, visibility, findings_mask, n_findings, n_measures)
FigureRow = tuple[str, "str | None", str, str, int, int, int]


_FINDING_COLUMNS: dict[int, tuple[int, ...]] = {}  # findings mask -> its columns in a figures row


def day_figures(rows: Iterable[FigureRow], places: dict[str, tuple[str, str, str]]
                ) -> tuple[dict[tuple, list[int]], dict[tuple, list[int]]]:
    """The derived figures of some reports, keyed as day_stats and day_totals rows (``places``:
    id -> (district_id, type, category)). The live definition, used by ingest and by purge;
    the SQL in m004/m005 is the one-off backfill of the same figures, pinned equal by a test.
    Python, not SQL: summing 67 columns per row in SQL made ingest 10 ms per batch slower."""
    width = len(STAT_COLUMNS)
    stats: dict[tuple, list[int]] = {}
    totals: dict[tuple, list[int]] = {}
    for observed_at, place_id, agency, visibility, mask, n_findings, n_measures in rows:
        key = (observed_at[:10], place_id or "", agency, visibility)
        row = stats.get(key)
        if row is None:
            row = stats[key] = [0] * width
        row[0] += 1
        row[1] += n_findings
        row[2] += n_measures
        columns = _FINDING_COLUMNS.get(mask)
        if columns is None:
            columns = _FINDING_COLUMNS[mask] = tuple(
                3 + i for i in range(mask.bit_length()) if mask >> i & 1)
        for i in columns:
            row[i] += 1
        hour = int(observed_at[11:13])
        row[3 + N_CATEGORIES + hour] += 1
        row[3 + N_CATEGORIES + 24 + hour] += n_findings
    for (day, place_id, agency, visibility), row in stats.items():
        district, ptype, category = places.get(place_id, ("", "", ""))
        t = totals.setdefault((day, agency, visibility, district or "", ptype or "", category or ""),
                              [0] * width)
        for i, v in enumerate(row):
            if v:
                t[i] += v
    return stats, totals


class FiguresMixin:
    db: Engine

    def _figure_places(self, place_ids: Iterable[str], c: Conn | None = None
                       ) -> dict[str, tuple[str, str, str]]:
        """id -> (district_id, type, category): what the derived figures group reports by."""
        ids = sorted(place_ids)
        places: dict[str, tuple[str, str, str]] = {}
        for chunk in chunks(ids, 900):
            sql = f"SELECT id, district_id, type, category FROM places WHERE id IN ({marks(len(chunk))})"
            for pid, district, ptype, category in (c.execute(sql, chunk) if c is not None
                                                   else self.db.query(sql, chunk)):
                places[pid] = (district, ptype, category)
        return places

    def _add_figures(self, c: Conn, rows: list[FigureRow]) -> None:
        """Add reports to the derived figures, one upsert per touched key."""
        places = self._figure_places({r[1] for r in rows if r[1]}, c)
        self._write_figures(c, *day_figures(rows, places))

    @staticmethod
    def _write_figures(c: Conn, stats: dict[tuple, list[int]],
                       totals: dict[tuple, list[int]]) -> None:
        """In key order: concurrent transactions (PostgreSQL, several instances) then lock the
        rows they share in one order and never wait for each other in a circle."""
        c.executemany(UPSERT_STATS, [(*k, *stats[k]) for k in sorted(stats)])
        c.executemany(UPSERT_TOTALS, [(*k, *totals[k]) for k in sorted(totals)])
