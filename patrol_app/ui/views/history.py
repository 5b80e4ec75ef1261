"""History: my reports on this device, filtered by day, place and state."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire
from patrol_app.core.store import OutboxState

if TYPE_CHECKING:
    from ..app import PatrolApp


class HistoryView:
    def __init__(self, app: "PatrolApp") -> None:
        self.app = app
        t = app.t
        store = app.device.store
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
            ft.Text(self.app.t("history_title"), size=20, weight=ft.FontWeight.BOLD),
            ft.Row([self.day, self.state]), self.place, self.list,
        ], expand=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)

    def _fill(self) -> None:
        t = self.app.t
        store = self.app.device.store
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
        out = []
        for body, state in rows:
            place = store.place(body["place_id"]) if body.get("place_id") else None
            when = t.datetime(wire.parse_timestamp(body["observed_at"]))
            findings = ", ".join(t("f_" + f) for f in body["findings"]) or "—"
            out.append(ft.ListTile(
                title=ft.Text(place.name if place else t("report"), max_lines=1),
                subtitle=ft.Text(f"{when} · {t('state_' + state.value)}\n{findings}"),
                min_height=56))
        self.list.controls = out

    def _changed(self, _=None) -> None:
        self._fill()
        self.app.page.update()
