"""Outbox: every report and photo on the device with its state; the Sync button.

A report the server refused stays here with the reason in words and two ways on: correct it (a
new report that supersedes it, from the check form prefilled) or send it again (after a change
on the server, e.g. a place added). The status line never says "all sent" while something waits
or was refused.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire
from patrol_app.core.device import CLOCK_NOTABLE_S, QueueState
from patrol_app.core.photos import make_thumbnail
from patrol_app.core.store import ItemKind, OutboxState
from patrol_app.core.sync import Outcome, SyncResult

from .. import clock_words
from ..i18n import CATALOGUES, Translator
from ..theme import OK, TOUCH, WARN, big_button

if TYPE_CHECKING:
    from ..context import ViewContext

_STATE_ICONS = {
    OutboxState.PENDING: (ft.Icons.SCHEDULE, ft.Colors.ON_SURFACE_VARIANT),
    OutboxState.SENDING: (ft.Icons.SYNC, ft.Colors.PRIMARY),
    OutboxState.SENT: (ft.Icons.CHECK_CIRCLE, OK),
    OutboxState.FAILED: (ft.Icons.ERROR_OUTLINE, WARN),
    OutboxState.REJECTED: (ft.Icons.BLOCK, ft.Colors.ERROR),
    OutboxState.SUPERSEDED: (ft.Icons.EDIT_NOTE, ft.Colors.ON_SURFACE_VARIANT),
}

# Every code a report or photo can be refused with (per item, or for its request as a whole),
# plus the device's own: each has a sentence that says what happened and what to do.
REFUSAL_CODES = (
    "malformed_json", "invalid_type", "invalid_value", "missing_field", "unknown_field",
    "invalid_id", "id_mismatch", "timestamp_in_future", "body_too_large", "batch_too_large",
    "unsupported_media_type", "forbidden", "not_found", "report_conflict", "unknown_place",
    "unknown_report", "unknown_team", "photo_hash_mismatch", "photo_not_an_image",
    "photo_not_referenced", "report_rejected", "conflict",
)
# Transient trouble: the item waits and goes again by itself.
RETRY_CODES = ("storage_full", "internal_error", "unavailable", "server_error",
               "too_many_attempts")
_TECHNICAL = {"invalid_type", "invalid_value", "missing_field", "unknown_field"}

SHOWN = 100  # newest reports listed; the counts above cover all of them
THUMBS_FOR = 30  # newest reports whose photos show as pictures; older ones as an icon
THUMB_SIDE = 96  # pixels: a 48 dp picture on a 2x screen
_THUMBS: OrderedDict[str, bytes] = OrderedDict()  # sha256 -> small JPEG, newest used last
_THUMBS_KEPT = 200


def thumbnail(store, sha256: str) -> bytes | None:
    """A small picture of a stored photo, made once per photo and kept (the outbox redraws
    after every sync); None when the file is gone or unreadable."""
    if sha256 in _THUMBS:
        _THUMBS.move_to_end(sha256)
        return _THUMBS[sha256]
    try:
        data = make_thumbnail(store.photo_bytes(sha256), THUMB_SIDE)
    except (KeyError, OSError, ValueError):
        return None
    _THUMBS[sha256] = data
    while len(_THUMBS) > _THUMBS_KEPT:
        _THUMBS.popitem(last=False)
    return data


def refusal_text(t: Translator, code: str | None, message: str | None) -> str:
    """Why the server refused an item, in words; the server's own message for what we have no
    sentence for (a newer server's code)."""
    key = f"refused_{code}"
    if code and key in CATALOGUES[t.lang]:
        return t(key, message=message or "")
    return t("refused_generic", message=message or code or "?")


def retry_text(t: Translator, code: str | None, message: str | None) -> str:
    key = f"retry_{code}"
    if code and key in CATALOGUES[t.lang]:
        return t(key)
    return t("failed_reason", reason=message or code or "?")


def _refused_part(t: Translator, queue: QueueState) -> str:
    if not queue.refused:
        return ""
    return t("status_refused_one") if queue.refused == 1 else t("status_refused", n=queue.refused)


def sync_status_text(t: Translator, result: SyncResult, queue: QueueState) -> str:
    """The line under the Send button after a sync: what happened and what is left."""
    if result.outcome is Outcome.OK:
        if queue.waiting:
            text = t("status_waiting", n=queue.waiting)
        elif queue.refused:
            text = t("status_sent_but")
        else:
            return t("sync_ok")
    elif result.outcome is Outcome.OFFLINE:
        text = t("sync_offline")
    elif result.outcome is Outcome.AUTH_NEEDED:
        text = t("sync_auth")
    elif result.code == "storage_full":
        text = t("retry_storage_full")
    else:
        text = t("sync_server_error")
    refused = _refused_part(t, queue)
    return f"{text} {refused}" if refused else text


def save_outcome_text(t: Translator, result: SyncResult, queue: QueueState) -> str:
    """What became of a check just saved, once its first sync is over."""
    if result.rejected:
        return t("save_refused")
    if result.outcome is Outcome.OK:
        return t("save_sent") if not queue.waiting else t("save_waiting")
    if result.outcome is Outcome.OFFLINE:
        return t("save_offline")
    return t("save_later")


class OutboxView:
    def __init__(self, ctx: "ViewContext") -> None:
        self.ctx = ctx

    def _photo_row(self, item, body: dict, picture: bool, receipts: dict) -> ft.Control:
        """A photo as the officer knows it: a small picture and "Foto 1 von 2" (its place in
        the report), never its hash."""
        t = self.ctx.t
        listed = body.get("photos") or []
        n = listed.index(item.ref) + 1 if item.ref in listed else 1
        title = t("photo_n_of", n=n, total=max(len(listed), n))
        thumb = thumbnail(self.ctx.store, item.ref) if picture else None
        leading = (ft.Image(src=thumb, width=48, height=48, fit=ft.BoxFit.COVER, border_radius=6)
                   if thumb else ft.Icon(ft.Icons.PHOTO_OUTLINED, size=32))
        return self._row(item, title, None, receipts, leading=leading)

    def _row(self, item, title: str, body: dict | None, receipts: dict, *,
             leading: ft.Control | None = None) -> ft.Control:
        t = self.ctx.t
        icon, tint = _STATE_ICONS[item.state]
        lines = [t("state_" + item.state.value)]
        if body is not None:
            lines[0] += " · " + t.datetime(wire.parse_timestamp(body["observed_at"]))
            if item.ref in receipts and item.state is not OutboxState.SUPERSEDED:
                done, total = receipts[item.ref]
                lines.append(t("photos_confirmed", done=done, total=total))
        if item.state is OutboxState.REJECTED:
            lines.append(refusal_text(t, item.error_code, item.error))
        elif item.state is OutboxState.FAILED:
            lines.append(retry_text(t, item.error_code, item.error))
        elif item.state is OutboxState.SUPERSEDED:
            lines.append(self._superseded_line(item.superseded_by))
        is_report = item.kind is ItemKind.REPORT
        state_icon = ft.Icon(icon, color=self.ctx.colour(tint))
        tile = ft.ListTile(
            leading=leading or state_icon, trailing=state_icon if leading else None,
            title=ft.Text(title, max_lines=1, weight=ft.FontWeight.W_600 if is_report else None),
            subtitle=ft.Text("\n".join(lines), color=self.ctx.colour(tint)
                             if item.state is OutboxState.REJECTED else None),
            min_height=56, content_padding=ft.Padding.only(left=16 if is_report else 40, right=16))
        content: ft.Control = tile
        if is_report and item.state is OutboxState.REJECTED:
            content = ft.Column([tile, self._refused_actions(item.ref)], spacing=0)
        return ft.Semantics(identifier=f"outbox-{item.ref}", content=content)

    def _superseded_line(self, new_id: str | None) -> str:
        t = self.ctx.t
        saved = self.ctx.store.saved_at(new_id) if new_id else None
        if saved is None:
            return t("superseded")
        return t("superseded_by", at=t.datetime(datetime.fromtimestamp(saved, timezone.utc)))

    def _refused_actions(self, report_id: str) -> ft.Control:
        """Correct it or send it again: a refused report is never a dead end."""
        t = self.ctx.t
        correct = ft.Semantics(identifier=f"correct-{report_id}", content=ft.FilledButton(
            t("correct_report"), icon=ft.Icons.EDIT, height=TOUCH,
            on_click=lambda e: self.ctx.show_correction(report_id)))
        again = ft.Semantics(identifier=f"resend-{report_id}", content=ft.OutlinedButton(
            t("resend_report"), icon=ft.Icons.REPLAY, height=TOUCH,
            on_click=lambda e: self.ctx.resend(report_id)))
        return ft.Container(ft.Row([correct, again], wrap=True, spacing=8, run_spacing=8),
                            padding=ft.Padding.only(left=16, right=16, bottom=8))

    def build(self) -> ft.Control:
        t = self.ctx.t
        device = self.ctx.device
        store = device.store
        counts = store.outbox_counts()
        rows: list[ft.Control] = []
        recent = store.recent_outbox(SHOWN)
        receipts = store.report_receipts([item.ref for item, *_ in recent])
        for i, (item, body, place_name, photo_items) in enumerate(recent):
            rows.append(self._row(item, place_name or t("report"), body, receipts))
            rows += [self._photo_row(p, body, i < THUMBS_FOR, receipts) for p in photo_items]
        older = store.report_count() - len(recent)
        if older > 0:
            rows.append(ft.Text(t("older_reports", n=older), color=ft.Colors.ON_SURFACE_VARIANT))
        summary = " · ".join(f"{t('state_' + s.value)}: {n}" for s, n in counts.items() if n)
        if summary:
            summary = f"{t('report')}/{t('photo')} – {summary}"
        head: list[ft.Control] = [
            ft.Text(t("outbox_title"), size=20, weight=ft.FontWeight.BOLD),
            ft.Semantics(identifier="outbox-summary", content=ft.Text(summary or t("outbox_empty")))]
        offset = device.clock_offset()
        if offset is not None and abs(offset) > CLOCK_NOTABLE_S:
            head.append(ft.Semantics(identifier="clock-warning", content=ft.Row([
                ft.Icon(ft.Icons.SCHEDULE, color=self.ctx.colour(WARN)),
                ft.Text(clock_words.phone_clock_line(t, offset), expand=True,
                        color=self.ctx.colour(WARN))])))
        return ft.Container(ft.Column([
            *head,
            big_button(t("sync_now"), self.ctx.sync_now, icon=ft.Icons.CLOUD_UPLOAD, identifier="sync-now"),
            self.ctx.progress,
            ft.Semantics(identifier="sync-status", content=ft.Text(self.ctx.sync_status)),
            ft.ListView(rows, expand=True),
        ], expand=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)
