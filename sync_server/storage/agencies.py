"""Agencies as data: police, the municipal order service, partners -- managed by admins.

Users name their agency by code (the database refuses a user of an unknown code: a foreign key
in PostgreSQL, triggers in SQLite); reports keep their author's code as it was at ingest, so
the agency rule (``access``) and every figure work for any code. An agency is never deleted,
only deactivated: its users, reports and figures keep it, and devices keep showing its name.
Each change takes a change seq, so devices pull agencies with the other reference data.
"""

from __future__ import annotations

import patrol_wire as wire

from .audit import audit
from .engine import Engine
from .reference import bump

AGENCY_COLUMNS = "code, name_de, name_en, kind, active"


def agency_of(row: tuple) -> wire.Agency:
    code, name_de, name_en, kind, active = row
    return wire.Agency(code, name_de, name_en, wire.AgencyKind(kind), bool(active))


class AgenciesMixin:
    db: Engine

    def list_agencies(self) -> list[wire.Agency]:
        """Every agency, active or not, by code."""
        return [agency_of(r) for r in self.db.query(
            f"SELECT {AGENCY_COLUMNS} FROM agencies ORDER BY code")]

    def agency(self, code: str) -> wire.Agency | None:
        row = self.db.query_one(f"SELECT {AGENCY_COLUMNS} FROM agencies WHERE code = ?", [code])
        return None if row is None else agency_of(row)

    def agency_user_counts(self) -> dict[str, int]:
        """Active (not disabled) users per agency code."""
        return dict(self.db.query(
            "SELECT agency, count(*) FROM users WHERE disabled = 0 GROUP BY agency"))

    def create_agency(self, agency: wire.Agency, *, actor: str) -> bool:
        """Store a new agency; False when its code is taken (also by a concurrent instance)."""
        try:
            with self.db.tx() as c:
                row = c.execute(
                    "INSERT INTO agencies (code, name_de, name_en, kind, active, seq)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING RETURNING code",
                    [agency.code, agency.name_de, agency.name_en, agency.kind.value,
                     int(agency.active), bump(c)]).fetchone()
                if row is None:
                    raise _Taken  # undo the seq taken
                audit(c, actor, "agency.create", "agency", agency.code,
                      {"name_de": agency.name_de, "name_en": agency.name_en,
                       "kind": agency.kind.value})
        except _Taken:
            return False
        return True

    def update_agency(self, code: str, *, actor: str, name_de: str | None = None,
                      name_en: str | None = None, kind: wire.AgencyKind | None = None,
                      active: bool | None = None) -> wire.Agency | None:
        """Change the given fields (the code never changes); None when there is no such
        agency. Deactivating keeps the agency's users, their sessions and reports."""
        changes = {k: v for k, v in (("name_de", name_de), ("name_en", name_en),
                                     ("kind", kind and kind.value),
                                     ("active", None if active is None else int(active)))
                   if v is not None}
        with self.db.tx() as c:
            if c.execute("SELECT 1 FROM agencies WHERE code = ?", [code]).fetchone() is None:
                return None
            if changes:
                c.execute(f"UPDATE agencies SET {', '.join(f'{k} = ?' for k in changes)},"
                          " seq = ? WHERE code = ?", [*changes.values(), bump(c), code])
                audit(c, actor, "agency.update", "agency", code, changes)
            return agency_of(c.execute(f"SELECT {AGENCY_COLUMNS} FROM agencies WHERE code = ?",
                                       [code]).fetchone())


class _Taken(Exception):
    """Raised inside create_agency's transaction when the code exists: rolls it back."""
