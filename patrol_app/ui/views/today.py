"""Today: my team (both agencies), the briefing of a joint operation my team takes part in (a
small card, while it runs or when it starts within hours), my route for this shift with each
stop's status, the way to the next stop and a "check here" shortcut for the nearest place."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire
from patrol_app.core import route
from patrol_app.core.operations import current_operation
from patrol_rules import geo
from patrol_rules.stops import StopState

from ..agency_words import agency_name
from ..i18n import Translator
from ..theme import OK, WARN, big_button, section
from . import queries

if TYPE_CHECKING:
    from ..context import ViewContext

STOP_LOOK = {  # icon and signal colour of a stop's status, on Today and in the lead's progress
    wire.StopStatus.DONE: (ft.Icons.CHECK_CIRCLE, OK),
    wire.StopStatus.LATE: (ft.Icons.WATCH_LATER, WARN),
    wire.StopStatus.OPEN: (ft.Icons.RADIO_BUTTON_UNCHECKED, ft.Colors.PRIMARY),
    wire.StopStatus.MISSED: (ft.Icons.ERROR, ft.Colors.ERROR),
}


def stop_label(t: Translator, status: wire.StopStatus, checked_at: datetime | None) -> str:
    """"erledigt 14:12", "verspätet 16:48", "offen", "verpasst"; a done or late stop without
    a time was checked by a report only the other agency may read (patrol_rules.stops)."""
    if status in (wire.StopStatus.DONE, wire.StopStatus.LATE):
        if checked_at is None:
            return t(f"stop_{status.value}_hidden")
        return t(f"stop_{status.value}_at", at=t.time(checked_at))
    return t("stop_" + status.value)


def status_text(ctx: "ViewContext", status: wire.StopStatus) -> dict:
    """Text style of a stop's status: late and missed stand out, in their signal colour."""
    tint = {wire.StopStatus.LATE: WARN, wire.StopStatus.MISSED: ft.Colors.ERROR}.get(status)
    return {} if tint is None else {"color": ctx.colour(tint), "weight": ft.FontWeight.W_600}


