"""Joint operations ("Einsätze") for the shift lead: the list, the planning form (name, day and
times with the route editor's pickers, agencies, teams, places and/or an area drawn on a map, briefing),
and one operation's detail -- the live feed of its teams' reports while it runs (polled while
the screen is shown, stopped when it is left) and, once it ended, the summary and its PDF."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import flet as ft

import patrol_wire as wire
from patrol_app.core import planning
from patrol_app.core.client import ClientError
from patrol_app.core.office import Office
from patrol_app.core.operations import default_window, format_corners, parse_corners

from ..agency_words import agency_name
from ..theme import OK, big_button, section, sub_header
from .area_map import AreaMap, shown
from .online import OnlineView, call, problem_text, with_office
from .pickers import DateField, TimeField

if TYPE_CHECKING:
    from ..context import ViewContext

POLL_S = 5.0  # how often an open operation asks for new reports
STATUS_LOOK = {"planned": (ft.Icons.SCHEDULE, ft.Colors.PRIMARY),
               "running": (ft.Icons.PLAY_CIRCLE, OK),
               "ended": (ft.Icons.CHECK_CIRCLE_OUTLINE, ft.Colors.ON_SURFACE_VARIANT)}


def when_text(ctx: "ViewContext", starts_at: str, ends_at: str) -> str:
    t = ctx.t
    start, end = wire.parse_timestamp(starts_at), wire.parse_timestamp(ends_at)
    if start.astimezone().date() == end.astimezone().date():
        return f"{t.day(start.astimezone().date())} · {t.time(start)}–{t.time(end)}"
    return f"{t.datetime(start)} – {t.datetime(end)}"


def agencies_text(ctx: "ViewContext", codes: list[str]) -> str:
    return ", ".join(agency_name(ctx, c) for c in codes)


def status_chip(ctx: "ViewContext", status: str) -> ft.Control:
    icon, tint = STATUS_LOOK[status]
    colour = ctx.colour(tint)
    return ft.Row([ft.Icon(icon, size=16, color=colour),
                   ft.Text(ctx.t(f"operation_{status}"), size=13, color=colour,
                           weight=ft.FontWeight.W_600)], spacing=4, tight=True)


class OperationsView(OnlineView):
    title_key = "operations_title"

    def fetch(self, office: Office):
        return office.operations(), office.teams()

    def render(self, data) -> list[ft.Control]:
        ops, teams = data
        t = self.ctx.t
        out: list[ft.Control] = [big_button(
            t("new_operation"), lambda e: self.ctx.show_sub(OperationEditor(self.ctx, None, teams)),
            icon=ft.Icons.ADD_LOCATION_ALT, identifier="new-operation")]
        if not ops:
            out.append(ft.Text(t("no_operations"), color=ft.Colors.ON_SURFACE_VARIANT))
        for op in ops:
            teams_line = ", ".join(op["team_names"].get(i, i) for i in op["team_ids"])
            out.append(ft.Semantics(identifier=f"operation-{op['id']}", content=ft.Card(ft.Container(
                ft.Column([
                    ft.Row([ft.Text(op["name"], size=17, weight=ft.FontWeight.BOLD, expand=True,
                                    max_lines=2),
                            ft.IconButton(ft.Icons.EDIT, tooltip=t("edit"),
                                          on_click=lambda e, op=op: self.ctx.show_sub(
                                              OperationEditor(self.ctx, op, teams)))]),
                    status_chip(self.ctx, op["status"]),
                    ft.Text(when_text(self.ctx, op["starts_at"], op["ends_at"]), size=13),
                    ft.Text(agencies_text(self.ctx, op["agencies"]), size=13, max_lines=2),
                    ft.Text(teams_line, size=13, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=2),
                ], spacing=4), padding=12,
                on_click=lambda e, op=op: self.ctx.show_sub(OperationDetail(self.ctx, op["id"]))))))
        return out


class OperationEditor:
    """The plan of an operation. Times: a day and a start and end clock time (an end before the
    start is on the next day, as for a shift). The area is optional: places picked by search,
    and/or a polygon drawn on the map (``area_map``) or typed as one corner per line."""

    def __init__(self, ctx: "ViewContext", op: dict | None, teams: list[dict]) -> None:
        self.ctx = ctx
        self.op = op
        self.teams = teams
        t = ctx.t
        now = datetime.now().astimezone()
        if op:
            start = wire.parse_timestamp(op["starts_at"]).astimezone()
            end = wire.parse_timestamp(op["ends_at"]).astimezone()
        else:
            start, end = default_window(now)
        self.places = {p.id: p for p in ctx.store.places(active_only=False)}
        self.agencies = [a for a in ctx.store.agencies().values()
                         if a.active or (op and a.code in op["agencies"])]
        self.chosen_agencies = set(op["agencies"]) if op else set()
        self.chosen_teams = set(op["team_ids"]) if op else set()
        self.chosen_places: list[str] = list(op["place_ids"]) if op else []
        self.name = ft.TextField(label=t("operation_name"), value=op["name"] if op else "",
                                 max_length=200)
        self.day = DateField(ctx, t("operation_day"), start.date(), identifier="op-day")
        self.start = TimeField(ctx, t("operation_start"), start.time(), identifier="op-start")
        self.end = TimeField(ctx, t("operation_end"), end.time(), identifier="op-end")
        self.search = ft.TextField(label=t("operation_place_search"), prefix_icon=ft.Icons.SEARCH,
                                   on_change=lambda e: self._show_places())
        self.found = ft.Column(spacing=0)
        self.picked = ft.Row(wrap=True, spacing=6, run_spacing=6)
        self.polygon = ft.TextField(label=t("operation_polygon"), multiline=True, min_lines=2,
                                    max_lines=6, hint_text="51.6795, 7.8165",
                                    value=format_corners(op.get("polygon")) if op else "")
        self.area = AreaMap(ctx, op.get("polygon") if op else None,
                            [p for p in self.places.values() if p.active], self.polygon)
        self.briefing = ft.TextField(label=t("operation_briefing"), multiline=True, min_lines=3,
                                     max_lines=8, max_length=4000,
                                     value=op.get("briefing", "") if op else "")
        self.error = ft.Text("", color=ft.Colors.ERROR)

    def build(self) -> ft.Control:
        t = self.ctx.t
        agency_boxes = [ft.Semantics(identifier=f"op-agency-{a.code}", content=ft.Checkbox(
            label=agency_name(self.ctx, a.code), value=a.code in self.chosen_agencies,
            on_change=lambda e, c=a.code: self._toggle(self.chosen_agencies, c, e.control.value)))
            for a in sorted(self.agencies, key=lambda a: agency_name(self.ctx, a.code).casefold())]
        team_boxes = [ft.Semantics(identifier=f"op-team-{tm['id']}", content=ft.Checkbox(
            label=tm["name"], value=tm["id"] in self.chosen_teams,
            on_change=lambda e, i=tm["id"]: self._toggle(self.chosen_teams, i, e.control.value)))
            for tm in self.teams]
        self._show_picked()
        return ft.Container(ft.Column([
            sub_header(t("edit_operation") if self.op else t("new_operation"),
                       lambda e: self.ctx.show_main(), t("cancel")),
            ft.Semantics(identifier="op-name", content=self.name),
            self.day.control,
            ft.Row([ft.Container(self.start.control, expand=True),
                    ft.Container(self.end.control, expand=True)], spacing=8),
            ft.Text(t("operation_end_help"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            section(t("operation_agencies")), *agency_boxes,
            section(t("operation_teams")),
            *(team_boxes or [ft.Text(t("no_teams_yet"))]),
            section(t("operation_area")),
            ft.Text(t("operation_area_help"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Semantics(identifier="op-picked", content=self.picked),
            ft.Semantics(identifier="op-place-search", content=self.search), self.found,
            self.area.control,
            ft.Semantics(identifier="op-polygon", content=self.polygon),
            ft.Text(t("operation_polygon_help"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            section(t("operation_briefing")),
            ft.Semantics(identifier="op-briefing", content=self.briefing),
            self.error,
            big_button(t("save"), self._save, icon=ft.Icons.SAVE, identifier="save-operation"),
            ft.Container(height=24),  # the button clear of the screen's edge
        ], scroll=ft.ScrollMode.AUTO, expand=True, spacing=6,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=12, expand=True)

    def _toggle(self, chosen: set[str], key: str, on: bool) -> None:
        (chosen.add if on else chosen.discard)(key)

    def _show_places(self) -> None:
        query = (self.search.value or "").strip()
        hits = [] if len(query) < 2 else planning.candidates(
            [p for p in self.places.values() if p.id not in self.chosen_places], query, limit=6)
        self.found.controls = [ft.Semantics(identifier=f"op-place-{p.id}", content=ft.ListTile(
            leading=ft.Icon(ft.Icons.ADD_CIRCLE_OUTLINE), title=ft.Text(p.name, max_lines=1),
            dense=True, on_click=lambda e, pid=p.id: self._pick(pid))) for p in hits]
        self.ctx.update()

    def _pick(self, place_id: str) -> None:
        self.chosen_places.append(place_id)
        self.search.value = ""
        self.found.controls = []
        self._show_picked()
        self.ctx.update()

    def _unpick(self, place_id: str) -> None:
        self.chosen_places.remove(place_id)
        self._show_picked()
        self.ctx.update()

    def _show_picked(self) -> None:
        self.picked.controls = [ft.Semantics(identifier=f"op-picked-{pid}", content=ft.Chip(
            label=ft.Text(self.places[pid].name if pid in self.places else pid),
            on_delete=lambda e, pid=pid: self._unpick(pid))) for pid in self.chosen_places]

    def request(self) -> wire.OperationRequest | str:
        """The plan from the form, or the catalogue key of what is missing or wrong (the
        fields that cannot be read say so under themselves)."""
        name = (self.name.value or "").strip()
        day, start, end = self.day.read(), self.start.read(), self.end.read()
        if day is None or start is None or end is None:
            return "check_marked_fields"
        if not name:
            return "operation_needs_name"
        if not self.chosen_agencies:
            return "operation_needs_agency"
        if not self.chosen_teams:
            return "operation_needs_team"
        try:
            polygon = parse_corners(self.polygon.value or "")
        except ValueError:
            self.polygon.error = self.ctx.t("operation_polygon_invalid")
            return "check_marked_fields"
        self.polygon.error = None
        begin, finish = planning.shift_bounds(day, start, end)
        return wire.OperationRequest(
            name, wire.format_timestamp(begin), wire.format_timestamp(finish),
            _in_order(self.chosen_agencies, self.op["agencies"] if self.op else []),
            _in_order(self.chosen_teams, self.op["team_ids"] if self.op else []),
            list(self.chosen_places), polygon, (self.briefing.value or "").strip())

    async def _save(self, _=None) -> None:
        req = self.request()
        if isinstance(req, str):
            self.error.value = self.ctx.t(req)
            self.ctx.update()
            return
        self.error.value = ""
        op_id = self.op["id"] if self.op else None
        saved = await call(self.ctx, lambda o: o.save_operation(op_id, req), done_key="operation_saved")
        if saved:
            self.ctx.show_sub(OperationDetail(self.ctx, saved["id"]))


def _in_order(chosen: set[str], before: list[str]) -> list[str]:
    """What is chosen: what the plan named before in its order, then the new ones sorted."""
    return [x for x in before if x in chosen] + sorted(chosen - set(before))


class OperationDetail:
    """One operation: the plan, the reports of its teams as they arrive (new ones on top,
    polled every POLL_S while this screen is shown), and once it ended the summary with the
    PDF download."""

    def __init__(self, ctx: "ViewContext", operation_id: str) -> None:
        self.ctx = ctx
        self.id = operation_id
        self.root: ft.Control | None = None
        self.head = ft.Column(spacing=4)
        self.summary = ft.Column(spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.count = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT)
        self.feed = ft.Column(spacing=4)
        self.cursor: str | None = None
        self.seen: set[str] = set()
        self.op: dict | None = None
        self.area_map: ft.Control | None = None  # built once: the head is redrawn on each poll

    def build(self) -> ft.Control:
        t = self.ctx.t
        body = ft.Column([
            sub_header(t("operation_title"), lambda e: self.ctx.show_main(), t("back"),
                       back_id="operation-back",
                       trailing=[ft.IconButton(ft.Icons.REFRESH, tooltip=t("reload"),
                                               on_click=lambda e: self.ctx.run_task(self._poll_once))]),
            self.head, ft.Semantics(identifier="operation-summary", content=self.summary),
            section(t("operation_feed")), self.count,
            ft.Semantics(identifier="operation-feed", content=self.feed),
        ], scroll=ft.ScrollMode.AUTO, expand=True, spacing=6,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.head.controls = [ft.ProgressRing()]
        self.root = ft.Container(body, padding=12, expand=True)
        self.ctx.run_task(self._run)
        return self.root

    def _alive(self) -> bool:
        return self.root is not None and self.ctx.is_shown(self.root)

    async def _run(self) -> None:
        """Load, then poll while shown; a running operation turns into an ended one on screen
        (its summary appears) without leaving it."""
        while self._alive():
            await self._poll_once()
            await asyncio.sleep(POLL_S)

    async def _poll_once(self, _=None) -> None:
        try:
            op, feed, summary = await asyncio.to_thread(with_office, self.ctx, self._fetch)
        except ClientError as exc:
            if self._alive():
                self.count.value = problem_text(self.ctx, exc)
                self.ctx.update()
            return
        if not self._alive():
            return
        first = self.op is None
        self.op = op
        if first or summary is not None:
            self._show_head(op)
        if summary is not None:
            self._show_summary(summary)
        new = [i for i in feed if i.id not in self.seen]
        self.seen.update(i.id for i in new)
        self.feed.controls[:0] = [self._item(i) for i in reversed(new)]
        self.count.value = self.ctx.t("operation_reports_count", n=len(self.seen))
        if not self.seen:
            self.count.value = self.ctx.t("operation_no_reports")
        self.ctx.update()

    def _fetch(self, office: Office) -> tuple[dict, list[wire.OperationFeedItem], Any]:
        op = office.operation(self.id)
        items: list[wire.OperationFeedItem] = []
        for _ in range(20):  # the backlog of a long evening, page by page
            page = office.operation_feed(self.id, self.cursor)
            items += page.items
            self.cursor = page.next_cursor or self.cursor
            if not page.has_more:
                break
        summary = None
        if op["status"] == "ended" and not self.summary.controls:
            summary = office.operation_summary(self.id)
        return op, items, summary

    def _show_head(self, op: dict) -> None:
        t = self.ctx.t
        area = []
        if op["place_ids"]:
            area.append(t("operation_area_places", n=len(op["place_ids"])))
        if op.get("polygon"):
            area.append(t("operation_area_polygon"))
            if self.area_map is None:
                self.area_map = shown(self.ctx, op["polygon"])
        self.head.controls = [
            ft.Text(op["name"], size=18, weight=ft.FontWeight.BOLD),
            status_chip(self.ctx, op["status"]),
            ft.Text(when_text(self.ctx, op["starts_at"], op["ends_at"]), size=14),
            ft.Text(agencies_text(self.ctx, op["agencies"]), size=13),
            ft.Text(", ".join(op["team_names"].get(i, i) for i in op["team_ids"]), size=13,
                    color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Text(" · ".join(area) or t("operation_area_all"), size=13,
                    color=ft.Colors.ON_SURFACE_VARIANT),
            *([self.area_map] if op.get("polygon") and self.area_map is not None else []),
            *([ft.ExpansionTile(title=ft.Text(t("operation_briefing"), size=14),
                                controls=[ft.Text(op["briefing"], size=13, selectable=True)],
                                tile_padding=ft.Padding.all(0))] if op.get("briefing") else []),
        ]

    def _show_summary(self, s: wire.OperationSummary) -> None:
        t = self.ctx.t

        def figure(n: int, key: str) -> ft.Control:
            return ft.Column([ft.Text(str(n), size=22, weight=ft.FontWeight.BOLD),
                              ft.Text(t(key), size=12, color=ft.Colors.ON_SURFACE_VARIANT)],
                             spacing=0, expand=True,
                             horizontal_alignment=ft.CrossAxisAlignment.CENTER)

        def cells(values: list[str], *, head: bool = False) -> list[ft.Control]:
            style = {"size": 11, "color": ft.Colors.ON_SURFACE_VARIANT} if head else {"size": 13}
            return [ft.Container(ft.Text(v, text_align=ft.TextAlign.RIGHT, **style), width=52,
                                 alignment=ft.Alignment.CENTER_RIGHT) for v in values]

        def rows(title: str, items, label) -> list[ft.Control]:
            head = ft.Container(ft.Row(
                [ft.Text(title, weight=ft.FontWeight.W_600, size=14, expand=True),
                 *cells([t("operation_col_checks"), t("operation_col_findings"),
                         t("operation_col_measures")], head=True)], spacing=0),
                padding=ft.Padding.only(top=8))
            return [head, *[ft.Row([ft.Text(label(i), size=13, expand=True, max_lines=2),
                                    *cells([str(i.checks), str(i.findings), str(i.measures)])],
                                   spacing=0) for i in items]]

        kinds = ", ".join(f"{t('f_' + k)} {n}" for k, n in s.findings_by_kind.items())
        measures = ", ".join(f"{t('m_' + k)} {n}" for k, n in s.measures_by_kind.items())
        self.summary.controls = [
            section(t("operation_summary")),
            ft.Row([figure(s.checks, "operation_checks"), figure(s.findings, "operation_findings"),
                    figure(s.measures, "operation_measures")], spacing=4),
            *rows(t("operation_by_agency"), s.by_agency, lambda a: agency_name(self.ctx, a.agency)),
            *rows(t("operation_by_place"), s.by_place[:8],
                  lambda p: p.name if p.place_id else t("operation_free_position")),
            *([ft.Text(t("operation_kinds_findings", list=kinds), size=13)] if kinds else []),
            *([ft.Text(t("operation_kinds_measures", list=measures), size=13)] if measures else []),
            big_button(t("operation_pdf"), lambda e: self.ctx.run_task(self._download),
                       icon=ft.Icons.PICTURE_AS_PDF, identifier="operation-pdf"),
        ]

    async def _download(self) -> None:
        data = await call(self.ctx, lambda o: o.operation_pdf(self.id))
        if not data or data is True:
            return
        day = wire.parse_timestamp(self.op["starts_at"]).astimezone() if self.op else datetime.now()
        name = f"einsatz-{day:%Y%m%d}-{self.id}.pdf"
        await self.ctx.picker.saver().save_file(file_name=name, src_bytes=data)
        self.ctx.toast(self.ctx.t("exported", name=name))

    def _item(self, i: wire.OperationFeedItem) -> ft.Control:
        t = self.ctx.t
        found = ", ".join(t("f_" + f) for f in i.findings) or t("operation_no_findings")
        done = ", ".join(t("m_" + m) for m in i.measures)
        where = i.place_name or t("operation_free_position")
        return ft.Semantics(identifier=f"feed-{i.id}", content=ft.Container(ft.Column([
            ft.Row([ft.Text(t.time(wire.parse_timestamp(i.observed_at)), weight=ft.FontWeight.BOLD,
                            size=14),
                    ft.Text(where, size=14, expand=True, max_lines=1,
                            overflow=ft.TextOverflow.ELLIPSIS)], spacing=8),
            ft.Text(f"{agency_name(self.ctx, i.agency)} · {i.team_name or '—'}", size=12,
                    color=ft.Colors.ON_SURFACE_VARIANT, max_lines=1,
                    overflow=ft.TextOverflow.ELLIPSIS),
            ft.Text(found, size=13, max_lines=2),
            *([ft.Row([ft.Icon(ft.Icons.SUBDIRECTORY_ARROW_RIGHT, size=14,  # the web font has no →
                               color=ft.Colors.ON_SURFACE_VARIANT),
                       ft.Text(done, size=13, max_lines=2, color=ft.Colors.ON_SURFACE_VARIANT,
                               expand=True)], spacing=4)]
              if done else []),
        ], spacing=2), padding=ft.Padding.symmetric(vertical=6, horizontal=8),
            border=ft.Border.only(left=ft.BorderSide(3, ft.Colors.PRIMARY)),
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW, border_radius=4))
