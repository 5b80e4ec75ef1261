"""Questions from review ("Rückfragen"): an inbox on Today and the answer form.

The answer is saved on the device as an amendment of the report asked about and goes out with
the next sync like any check; the supervisor then sees it beside the original.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire
from patrol_app.core.store import StoreError

from ..theme import big_button, section, sub_header

if TYPE_CHECKING:
    from ..context import ViewContext


def asked_about(ctx: "ViewContext", q: wire.Query) -> str | None:
    """Which report the question is about, in one line: when it was observed, its findings and
    the start of its note (an officer may have six reports at the same place that night);
    None when the report is not on this device (a reset phone: the place must do)."""
    t = ctx.t
    original = ctx.store.get_report(q.report_id)
    if original is None:
        return None
    parts = [t.datetime(wire.parse_timestamp(original.observed_at)),
             ", ".join(t("f_" + f.value) for f in original.findings) or t("no_findings")]
    if original.note.strip():
        parts.append(original.note.strip()[:120])
    return " · ".join(parts)


def inbox(ctx: "ViewContext") -> list[ft.Control]:
    """The open questions as cards with an answer button; nothing when there are none."""
    t = ctx.t
    open_qs = ctx.device.open_queries()
    if not open_qs:
        return []
    out: list[ft.Control] = [section(t("queries_title", n=len(open_qs)))]
    for q in open_qs:
        place = ctx.store.place(q.place_id) if q.place_id else None
        out.append(ft.Semantics(identifier=f"query-{q.id[:8]}", content=ft.Card(
            ft.Container(ft.Column([
                ft.Text(t("query_from", who=q.asked_by,
                          at=t.datetime(wire.parse_timestamp(q.asked_at))),
                        size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(place.name if place else t("report"), weight=ft.FontWeight.W_600),
                *([ft.Text(about, size=13, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=2,
                           overflow=ft.TextOverflow.ELLIPSIS)]
                  if (about := asked_about(ctx, q)) else []),
                ft.Text(q.question, size=16),
                big_button(t("answer"), lambda e, q=q: ctx.show_answer(q), icon=ft.Icons.REPLY,
                           identifier="answer-query"),
            ], spacing=6), padding=12),
            bgcolor=ft.Colors.TERTIARY_CONTAINER)))
    return out


class AnswerView:
    def __init__(self, ctx: "ViewContext", query: wire.Query) -> None:
        self.ctx = ctx
        self.query = query
        self.text = ft.TextField(label=ctx.t("your_answer"), multiline=True, min_lines=3,
                                 max_lines=8, max_length=4000, autofocus=True)
        self.error = ft.Text("", color=ft.Colors.ERROR)

    def build(self) -> ft.Control:
        t = self.ctx.t
        q = self.query
        place = self.ctx.store.place(q.place_id) if q.place_id else None
        rows: list[ft.Control] = [
            sub_header(t("answer_title"), lambda e: self.ctx.show_main(), t("cancel")),
            ft.Text(place.name if place else t("report"), weight=ft.FontWeight.W_600),
        ]
        about = asked_about(self.ctx, q)
        if about is not None:
            rows.append(ft.Text(about, color=ft.Colors.ON_SURFACE_VARIANT))
        rows += [
            ft.Container(ft.Column([
                ft.Text(t("query_from", who=q.asked_by, at=t.datetime(wire.parse_timestamp(q.asked_at))),
                        size=12),
                ft.Text(q.question, size=16, weight=ft.FontWeight.W_500)]),
                bgcolor=ft.Colors.TERTIARY_CONTAINER, padding=12, border_radius=8),
            ft.Semantics(identifier="answer-text", content=self.text),
            self.error,
            big_button(t("send_answer"), self._save, icon=ft.Icons.SEND, identifier="save-answer"),
        ]
        return ft.Container(ft.Column(rows, scroll=ft.ScrollMode.AUTO, expand=True, spacing=10,
                                      horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=12, expand=True)

    async def _save(self, _=None) -> None:
        t = self.ctx.t
        text = (self.text.value or "").strip()
        if not text:
            self.error.value = t("answer_empty")
            self.ctx.update()
            return
        try:
            self.ctx.device.answer_query(self.query, text, fix=self.ctx.fix)
        except StoreError as exc:  # disk full and friends: the store says it in words
            self.error.value = str(exc)
            self.ctx.update()
            return
        self.ctx.toast(t("answer_saved"))
        self.ctx.show_main()
        await self.ctx.sync_now()

