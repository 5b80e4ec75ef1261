"""Admin: the audit log, newest first."""

from __future__ import annotations

import flet as ft

import patrol_wire as wire
from patrol_app.core.office import Office

from .online import OnlineView


class AuditView(OnlineView):
    title_key = "audit_title"

    def fetch(self, office: Office) -> list[dict]:
        return office.audit(limit=200)

    def render(self, entries: list[dict]) -> list[ft.Control]:
        t = self.ctx.t
        return [ft.ListTile(
            title=ft.Text(f"{t('audit_' + e['action'].replace('.', '_'))} · {e['object_type']} {e['object_id'][:24]}",
                          size=14),
            subtitle=ft.Text(f"{t.datetime(wire.parse_timestamp(e['at']))} · {e['actor']}", size=12),
            min_height=48) for e in entries] or [ft.Text(t("no_history"))]
