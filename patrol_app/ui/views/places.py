"""Places sorted by distance from the current GPS fix, with search and "check here"."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from patrol_rules import geo

from ..theme import big_button

if TYPE_CHECKING:
    from ..context import ViewContext

MAX_ROWS = 60

_ICONS = {"playground": ft.Icons.CHILD_CARE, "event": ft.Icons.FESTIVAL, "drug_scene": ft.Icons.MEDICATION,
          "nightlife": ft.Icons.NIGHTLIFE, "hotspot": ft.Icons.WARNING_AMBER, "other": ft.Icons.PLACE}


def ranked_places(places, fix, query: str):
    """Places matching the query, nearest first (alphabetical without a fix)."""
    q = query.strip().lower()
    chosen = [p for p in places if not q or q in p.name.lower() or q in p.id.lower()]
    if fix is None:
        return [(p, None) for p in sorted(chosen, key=lambda p: p.name)]
    return geo.nearest_places(fix.lat, fix.lon, chosen)


class PlacesView:
    """The search text lives in ``view_state``: whatever rebuilds the tab (a GPS answer, a sync
    that pulled places, a tab switch) shows what the officer typed."""

    def __init__(self, ctx: "ViewContext") -> None:
        self.ctx = ctx
        self.state = ctx.view_state.setdefault("places", {"query": ""})
        self.search = ft.TextField(label=ctx.t("search_places"), prefix_icon=ft.Icons.SEARCH,
                                   value=self.state["query"], on_change=self._changed, dense=True)
        self.status = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT)
        self.list = ft.ListView(expand=True, spacing=0)
        self.places = ctx.device.current_places()
        self.root: ft.Control | None = None  # what build() returned

    def build(self) -> ft.Control:
        t = self.ctx.t
        self._fill()
        self.root = ft.Container(ft.Column([
            ft.Text(t("places_title"), size=20, weight=ft.FontWeight.BOLD),
            big_button(t("locate"), self.locate, icon=ft.Icons.MY_LOCATION, identifier="locate",
                       filled=False),
            self.status, self.search, self.list,
        ], expand=True, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)
        return self.root

    def _fill(self) -> None:
        t = self.ctx.t
        fix = self.ctx.fix
        if fix is not None:
            self.status.value = f"GPS ±{t.number(fix.accuracy_m)} m"
        if not self.places:
            self.list.controls = [ft.Text(t("no_places"))]
            return
        rows = []
        for place, dist in ranked_places(self.places, fix, self.search.value or "")[:MAX_ROWS]:
            sub = t(f"t_{place.type.value}")
            if place.category:
                sub += f" {place.category}"
            if dist is not None:
                sub += " · " + t.distance(dist)
            rows.append(ft.Semantics(identifier=f"place-{place.id}", content=ft.ListTile(
                leading=ft.Icon(_ICONS.get(place.type.value, ft.Icons.PLACE)),
                title=ft.Text(place.name, max_lines=2), subtitle=ft.Text(sub),
                trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT), min_height=56,
                on_click=lambda e, p=place: self.ctx.show_check(p))))
        self.list.controls = rows

    def _changed(self, _=None) -> None:
        self.state["query"] = self.search.value or ""
        self._fill()
        self.ctx.update()

    async def locate(self, _=None) -> None:
        self.status.value = self.ctx.t("locating")
        self.ctx.update()
        problem = await self.ctx.update_fix()
        if problem:
            self.status.value = problem
            self.ctx.update()
            return
        if self.root is not None and self.ctx.is_shown(self.root):  # refilled in place: the search keeps its focus
            self._fill()
            self.ctx.update()
        else:  # whatever is current now (a sync may have replaced this list, or a form opened)
            self.ctx.redraw_tabs()
