"""Teams for a shift day: members of the agencies, flagged when the team is mixed; the editor."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import flet as ft

import patrol_wire as wire
from patrol_app.core import planning
from patrol_app.core.office import Office

from ..theme import OK, big_button, section, sub_header
from .online import OnlineView, call
from ..agency_words import agency_name
from .pickers import DateField

if TYPE_CHECKING:
    from ..context import ViewContext


def members_line(ctx: "ViewContext", members: list[Any]) -> str:
    def one(m: Any) -> str:
        name, agency = (m["display_name"], m["agency"]) if isinstance(m, dict) else (m.display_name, m.agency)
        return f"{name} · {agency_name(ctx, agency)}"
    return ", ".join(one(m) for m in members) or "—"


class TeamsView(OnlineView):
    title_key = "teams_title"

    def fetch(self, office: Office):
        return office.teams(), office.directory()

    def render(self, data) -> list[ft.Control]:
        teams, people = data
        t = self.ctx.t
        out: list[ft.Control] = [big_button(
            t("new_team"), lambda e: self.ctx.show_sub(TeamEditor(self.ctx, None, teams, people)),
            icon=ft.Icons.GROUP_ADD, identifier="new-team")]
        for tm in teams:
            flag = [] if tm["mixed"] else [ft.Text(t("team_not_mixed"), color=ft.Colors.ERROR, size=13)]
            out.append(ft.Card(ft.Container(ft.Column([
                ft.Row([ft.Text(tm["name"], size=17, weight=ft.FontWeight.BOLD, expand=True),
                        ft.IconButton(ft.Icons.EDIT, tooltip=t("edit"),
                                      on_click=lambda e, tm=tm: self.ctx.show_sub(
                                          TeamEditor(self.ctx, tm, teams, people)))]),
                ft.Text(members_line(self.ctx, tm["members"]), size=13),
                *([ft.Text(t("shift_day", day=t.day(date.fromisoformat(tm["shift_date"]))), size=13)]
                  if tm.get("shift_date") else []),
                *flag], spacing=4), padding=12)))
        return out


class TeamEditor:
    """Name, day and members of a team; shows live whether it is mixed (members of at least
    two agencies)."""

    def __init__(self, ctx: "ViewContext", team: dict | None, teams: list[dict],
                 people: list[wire.UserRecord]) -> None:
        self.ctx = ctx
        self.team = team
        self.taken = {tm["id"] for tm in teams}
        self.people = [p for p in people if p.role in (wire.Role.OFFICER, wire.Role.SHIFT_LEAD)]
        self.chosen = {m["username"] for m in team["members"]} if team else set()
        t = ctx.t
        self.name = ft.TextField(label=t("team_name"), value=team["name"] if team else "")
        shift_date = (team or {}).get("shift_date")
        self.day = DateField(ctx, t("team_day"), date.fromisoformat(shift_date) if shift_date
                             else date.today(), identifier="team-day")
        self.mixed = ft.Text("")
        self.error = ft.Text("", color=ft.Colors.ERROR)

    def build(self) -> ft.Control:
        t = self.ctx.t
        boxes = []
        for agency in sorted({p.agency for p in self.people},
                             key=lambda a: agency_name(self.ctx, a).casefold()):
            boxes.append(section(agency_name(self.ctx, agency)))
            for p in (x for x in self.people if x.agency == agency):
                boxes.append(ft.Semantics(identifier=f"member-{p.username}", content=ft.Checkbox(
                    label=p.display_name, value=p.username in self.chosen,
                    on_change=lambda e, u=p.username: self._toggle(u, e.control.value))))
        self._update_mixed()
        return ft.Container(ft.Column([
            sub_header(t("edit_team") if self.team else t("new_team"),
                       lambda e: self.ctx.show_main(), t("cancel")),
            ft.Semantics(identifier="team-name", content=self.name), self.day.control,
            ft.Text(t("team_day_help"), size=12, color=ft.Colors.ON_SURFACE_VARIANT), self.mixed,
            *boxes, self.error,
            big_button(t("save"), self._save, icon=ft.Icons.SAVE, identifier="save-team"),
        ], scroll=ft.ScrollMode.AUTO, expand=True, spacing=6,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=12, expand=True)

    def _toggle(self, username: str, on: bool) -> None:
        (self.chosen.add if on else self.chosen.discard)(username)
        self._update_mixed()
        self.ctx.update()

    def _update_mixed(self) -> None:
        ok = planning.is_mixed(sorted(self.chosen), self.people)
        self.mixed.value = self.ctx.t("team_mixed") if ok else self.ctx.t("team_not_mixed")
        self.mixed.color = self.ctx.colour(OK) if ok else ft.Colors.ERROR

    async def _save(self, _=None) -> None:
        t = self.ctx.t
        name = (self.name.value or "").strip()
        day = None
        if (self.day.field.value or "").strip():  # empty: a team for any day
            day = self.day.read()
            if day is None:
                self.error.value = t("check_marked_fields")
                self.ctx.update()
                return
        if not name or not self.chosen:
            self.error.value = t("team_needs_name_members")
            self.ctx.update()
            return
        team_id = self.team["id"] if self.team else free_id(planning.slug("team-" + name), self.taken)
        req = wire.TeamRequest(name, sorted(self.chosen), day.isoformat() if day else None)
        if await call(self.ctx, lambda o: o.save_team(team_id, req), done_key="team_saved"):
            self.ctx.show_main()


def free_id(base: str, taken: set[str]) -> str:
    n, candidate = 2, base
    while candidate in taken:
        candidate, n = f"{base[:60]}-{n}", n + 1
    return candidate
