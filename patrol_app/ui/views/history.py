"""History: my reports on this device, filtered by day, place and state; a tap opens one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire
from patrol_app.core.store import OutboxState

from .my_report import ReportView, answer_label

if TYPE_CHECKING:
    from ..context import ViewContext


class HistoryView:
    def __init__(self, ctx: "ViewContext") -> None:
        self.ctx = ctx
        t = ctx.t
        store = ctx.store
        self.day = ft.Dropdown(label=t("filter_day"), value="", expand=True, options=[
            ft.DropdownOption(key="", text=t("all")),
            *[ft.DropdownOption(key=d.isoformat(), text=t.day(d)) for d in store.report_days()]],
            on_select=self._changed)
        self.state = ft.Dropdown(label=t("filter_state"), value="", expand=True, options=[
            ft.DropdownOption(key="", text=t("all")),
            *[ft.DropdownOption(key=s.value, text=t("state_" + s.value)) for s in OutboxState]],
            on_select=self._changed)
        self.place = ft.TextField(label=t("search_places"), prefix_icon=ft.Icons.SEARCH, dense=True,
                                  on_change=self._changed)
        self.list = ft.ListView(expand=True)

    def build(self) -> ft.Control:
        self._fill()
        return ft.Container(ft.Column([
            ft.Text(self.ctx.t("history_title"), size=20, weight=ft.FontWeight.BOLD),
            ft.Row([self.day, self.state]), self.place, self.list,
        ], expand=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)

    def _fill(self) -> None:
        t = self.ctx.t
        store = self.ctx.store
        since = until = None
        if self.day.value:  # the officer's local day, as a UTC range
            start = datetime.combine(date.fromisoformat(self.day.value), time()).astimezone()
            since = wire.format_timestamp(start)
            until = wire.format_timestamp((start + timedelta(days=1)).replace(tzinfo=None).astimezone())
        rows = store.history(since=since, until=until, place_query=self.place.value or "",
                             state=OutboxState(self.state.value) if self.state.value else None)
        if not rows:
            self.list.controls = [ft.Text(t("no_history"))]
            return
        queries = store.ref_items("query")
        asked = {q.report_id for q in queries if q.answered_at is None}
        out = []
        for body, state in rows:
            place = store.place(body["place_id"]) if body.get("place_id") else None
            name = place.name if place else t("report")
            when = t.datetime(wire.parse_timestamp(body["observed_at"]))
            label = answer_label(t, body, queries)
            lines = [f"{when} · {t('state_' + state.value)}"]
            if label:
                title, lines[0] = label, f"{name} · {lines[0]}"
            else:
                title = name
                lines.append(", ".join(t("f_" + f) for f in body["findings"]) or "—")
            if body["id"] in asked:
                lines.append(t("rs_needs_info"))
            out.append(ft.Semantics(identifier=f"history-{body['id']}", content=ft.ListTile(
                title=ft.Text(title, max_lines=2), subtitle=ft.Text("\n".join(lines)),
                leading=ft.Icon(ft.Icons.REPLY if label else ft.Icons.DESCRIPTION_OUTLINED),
                trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT), min_height=56,
                on_click=lambda e, rid=body["id"]: self.ctx.show_sub(ReportView(self.ctx, rid)))))
        self.list.controls = out

    def _changed(self, _=None) -> None:
        self._fill()
        self.ctx.update()
