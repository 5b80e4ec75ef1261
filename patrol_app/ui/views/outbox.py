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
        items = store.outbox()
        photos_of: dict[str, list] = {}
        for it in items:
            if it.kind is ItemKind.PHOTO:
                photos_of.setdefault(it.report_id, []).append(it)
        ordered = []
        for it in reversed(items):  # newest report first, its photos beneath it
            if it.kind is ItemKind.REPORT:
                ordered += [it, *photos_of.get(it.ref, [])]
        for item in ordered:
            icon, colour = _STATE_ICONS[item.state]
            lines = [t("state_" + item.state.value)]
            if item.kind is ItemKind.REPORT:
                body = store.report_body(item.ref)
                place = store.place(body["place_id"]) if body.get("place_id") else None
                title = place.name if place else t("report")
                lines[0] += " · " + t.datetime(wire.parse_timestamp(body["observed_at"]))
                if item.ref in receipts:
                    done, total = receipts[item.ref]
                    lines.append(t("photos_confirmed", done=done, total=total))
            else:
                title = f"{t('photo')} {item.ref[:8]}"
            if item.state in (OutboxState.REJECTED, OutboxState.FAILED) and item.error:
                reason = t.error(item.error_code, item.error)
                lines.append(t("rejected_reason", reason=reason)
                             if item.state is OutboxState.REJECTED else t("failed_reason", reason=reason))
            rows.append(ft.Semantics(identifier=f"outbox-{item.ref}", content=ft.ListTile(
                leading=ft.Icon(icon, color=colour),
                title=ft.Text(title, max_lines=1, weight=ft.FontWeight.W_600
                              if item.kind is ItemKind.REPORT else None),
                subtitle=ft.Text("\n".join(lines)), min_height=56,
                content_padding=ft.Padding.only(left=16 if item.kind is ItemKind.REPORT else 40,
                                                right=16))))
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