class TodayView:
    def __init__(self, ctx: "ViewContext") -> None:
        self.ctx = ctx

    def build(self) -> ft.Control:
        t = self.ctx.t
        store = self.ctx.store
        now = datetime.now(timezone.utc)
        team_ids = self.ctx.device.my_team_ids()
        controls: list[ft.Control] = [ft.Text(t("today_title"), size=20, weight=ft.FontWeight.BOLD)]
        controls += queries.inbox(self.ctx)

        teams = [tm for tm in store.ref_items("team") if tm.id in team_ids]
        controls.append(section(t("my_team")))
        if not teams:
            controls.append(ft.Text(t("no_team")))
        for team in teams:
            chips = [ft.Container(ft.Text(f"{m.display_name} · {agency_name(self.ctx, m.agency)}"),
                                  padding=ft.Padding.symmetric(vertical=6, horizontal=10),
                                  border_radius=16, bgcolor=ft.Colors.SECONDARY_CONTAINER)
                     for m in team.members]
            controls.append(ft.Text(team.name, weight=ft.FontWeight.W_600))
            controls.append(ft.Row(chips, wrap=True, spacing=6, run_spacing=6))
            if not team.is_mixed:
                controls.append(ft.Text(t("team_not_mixed"), color=ft.Colors.ERROR))

        op = current_operation(store.ref_items("operation"), team_ids, now)
        if op is not None:
            controls.append(self._operation(op))

        today = self.ctx.device.route_today(now)
        controls.append(section(t("my_route")))
        if today is None:
            controls.append(ft.Text(t("no_route")))
        else:
            controls += self._route(*today)

        fix = self.ctx.fix
        if fix is not None:
            nearest = geo.nearest_places(fix.lat, fix.lon, self.ctx.device.current_places(now), limit=1)
            if nearest:
                place, dist = nearest[0]
                controls.append(big_button(t("check_here_place", place=place.name, d=t.distance(dist)),
                                           lambda e, p=place: self.ctx.show_check(p),
                                           icon=ft.Icons.FACT_CHECK, identifier="check-here"))
        else:
            controls.append(ft.Text(t("locate_for_directions"), color=ft.Colors.ON_SURFACE_VARIANT))
        controls.append(big_button(t("locate"), self.ctx.locate_and_redraw, icon=ft.Icons.MY_LOCATION,
                                   identifier="today-locate", filled=False))
        return ft.Container(ft.Column(controls, scroll=ft.ScrollMode.AUTO, expand=True, spacing=8,
                                      horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)

    def _operation(self, op: wire.Operation) -> ft.Control:
        """The operation's name, time and agencies, and the start of its briefing; a tap shows
        the whole briefing."""
        t = self.ctx.t
        start, end = wire.parse_timestamp(op.starts_at), wire.parse_timestamp(op.ends_at)
        agencies = ", ".join(agency_name(self.ctx, a) for a in op.agencies)
        lines: list[ft.Control] = [
            ft.Row([ft.Icon(ft.Icons.CAMPAIGN, size=20, color=ft.Colors.PRIMARY),
                    ft.Text(t("today_operation", name=op.name), weight=ft.FontWeight.BOLD,
                            expand=True, max_lines=2)], spacing=8),
            ft.Text(t("today_operation_when", when=f"{t.time(start)}–{t.time(end)}",
                      agencies=agencies), size=12, color=ft.Colors.ON_SURFACE_VARIANT,
                    max_lines=2)]
        if op.briefing:
            lines.append(ft.Text(op.briefing, size=13, max_lines=2,
                                 overflow=ft.TextOverflow.ELLIPSIS))

        def show(_=None) -> None:
            self.ctx.show_dialog(ft.AlertDialog(
                title=ft.Text(op.name), content=ft.Column(
                    [ft.Text(lines[1].value, size=13), ft.Text(op.briefing or "—", selectable=True)],
                    tight=True, scroll=ft.ScrollMode.AUTO),
                actions=[ft.TextButton(t("ok"), on_click=lambda e: self.ctx.pop_dialog())]))

        return ft.Semantics(identifier="today-operation", content=ft.Container(
            ft.Column(lines, spacing=2), padding=ft.Padding.symmetric(vertical=8, horizontal=10),
            border_radius=8, bgcolor=ft.Colors.PRIMARY_CONTAINER, on_click=show))

    def _route(self, assignment: wire.Assignment, states: list[StopState]) -> list[ft.Control]:
        t = self.ctx.t
        start = t.time(wire.parse_timestamp(assignment.shift_start))
        end = t.time(wire.parse_timestamp(assignment.shift_end))
        out: list[ft.Control] = [ft.Text(f"{assignment.route_name} · {start}–{end}")]
        nxt = route.next_stop(states)
        if nxt is not None and nxt.place is not None and self.ctx.fix is not None:
            dist, compass = route.direction(self.ctx.fix, nxt.place, t.lang)
            out.append(ft.Semantics(identifier="next-stop", content=ft.Text(
                t("next_stop", place=nxt.place.name, d=t.distance(dist), dir=compass),
                size=16, weight=ft.FontWeight.BOLD)))
        for st in states:
            icon, tint = STOP_LOOK[st.status]
            name = st.place.name if st.place else st.stop.place_id
            window = (f"{t.time(wire.parse_timestamp(st.stop.window_start))}–"
                      f"{t.time(wire.parse_timestamp(st.stop.window_end))}")
            is_next = st is nxt  # marked in words and with a frame, not by a shade alone
            tile = ft.ListTile(
                leading=ft.Icon(ft.Icons.NAVIGATION if is_next else icon,
                                color=self.ctx.colour(ft.Colors.PRIMARY if is_next else tint)),
                title=ft.Text(name, max_lines=2,
                              weight=ft.FontWeight.BOLD if is_next else None),
                subtitle=ft.Text(f"{window} · {stop_label(t, st.status, st.checked_at)}",
                                 **status_text(self.ctx, st.status)),
                trailing=ft.Container(ft.Text(t("next_badge"), size=12, weight=ft.FontWeight.W_600,
                                              color=ft.Colors.ON_PRIMARY),
                                      bgcolor=ft.Colors.PRIMARY, border_radius=10,
                                      padding=ft.Padding.symmetric(horizontal=8, vertical=3))
                if is_next else None,
                shape=ft.RoundedRectangleBorder(radius=12, side=ft.BorderSide(2, ft.Colors.PRIMARY))
                if is_next else None,
                min_height=56,
                on_click=(lambda e, p=st.place: self.ctx.show_check(p)) if st.place else None)
            out.append(ft.Semantics(identifier=f"stop-{st.stop.seq}", content=tile))
        return out
