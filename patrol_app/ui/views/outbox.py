"""Outbox: every report and photo on the device with its state; the Sync button."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire

from patrol_app.core.store import ItemKind, OutboxState

from ..theme import OK, WARN, big_button, colour

if TYPE_CHECKING:
    from ..app import PatrolApp

_STATE_ICONS = {
    OutboxState.PENDING: (ft.Icons.SCHEDULE, ft.Colors.ON_SURFACE_VARIANT),
    OutboxState.SENDING: (ft.Icons.SYNC, ft.Colors.PRIMARY),
    OutboxState.SENT: (ft.Icons.CHECK_CIRCLE, OK),
    OutboxState.FAILED: (ft.Icons.ERROR_OUTLINE, WARN),
    OutboxState.REJECTED: (ft.Icons.BLOCK, ft.Colors.ERROR),
}


SHOWN = 100  # newest reports listed; the counts above cover all of them


class OutboxView:
    def __init__(self, app: "PatrolApp") -> None:
        self.app = app

    def _row(self, item, title: str, body: dict | None, receipts: dict) -> ft.Control:
        t = self.app.t
        icon, tint = _STATE_ICONS[item.state]
        lines = [t("state_" + item.state.value)]
        if body is not None:
            lines[0] += " · " + t.datetime(wire.parse_timestamp(body["observed_at"]))
            if item.ref in receipts:
                done, total = receipts[item.ref]
                lines.append(t("photos_confirmed", done=done, total=total))
        if item.state in (OutboxState.REJECTED, OutboxState.FAILED) and item.error:
            reason = t.error(item.error_code, item.error)
            lines.append(t("rejected_reason", reason=reason)
                         if item.state is OutboxState.REJECTED else t("failed_reason", reason=reason))
        is_report = item.kind is ItemKind.REPORT
        return ft.Semantics(identifier=f"outbox-{item.ref}", content=ft.ListTile(
            leading=ft.Icon(icon, color=colour(self.app.page, tint)),
            title=ft.Text(title, max_lines=1, weight=ft.FontWeight.W_600 if is_report else None),
            subtitle=ft.Text("\n".join(lines)), min_height=56,
            content_padding=ft.Padding.only(left=16 if is_report else 40, right=16)))

    def build(self) -> ft.Control:
        t = self.app.t
        store = self.app.device.store
        counts = store.outbox_counts()
        rows: list[ft.Control] = []
        recent = store.recent_outbox(SHOWN)
        receipts = store.report_receipts([item.ref for item, *_ in recent])
        for item, body, place_name, photo_items in recent:
            rows.append(self._row(item, place_name or t("report"), body, receipts))
            rows += [self._row(p, f"{t('photo')} {p.ref[:8]}", None, receipts) for p in photo_items]
        older = store.report_count() - len(recent)
        if older > 0:
            rows.append(ft.Text(t("older_reports", n=older), color=ft.Colors.ON_SURFACE_VARIANT))
        summary = " · ".join(f"{t('state_' + s.value)}: {n}" for s, n in counts.items() if n)
        if summary:
            summary = f"{t('report')}/{t('photo')} – {summary}"
        return ft.Container(ft.Column([
            ft.Text(t("outbox_title"), size=20, weight=ft.FontWeight.BOLD),
            ft.Semantics(identifier="outbox-summary", content=ft.Text(summary or t("outbox_empty"))),
            big_button(t("sync_now"), self.app.sync_now, icon=ft.Icons.CLOUD_UPLOAD, identifier="sync-now"),
            self.app.progress,
            ft.Semantics(identifier="sync-status", content=ft.Text(self.app.sync_status)),
            ft.ListView(rows, expand=True),
        ], expand=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)
