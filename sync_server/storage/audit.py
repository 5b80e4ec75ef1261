"""The audit log: append-only (enforced by the database: triggers on both backends), written
inside the transaction of the change it records, read per object or as a log."""

from __future__ import annotations

import json
from typing import Any

from .engine import Conn, Engine, compact, now_text


def audit(c: Conn, actor: str, action: str, object_type: str, object_id: str,
          detail: dict[str, Any] | None = None, *, at: str | None = None) -> None:
    """Append to the audit log inside the caller's transaction: the entry and the change it
    records commit together or not at all."""
    c.execute("INSERT INTO audit (at, actor, action, object_type, object_id, detail)"
              " VALUES (?, ?, ?, ?, ?, ?)",
              [at or now_text(), actor, action, object_type, object_id, compact(detail or {})])


class AuditMixin:
    db: Engine

    def audit_trail(self, object_type: str, object_id: str) -> list[dict[str, Any]]:
        """One object's entries, oldest first; ``actor_name`` is the actor's display name today
        (None for actors that are no user: "cli", "demo")."""
        rows = self.db.query(
            "SELECT a.at, a.actor, u.display_name, a.action, a.detail FROM audit a"
            " LEFT JOIN users u ON u.username = a.actor"
            " WHERE a.object_type = ? AND a.object_id = ? ORDER BY a.id", [object_type, object_id])
        return [{"at": at, "actor": actor, "actor_name": name, "action": action,
                 "detail": json.loads(detail)} for at, actor, name, action, detail in rows]

    def audit_log(self, *, before_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT a.id, a.at, a.actor, u.display_name, a.action, a.object_type, a.object_id,"
            " a.detail FROM audit a LEFT JOIN users u ON u.username = a.actor"
            " WHERE a.id < ? ORDER BY a.id DESC LIMIT ?", [before_id or 2**62, limit])
        return [{"id": i, "at": at, "actor": actor, "actor_name": name, "action": action,
                 "object_type": ot, "object_id": oid, "detail": json.loads(d)}
                for i, at, actor, name, action, ot, oid, d in rows]

    def record(self, actor: str, action: str, object_type: str, object_id: str,
               detail: dict[str, Any] | None = None) -> None:
        """An audit entry for something that changes no table here (e.g. an export)."""
        with self.db.tx() as c:
            audit(c, actor, action, object_type, object_id, detail)
