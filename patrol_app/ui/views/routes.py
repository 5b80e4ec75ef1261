"""Route templates: stops with clock-time windows on the map (with the places that have many
citizen complaints and few checks as suggestions, ``complaint_gaps``), and their assignment to
a team for a shift (the windows count from the shift start chosen there)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import flet as ft
import flet_map as fm

import patrol_wire as wire
from patrol_app.core import planning
from patrol_app.core.office import Office

from ..theme import big_button, section, sub_header
from .complaint_gaps import ComplaintGaps
from .map_panel import MapPanel, tap_marker
from .online import OnlineView, call
from .pickers import DateField, TimeField
from .teams import free_id

if TYPE_CHECKING:
    from ..context import ViewContext


def route_start(ctx: "ViewContext", route_id: str | None) -> time:
    """The shift start a route's clock times refer to on this device (a template holds only
    minutes after shift start): as last set in the editor, else the default late shift."""
    raw = ctx.store.get_meta(f"route_start.{route_id}") if route_id else None
    try:
        return planning.parse_clock(raw) if raw else planning.DEFAULT_SHIFT_START
    except ValueError:
        return planning.DEFAULT_SHIFT_START


def window_text(start: time, end: time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


class RoutesView(OnlineView):
    title_key = "routes_title"

    def fetch(self, office: Office):
        return office.routes(), office.teams()

    def render(self, data) -> list[ft.Control]:
        routes, teams = data
        t = self.ctx.t
        places = {p.id: p for p in self.ctx.store.places(active_only=False)}
        out: list[ft.Control] = [big_button(
            t("new_route"), lambda e: self.ctx.show_sub(RouteEditor(self.ctx, planning.RouteDraft(), routes)),
            icon=ft.Icons.ADD_ROAD, identifier="new-route")]
        if not places:
            out.append(ft.Text(t("no_places")))
        for r in routes:
            names = ", ".join(places[s.place_id].name if s.place_id in places else s.place_id
                              for s in r.stops[:4]) + (" …" if len(r.stops) > 4 else "")
            ref = route_start(self.ctx, r.id)
            span = window_text(planning.clock_at(ref, min(s.start_min for s in r.stops)),
                               planning.clock_at(ref, max(s.end_min for s in r.stops)))
            out.append(ft.Card(ft.Container(ft.Column([
                ft.Text(r.name, size=17, weight=ft.FontWeight.BOLD),
                ft.Text(t("route_line", n=len(r.stops), span=span) + f": {names}", size=13),
                ft.Row([
                    ft.Semantics(identifier=f"assign-{r.id}", content=ft.FilledButton(
                        t("assign"), icon=ft.Icons.ASSIGNMENT_IND, height=48,
                        on_click=lambda e, r=r: AssignDialog(self, r, teams).open())),
                    ft.OutlinedButton(t("edit"), icon=ft.Icons.EDIT, height=48,
                                      on_click=lambda e, r=r: self.ctx.show_sub(RouteEditor(
                                          self.ctx, planning.RouteDraft.from_template(
                                              r, places, route_start(self.ctx, r.id)), routes))),
                ], wrap=True)], spacing=6), padding=12)))
        return out


class AssignDialog:
    """A route for one team and one shift: day and start/end picked or typed; the stops' clock
    times for that shift shown before the lead confirms (the template's windows count from the
    shift start chosen here)."""

    def __init__(self, view: RoutesView, route: wire.RouteTemplate, teams: list[dict]) -> None:
        self.view = view
        self.ctx = ctx = view.ctx
        self.route = route
        self.teams = teams
        t = ctx.t
        start = route_start(ctx, route.id)
        self.team = ft.Dropdown(label=t("team"), value=teams[0]["id"] if teams else None,
                                expand=True, options=[
                                    ft.DropdownOption(key=tm["id"], text=tm["name"]) for tm in teams])
        self.day = DateField(ctx, t("shift_day_label"), date.today(), identifier="assign-day",
                             on_change=self._preview)
        self.start = TimeField(ctx, t("shift_begin"), start, identifier="assign-start",
                               on_change=self._preview)
        # a shift of eight hours, or as long as the route needs (to the next half hour): the
        # dialog no longer opens with "the route ends after the shift" for a long route
        needs = max((s.end_min for s in route.stops), default=0)
        length = min(max(8 * 60, -(-needs // 30) * 30), planning.MAX_SHIFT_MINUTES - 30)
        self.end = TimeField(ctx, t("shift_end"), planning.clock_at(start, length),
                             identifier="assign-end", on_change=self._preview)
        self.preview = ft.Column(spacing=2)  # a line each: read out line by line
        self.error = ft.Text("", color=ft.Colors.ERROR)

    def open(self) -> None:
        t = self.ctx.t
        if not self.teams:
            self.ctx.toast(t("no_teams_yet"), error=True)
            return
        self._preview()
        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("assign_title", route=self.route.name)),
            content=ft.Column([ft.Row([ft.Semantics(identifier="assign-team", expand=True,
                                                    content=self.team)]),
                               self.day.control, self.start.control, self.end.control,
                               ft.Semantics(identifier="assign-preview", content=self.preview),
                               self.error], tight=True, spacing=10, scroll=ft.ScrollMode.AUTO,
                              horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.Semantics(identifier="confirm-assign", content=ft.FilledButton(
                         t("assign"), on_click=self._confirm))]))

    def _shift(self, *, quietly: bool) -> tuple[datetime, datetime] | None:
        if quietly:
            try:
                day, start, end = (self.day.read_quietly(), self.start.read_quietly(),
                                   self.end.read_quietly())
            except ValueError:
                return None
        else:  # every unreadable field says so, not only the first
            day, start, end = self.day.read(), self.start.read(), self.end.read()
            if day is None or start is None or end is None:
                return None
        return planning.shift_bounds(day, start, end)

    def _preview(self) -> None:
        """The stops as they will be on that day, and whether the route fits the shift."""
        t = self.ctx.t
        shift = self._shift(quietly=True)
        if shift is None:
            self.preview.controls = []
            return
        self.error.value = ""  # everything reads now
        begin, end = shift
        lines = [t("shift_runs", start=t.datetime(begin), end=t.datetime(end))]
        places = {p.id: p for p in self.ctx.store.places(active_only=False)}
        for i, s in enumerate(self.route.stops):  # all of them: the last ones may not fit
            name = places[s.place_id].name if s.place_id in places else s.place_id
            lines.append(f"{i + 1}. {t.time(begin + timedelta(minutes=s.start_min))}–"
                         f"{t.time(begin + timedelta(minutes=s.end_min))} {name}")
        self.preview.controls = [ft.Text(line, size=13) for line in lines]
        if begin + timedelta(minutes=max(s.end_min for s in self.route.stops)) > end:
            self.preview.controls.append(ft.Text(t("route_after_shift"), size=13,
                                                 color=ft.Colors.ERROR))

    async def _confirm(self, _=None) -> None:
        t = self.ctx.t
        shift = self._shift(quietly=False)
        if shift is None:
            self.error.value = t("check_marked_fields")
            self.ctx.update()
            return
        begin, end = shift
        self.ctx.pop_dialog()
        req = wire.AssignRequest(self.route.id, self.team.value, wire.format_timestamp(begin),
                                 wire.format_timestamp(end))
        await self.view.call(lambda o: o.assign(req), done_key="assigned")


class RouteEditor:
    """Pick places (search, district and type filters, or a tap on the map), order them, give
    each stop its window as clock times of a shift starting at the route's shift start, save
    as a template (which keeps minutes after shift start, so it serves any day)."""

    def __init__(self, ctx: "ViewContext", draft: planning.RouteDraft,
                 routes: list[wire.RouteTemplate]) -> None:
        self.ctx = ctx
        self.draft = draft
        self.taken = {r.id for r in routes}
        self.places = ctx.store.places()
        t = ctx.t
        districts = sorted(ctx.store.ref_items("district"), key=lambda d: d.name)
        self.name = ft.TextField(label=t("route_name"), value=draft.name,
                                 on_change=lambda e: setattr(self.draft, "name", e.control.value))
        self.start = TimeField(ctx, t("route_shift_start"), draft.shift_start,
                               identifier="route-start", on_change=self._start_changed)
        self.query = ft.TextField(label=t("search_places"), prefix_icon=ft.Icons.SEARCH, dense=True,
                                  on_change=self._refilter)
        self.district = ft.Dropdown(label=t("district"), value="", expand=True, options=[
            ft.DropdownOption(key="", text=t("all")),
            *[ft.DropdownOption(key=d.id, text=d.name) for d in districts]], on_select=self._refilter)
        self.ptype = ft.Dropdown(label=t("place_type"), value="", expand=True, options=[
            ft.DropdownOption(key="", text=t("all")),
            *[ft.DropdownOption(key=p.value, text=t("t_" + p.value)) for p in wire.PlaceType]],
            on_select=self._refilter)
        self.stops_col = ft.Column(spacing=4)
        self.cands_col = ft.Column(spacing=0)
        self.map_box = ft.Container(height=260)
        self.error = ft.Text("", color=ft.Colors.ERROR)
        self.gaps = ComplaintGaps(ctx, {p.id: p for p in self.places},
                                  lambda: {s.place.id for s in self.draft.stops},
                                  lambda place: self._add(place, say=False))  # it says its own

    def build(self) -> ft.Control:
        t = self.ctx.t
        self._draw_stops()
        self._draw_candidates()
        self.gaps.load()
        return ft.Container(ft.Column([
            sub_header(t("edit_route") if self.draft.route_id else t("new_route"),
                       lambda e: self.ctx.show_main(), t("cancel")),
            ft.Semantics(identifier="route-name", content=self.name),
            self.start.control,
            ft.Text(t("route_start_help"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            section(t("route_stops_title")), self.stops_col, self.error,
            big_button(t("save_route"), self._save, icon=ft.Icons.SAVE, identifier="save-route"),
            section(t("gaps_title")), self.gaps.control,
            section(t("add_places")), ft.Semantics(identifier="route-search", content=self.query),
            ft.Row([self.district, self.ptype]), self.map_box, self.cands_col,
        ], scroll=ft.ScrollMode.AUTO, expand=True, spacing=6,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=12, expand=True)

    def _start_changed(self) -> None:
        """A new shift start moves every clock time; the windows keep their place in the shift."""
        try:
            self.draft.shift_start = self.start.read_quietly()
        except ValueError:
            return
        self._draw_stops()
        self.ctx.update()

    def _draw_stops(self) -> None:
        t = self.ctx.t
        if not self.draft.stops:
            self.stops_col.controls = [ft.Text(t("route_needs_stops"), color=ft.Colors.ON_SURFACE_VARIANT)]
            return
        rows = []
        last = len(self.draft.stops) - 1
        for i, s in enumerate(self.draft.stops):
            start, end = self.draft.clock_window(i)
            rows.append(ft.Semantics(identifier=f"rstop-{i + 1}", content=ft.Container(ft.Column([
                ft.Text(f"{i + 1}. {s.place.name}", weight=ft.FontWeight.W_600, max_lines=2),
                ft.Row([
                    ft.Semantics(identifier=f"window-{i + 1}", expand=True, content=ft.OutlinedButton(
                        window_text(start, end), icon=ft.Icons.SCHEDULE, height=48, expand=True,
                        tooltip=t("window_edit"), on_click=lambda e, i=i: self._edit_window(i))),
                    ft.IconButton(ft.Icons.ARROW_UPWARD, tooltip=t("up"), disabled=i == 0,
                                  on_click=lambda e, i=i: self._move(i, -1)),
                    ft.IconButton(ft.Icons.ARROW_DOWNWARD, tooltip=t("down"), disabled=i == last,
                                  on_click=lambda e, i=i: self._move(i, 1)),
                    ft.IconButton(ft.Icons.DELETE_OUTLINE, tooltip=t("remove"),
                                  on_click=lambda e, i=i: self._remove(i))], spacing=0)],
                spacing=4), padding=ft.Padding.symmetric(vertical=6),
                border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)))))
        self.stops_col.controls = rows

    def _draw_candidates(self) -> None:
        t = self.ctx.t
        found = planning.candidates(self.places, self.query.value or "", self.district.value or None,
                                    self.ptype.value or None)
        numbers: dict[str, list[str]] = {}  # place -> its stop numbers (a place may come twice)
        for i, stop in enumerate(self.draft.stops, 1):
            numbers.setdefault(stop.place.id, []).append(str(i))

        def subtitle(p: wire.Place) -> str:
            words = t("t_" + p.type.value)
            if p.id in numbers:
                words += " · " + t("already_stop", n=", ".join(numbers[p.id]))
            return words

        self.cands_col.controls = [
            ft.Semantics(identifier=f"cand-{p.id}", content=ft.ListTile(
                title=ft.Text(p.name, max_lines=2), subtitle=ft.Text(subtitle(p)),
                min_height=52, trailing=ft.Icon(
                    ft.Icons.CHECK_CIRCLE if p.id in numbers else ft.Icons.ADD_CIRCLE_OUTLINE,
                    color=ft.Colors.GREEN_800 if p.id in numbers else None),
                on_click=lambda e, p=p: self._add(p)))
            for p in found] or [ft.Text(t("no_history"))]
        chosen = set(numbers)
        markers = [tap_marker(p.lat, p.lon, ft.Icon(
            ft.Icons.PLACE, size=24, color=ft.Colors.GREEN_800 if p.id in chosen else ft.Colors.BLUE_800),
            lambda e, p=p: self._add(p), tooltip=p.name) for p in found]
        if found:
            lat = sum(p.lat for p in found) / len(found)
            lon = sum(p.lon for p in found) / len(found)
            self.map_box.content = MapPanel(  # locked: the editor scrolls past it
                self.ctx, [fm.MarkerLayer(markers=markers)], identifier="route-map",
                centre=(lat, lon), zoom=12, places=self.places, locked=True, height=260).control
        else:
            self.map_box.content = None

    def _refilter(self, _=None) -> None:
        self._draw_candidates()
        self.ctx.update()

    def _redraw(self) -> None:
        self._draw_stops()
        self._draw_candidates()
        self.gaps.draw()
        self.ctx.update()

    def _add(self, place: wire.Place, *, say: bool = True) -> int:
        """Append a stop; its number in the route. Said in a message: the new stop lands in
        the list above, usually off screen while the lead picks from the search results."""
        self.draft.add(place)
        n = len(self.draft.stops)
        self._redraw()
        if say:
            self.ctx.toast(self.ctx.t("stop_added", n=n, place=place.name,
                                      window=window_text(*self.draft.clock_window(n - 1))))
        return n

    def _move(self, i: int, delta: int) -> None:
        self.draft.move(i, delta)
        self._redraw()

    def _remove(self, i: int) -> None:
        self.draft.remove(i)
        self._redraw()

    def _edit_window(self, i: int) -> None:
        """The window of one stop as two clock times; a window past midnight is fine."""
        t = self.ctx.t
        start, end = self.draft.clock_window(i)
        a = TimeField(self.ctx, t("window_from"), start, identifier="window-from")
        b = TimeField(self.ctx, t("window_to"), end, identifier="window-to")
        error = ft.Text("", color=ft.Colors.ERROR)

        def confirm(_=None) -> None:
            begin, finish = a.read(), b.read()
            problem = "check_marked_fields" if begin is None or finish is None \
                else self.draft.set_clock_window(i, begin, finish)
            if problem:
                error.value = t(problem, start=f"{self.draft.shift_start:%H:%M}")
                self.ctx.update()
                return
            self.ctx.pop_dialog()
            self.error.value = ""
            self._draw_stops()
            self.ctx.update()

        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("window_title", n=i + 1, place=self.draft.stops[i].place.name)),
            content=ft.Column([a.control, b.control, error], tight=True, spacing=10),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.Semantics(identifier="window-ok", content=ft.FilledButton(
                         t("ok"), on_click=confirm))]))

    async def _save(self, _=None) -> None:
        t = self.ctx.t
        self.draft.name = self.name.value or ""
        start = self.start.read()
        problems = self.draft.problems() + ([] if start else ["check_marked_fields"])
        if problems:
            self.error.value = " ".join(t(p) for p in problems)
            self.ctx.update()
            return
        self.draft.shift_start = start
        if self.draft.route_id is None:
            self.draft.route_id = free_id(planning.slug("route-" + self.draft.name), self.taken)
        template = self.draft.template()
        if await call(self.ctx, lambda o: o.save_route(template), done_key="route_saved"):
            self.ctx.store.set_meta(f"route_start.{template.id}", f"{start:%H:%M}")
            self.ctx.show_main()
