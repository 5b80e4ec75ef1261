"""Outbox: every report and photo on the device with its state; the Sync button."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire

from patrol_app.core.store import ItemKind, OutboxState

from ..theme import big_button

if TYPE_CHECKING:
    from ..app import PatrolApp

_STATE_ICONS = {
    OutboxState.PENDING: (ft.Icons.SCHEDULE, ft.Colors.ON_SURFACE_VARIANT),
    OutboxState.SENDING: (ft.Icons.SYNC, ft.Colors.PRIMARY),
    OutboxState.SENT: (ft.Icons.CHECK_CIRCLE, ft.Colors.GREEN_800),
    OutboxState.FAILED: (ft.Icons.ERROR_OUTLINE, ft.Colors.ORANGE_900),
    OutboxState.REJECTED: (ft.Icons.BLOCK, ft.Colors.ERROR),
}


class OutboxView:
    def __init__(self, app: "PatrolApp") -> None:
        self.app = app

    def build(self) -> ft.Control:
        t = self.app.t
        store = self.app.device.store
        counts = store.outbox_counts()
        receipts = store.report_receipts()
        rows: list[ft.Control] = []
        for item in reversed(store.outbox()):
            if item.kind is not ItemKind.REPORT:
                continue
            icon, colour = _STATE_ICONS[item.state]
            body = store.report_body(item.ref)
            place = store.place(body["place_id"]) if body.get("place_id") else None
            observed = t.datetime(wire.parse_timestamp(body["observed_at"]))
            lines = [f"{t('state_' + item.state.value)} · {observed}"]
            if item.ref in receipts:
                done, total = receipts[item.ref]
                lines.append(t("photos_confirmed", done=done, total=total))
            if item.state in (OutboxState.REJECTED, OutboxState.FAILED) and item.error:
                lines.append(t("rejected_reason", reason=item.error)
                             if item.state is OutboxState.REJECTED else item.error)
            rows.append(ft.Semantics(identifier=f"outbox-{item.ref}", content=ft.ListTile(
                leading=ft.Icon(icon, color=colour),
                title=ft.Text(place.name if place else t("report"), max_lines=1),
                subtitle=ft.Text("\n".join(lines)), min_height=56)))
        summary = " · ".join(f"{t('state_' + s.value)}: {n}" for s, n in counts.items() if n)
        if summary:
            summary = f"{t('report')}/{t('photo')} – {summary}"
        progress: list[ft.Control] = []
        if self.app.sync_progress:
            done, total = self.app.sync_progress
            progress = [ft.ProgressBar(value=(done / total) if total else None),
                        ft.Text(t("syncing", done=done, total=total))]
        return ft.Container(ft.Column([
            ft.Text(t("outbox_title"), size=20, weight=ft.FontWeight.BOLD),
            ft.Semantics(identifier="outbox-summary", content=ft.Text(summary or t("outbox_empty"))),
            big_button(t("sync_now"), self.app.sync_now, icon=ft.Icons.CLOUD_UPLOAD, identifier="sync-now"),
            *progress,
            ft.Semantics(identifier="sync-status", content=ft.Text(self.app.sync_status)),
            ft.ListView(rows, expand=True),
        ], expand=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)
