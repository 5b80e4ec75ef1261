"""The shift lead's suggestions while building a route: places with many citizen complaints and
few checks (the server's ranking, counts only), each added to the route with one tap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import flet as ft

import patrol_wire as wire

from .online import call

if TYPE_CHECKING:
    from ..context import ViewContext

DAYS = 28  # the server's default window for suggestions


class ComplaintGaps:
    """A column that fills itself once the server answered; empty when it cannot be asked
    (offline: building the route goes on without suggestions)."""

    def __init__(self, ctx: "ViewContext", places: dict[str, wire.Place],
                 chosen: Callable[[], set[str]], add: Callable[[wire.Place], int]) -> None:
        self.ctx = ctx
        self.places = places
        self.chosen = chosen
        self.add = add
        self.found: list[wire.ComplaintGap] = []
        self.column = ft.Column(spacing=0)
        self.control = ft.Semantics(identifier="complaint-gaps", content=self.column)

    def load(self) -> None:
        self.ctx.run_task(self._load)

    async def _load(self) -> None:
        answer = await call(self.ctx, lambda o: o.complaint_gaps(days=DAYS))
        if not isinstance(answer, wire.ComplaintSuggestions):
            return
        self.found = [g for g in answer.places if g.place_id in self.places]
        self.draw()
        self.ctx.update()

    def draw(self) -> None:
        t = self.ctx.t
        chosen = self.chosen()
        rows: list[ft.Control] = [ft.Text(t("gaps_hint", days=DAYS), size=12,
                                          color=ft.Colors.ON_SURFACE_VARIANT)]
        for g in self.found:
            taken = g.place_id in chosen
            rows.append(ft.Semantics(identifier=f"gap-{g.place_id}", content=ft.ListTile(
                title=ft.Text(g.name, max_lines=2),
                subtitle=ft.Text(t("gaps_line", n=g.complaints, c=g.checks)
                                 + (f" · {t('gaps_in_route')}" if taken else "")),
                leading=ft.Icon(ft.Icons.CAMPAIGN_OUTLINED, color=ft.Colors.RED_700),
                trailing=ft.Icon(ft.Icons.CHECK if taken else ft.Icons.ADD_CIRCLE_OUTLINE),
                min_height=56, disabled=taken,
                on_click=lambda e, g=g: self._tap(g))))
        if not self.found:
            rows.append(ft.Text(t("gaps_none"), size=13))
        self.column.controls = rows

    def _tap(self, g: wire.ComplaintGap) -> None:
        if g.place_id in self.chosen():
            return
        n = self.add(self.places[g.place_id])
        self.ctx.toast(self.ctx.t("gaps_added", name=g.name, n=n))
