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

PAGE = 40  # entries built at a time: each is a handful of controls, and a tab switch pays for
# every one of them (300 entries took 170 ms of the phone's CPU; bench/app_handlers.py)


class HistoryView:
    """The filters live in ``view_state``: a sync that sent or confirmed reports redraws this
    tab (their states change), and the officer's day, state and search stay as they were."""

    def __init__(self, ctx: "ViewContext") -> None:
        self.ctx = ctx
        t = ctx.t
        store = ctx.store
        self.filters = ctx.view_state.setdefault("history", {"day": "", "state": "", "place": ""})
        days = [d.isoformat() for d in store.report_days()]
        if self.filters["day"] not in days:
            self.filters["day"] = ""
        self.day = ft.Dropdown(label=t("filter_day"), value=self.filters["day"], expand=True,
                               options=[ft.DropdownOption(key="", text=t("all")), *[
                                   ft.DropdownOption(key=d, text=t.day(date.fromisoformat(d)))
                                   for d in days]], on_select=self._changed)
        self.state = ft.Dropdown(label=t("filter_state"), value=self.filters["state"], expand=True,
                                 options=[ft.DropdownOption(key="", text=t("all")), *[
                                     ft.DropdownOption(key=s.value, text=t("state_" + s.value))
                                     for s in OutboxState]], on_select=self._changed)
        self.place = ft.TextField(label=t("search_places"), prefix_icon=ft.Icons.SEARCH, dense=True,
                                  value=self.filters["place"], on_change=self._changed)
        self.list = ft.ListView(expand=True)

    def build(self) -> ft.Control:
        self._fill()
        return ft.Container(ft.Column([
            ft.Text(self.ctx.t("history_title"), size=20, weight=ft.FontWeight.BOLD),
            ft.Row([self.day, self.state]), self.place, self.list,
        ], expand=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)

    def _fill(self) -> None:
        self.list.controls = self._page(0) or [ft.Text(self.ctx.t("no_history"))]

    def _page(self, offset: int) -> list[ft.Control]:
        """The entries from ``offset`` on, one page, and a button for the next when there is."""
        t = self.ctx.t
        store = self.ctx.store
        since = until = None
        if self.day.value:  # the officer's local day, as a UTC range
            start = datetime.combine(date.fromisoformat(self.day.value), time()).astimezone()
            since = wire.format_timestamp(start)
            until = wire.format_timestamp((start + timedelta(days=1)).replace(tzinfo=None).astimezone())
        rows = store.history(since=since, until=until, place_query=self.place.value or "",
                             state=OutboxState(self.state.value) if self.state.value else None,
                             limit=PAGE + 1, offset=offset)
        more, rows = len(rows) > PAGE, rows[:PAGE]
        queries = store.ref_items("query") if rows else []
        asked = {q.report_id for q in queries if q.answered_at is None}
        out: list[ft.Control] = []
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
        if more:
            out.append(ft.Semantics(identifier="history-more", content=ft.TextButton(
                t("history_more"), icon=ft.Icons.EXPAND_MORE, height=48,
                on_click=lambda e, at=offset + PAGE: self._more(at))))
        return out

    def _more(self, offset: int) -> None:
        """The next page below the last: the entries already shown stay as they are."""
        self.list.controls = self.list.controls[:-1] + self._page(offset)
        self.ctx.update()

    def _changed(self, _=None) -> None:
        self.filters.update(day=self.day.value or "", state=self.state.value or "",
                            place=self.place.value or "")
        self._fill()
        self.ctx.update()
