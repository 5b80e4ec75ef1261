"""Patrols in progress ("Streifen"): per team done, late, open and missed stops, the last report,
and the hand-over of a route mid-shift. Also the supervisor's view of missed checkpoints (read-only
there)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire
from patrol_app.core.office import Office

from ..theme import WARN, big_button
from .online import OnlineView
from .teams import members_line
from .today import STOP_LOOK, status_text, stop_label

if TYPE_CHECKING:
    from ..context import ViewContext


def _hhmm(ctx: "ViewContext", ts: str) -> str:
    return ctx.t.time(wire.parse_timestamp(ts))


class ProgressView(OnlineView):
    title_key = "progress_title"

    def fetch(self, office: Office) -> tuple[list[wire.TeamProgress], list[dict]]:
        can_plan = self.ctx.device.user.role is wire.Role.SHIFT_LEAD
        return office.progress(), (office.teams() if can_plan else [])

    def render(self, data) -> list[ft.Control]:
        progress, teams = data
        t = self.ctx.t
        if not progress:
            return [ft.Text(t("no_shift_now"))]
        missed, late = sum(p.missed for p in progress), sum(p.late for p in progress)
        out: list[ft.Control] = [ft.Semantics(identifier="missed-total", content=ft.Text(
            t("missed_total", n=missed), color=ft.Colors.ERROR if missed else None,
            weight=ft.FontWeight.W_600))]
        if late:
            out.append(ft.Semantics(identifier="late-total", content=ft.Text(
                t("late_total", n=late), color=self.ctx.colour(WARN), weight=ft.FontWeight.W_600)))
        for p in progress:
            out.append(self._card(p, teams))
        return out

    def _card(self, p: wire.TeamProgress, teams: list[dict]) -> ft.Control:
        t = self.ctx.t
        head = [ft.Text(p.team_name, size=17, weight=ft.FontWeight.BOLD, expand=True)]
        if not p.mixed:
            head.append(ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.ERROR, tooltip=t("team_not_mixed")))
        rows: list[ft.Control] = [
            ft.Row(head),
            ft.Text(members_line(self.ctx, p.members), size=13),
            ft.Text(f"{p.route_name} · {_hhmm(self.ctx, p.shift_start)}–{_hhmm(self.ctx, p.shift_end)}"),
            ft.Semantics(identifier=f"counts-{p.team_id}", content=ft.Text(
                t("progress_counts_late", done=p.done, late=p.late, open=p.open, missed=p.missed),
                weight=ft.FontWeight.W_600, color=ft.Colors.ERROR if p.missed else
                self.ctx.colour(WARN) if p.late else None)),
            ft.Text(t("last_report", at=_hhmm(self.ctx, p.last_report_at), place=p.last_report_place or "—")
                    if p.last_report_at else t("no_report_yet"), size=13,
                    color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Divider(height=8),
        ]
        for s in p.stops:
            icon, tint = STOP_LOOK[s.status]
            window = f"{_hhmm(self.ctx, s.window_start)}–{_hhmm(self.ctx, s.window_end)}"
            checked = wire.parse_timestamp(s.checked_at) if s.checked_at else None
            rows.append(ft.Semantics(identifier=f"pstop-{p.team_id}-{s.seq}", content=ft.Row([
                ft.Icon(icon, color=self.ctx.colour(tint), size=22),
                ft.Column([ft.Text(f"{s.seq}. {s.place_name}", size=14, weight=ft.FontWeight.W_500),
                           ft.Text(f"{window} · {stop_label(t, s.status, checked)}", size=13,
                                   **status_text(self.ctx, s.status))],
                          spacing=0, expand=True)], vertical_alignment=ft.CrossAxisAlignment.START)))
        others = [tm for tm in teams if tm["id"] != p.team_id]
        if others and p.open:
            rows.append(big_button(t("hand_over"), lambda e, p=p: self._hand_over(p, others),
                                   icon=ft.Icons.SWAP_HORIZ, filled=False,
                                   identifier=f"handover-{p.team_id}"))
        return ft.Card(ft.Container(ft.Column(rows, spacing=4), padding=12))

    def _hand_over(self, p: wire.TeamProgress, others: list[dict]) -> None:
        t = self.ctx.t
        choice = ft.Dropdown(label=t("to_team"), value=others[0]["id"], options=[
            ft.DropdownOption(key=tm["id"], text=tm["name"]) for tm in others])

        async def confirm(_):
            self.ctx.pop_dialog()
            if await self.call(lambda o: o.reassign(p.assignment_id, choice.value),
                               done_key="handed_over"):
                await self.reload()

        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("hand_over_title", team=p.team_name)),
            content=ft.Column([ft.Text(t("hand_over_text", n=p.open)), choice], tight=True),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.FilledButton(t("hand_over"), on_click=confirm)]))
