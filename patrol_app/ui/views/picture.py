"""Supervisor: the situation picture -- key figures, charts, weekday x hour grid, a map of places
coloured by hotspot score, the top hotspots with their trend, citizen complaints against patrol
effort and fear spaces (``picture_layers``), open questions, missed checkpoints and the exports.
Laid out in a ResponsiveRow: one column on a phone, two or three on a tablet or desktop."""

from __future__ import annotations

import asyncio

import math
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import flet as ft
import flet.canvas as cv
import flet_charts as fc
import flet_map as fm

import patrol_wire as wire
from patrol_app.core.office import Office

from ..agency_words import agency_options
from ..theme import WARN
from .map_panel import PLACE_COLOUR, MapPanel, dot, tap_marker
from .online import OnlineView, filter_dropdown
from .picture_layers import ComplaintLayers, meeting_lines
from .steering_report import steering_report
from .today import stop_label

if TYPE_CHECKING:
    from ..context import ViewContext

WINDOWS = (7, 30, 90)
TREND_LOOK = {
    wire.Trend.UP: (ft.Icons.TRENDING_UP, ft.Colors.ERROR),
    wire.Trend.DOWN: (ft.Icons.TRENDING_DOWN, ft.Colors.GREEN_700),
    wire.Trend.FLAT: (ft.Icons.TRENDING_FLAT, ft.Colors.ON_SURFACE_VARIANT),
    wire.Trend.NEW: (None, ft.Colors.PRIMARY),  # a word, not Material's English "NEW" icon
}
EXPORTS = (("reports.geojson", {}, "export_reports_geojson"),
           ("places.geojson", {}, "export_places_geojson"),
           ("reports.csv", {}, "export_csv"),
           ("reports.csv", {"dialect": "semicolon"}, "export_csv_de"),
           ("fear-spaces.geojson", {}, "export_fear_geojson"),
           ("fear-spaces.csv", {"dialect": "semicolon"}, "export_fear_csv"),
           ("complaint-gaps.geojson", {}, "export_gaps_geojson"),
           ("complaint-gaps.csv", {"dialect": "semicolon"}, "export_gaps_csv"))


def short_name(name: str) -> str:
    """A district name short enough for a chart axis on a phone ("Hamm-Mitte" -> "Mitte")."""
    parts = [p for p in name.replace("-", " ").split() if p.lower() not in ("hamm", "stadt")]
    word = parts[0] if parts else name
    return word if len(word) <= 8 else word[:7] + "."


def score_colour(score: float, city_rate: float) -> str:
    """Green below the city-wide rate, amber around it, red well above."""
    if city_rate <= 0:
        return ft.Colors.GREEN_700 if score <= 0 else ft.Colors.RED_700
    ratio = score / city_rate
    if ratio < 0.8:
        return ft.Colors.GREEN_700
    if ratio < 1.2:
        return ft.Colors.AMBER_700
    return ft.Colors.RED_700 if ratio >= 1.5 else ft.Colors.ORANGE_800


class SituationView(OnlineView):
    title_key = "picture_title"
    def __init__(self, ctx: "ViewContext") -> None:
        super().__init__(ctx)
        self.state: dict[str, Any] = ctx.view_state.setdefault("picture", {"days": 7})
        t = ctx.t
        store = ctx.store

        def dd(key: str, label: str, options: list[tuple[str, str]]) -> ft.Control:
            return filter_dropdown(ctx, f"pic-{key}", label, str(self.state.get(key, "")), options,
                                   lambda v, key=key: self._set(key, v), with_all=key != "days")

        districts = sorted(store.ref_items("district"), key=lambda d: d.name)
        categories = sorted({p.category for p in store.places(active_only=False) if p.category})
        self.controls_row = ft.ResponsiveRow([
            ft.Container(dd("days", t("window"), [(str(n), t("last_days", n=n)) for n in WINDOWS]),
                         col={"xs": 6, "md": 3}),
            ft.Container(dd("district_id", t("district"), [(d.id, d.name) for d in districts]),
                         col={"xs": 6, "md": 3}),
            ft.Container(dd("place_type", t("place_type"),
                            [(p.value, t("t_" + p.value)) for p in wire.PlaceType]), col={"xs": 6, "md": 2}),
            ft.Container(dd("category", t("category"), [(c, c) for c in categories]),
                         col={"xs": 6, "md": 2}),
            ft.Container(dd("agency", t("agency"), agency_options(self.ctx, every=True)),
                         col={"xs": 6, "md": 2}),
        ], spacing=8, run_spacing=8)

    def _set(self, key: str, value: str) -> None:
        self.state[key] = int(value) if key == "days" else (value or "")
        self.ctx.run_task(self.reload)

    def _title(self) -> ft.Control:
        return ft.Column([super()._title(), self.controls_row], spacing=6)

    def params(self) -> dict[str, str]:
        until = datetime.now(timezone.utc)
        since = until - timedelta(days=int(self.state.get("days", 7)))
        out = {"since": wire.format_timestamp(since), "until": wire.format_timestamp(until)}
        out.update({k: v for k, v in self.state.items() if k != "days" and v})
        return out

    def fetch(self, office: Office) -> tuple[wire.Situation, ComplaintLayers]:
        params = self.params()  # one window for every part of the picture
        layers = ComplaintLayers(self.ctx, office.complaints(**params))
        layers.params = params
        return office.situation(**params), layers

    # ------------------------------------------------------------ drawing

    def render(self, data: tuple[wire.Situation, ComplaintLayers]) -> list[ft.Control]:
        """The first screen's cards (figures, the district chart) at once, the rest -- charts,
        two maps, lists -- in a second update (``_rest``): the tab is read from the top, and
        building and drawing all fourteen cards before the first one showed cost the tab
        switch ~0.7 s on a phone (bench/taps.py)."""
        t = self.ctx.t
        pic, layers = data
        self.layers = layers
        self.ctx.run_task(self._load_fear_spaces, layers, layers.params)
        self.ctx.set_answers_waiting(pic.answers_waiting)

        def questions() -> ft.Control:
            return self._box(t("questions_box_title", n=len(pic.open_questions)),
                             self._questions(pic), "questions")

        first = [
            *([questions] if pic.answers_waiting else []),  # a to-do: on top while it waits
            lambda: self._figures(pic),
            lambda: self._box(t("findings_by_district"), self._district_chart(pic), "chart-districts"),
        ]
        rest = [
            lambda: self._box(t("over_time"), self._timeline_chart(pic), "chart-timeline"),
            lambda: self._box(t("weekday_hour"), self._grid(pic), "grid"),
            lambda: self._box(t("hotspot_map"), self._map(pic), "pic-map"),
            lambda: self._box(t("top_hotspots"), self._hotspots(pic), "hotspots"),
            lambda: self._box(t("by_category"), self._categories(pic), "categories"),
            lambda: self._box(t("complaints_map"), layers.map(), "complaint-map-box"),
            lambda: self._box(t("complaints_box"), layers.gaps(), "complaints"),
            lambda: self._box(t("fear_box"), layers.fear_spaces(), "fear-spaces"),
            *([] if pic.answers_waiting else [questions]),
            lambda: self._box(t("missed_title", n=sum(m.status is wire.StopStatus.MISSED
                                                      for m in pic.missed)),
                              self._missed(pic), "missed"),
            lambda: self._box(t("exports"), self._exports(), "exports"),
            lambda: self._box(t("report_box"), steering_report(self), "steering-report"),
        ]
        row = ft.ResponsiveRow([card() for card in first], spacing=10, run_spacing=10)
        self.ctx.run_task(self._rest, row, rest)
        return [row]

    async def _rest(self, row: ft.ResponsiveRow, cards: list) -> None:
        """The cards below the first screen, once the first update has gone out; not when the
        picture was reloaded or left meanwhile."""
        await asyncio.sleep(0)  # one turn of the loop: the first update is sent before this
        if row not in self.body.controls:
            return
        row.controls.extend(card() for card in cards)
        self.ctx.update()

    async def _load_fear_spaces(self, layers: ComplaintLayers, params: dict[str, str]) -> None:
        fear = await self.call(lambda o: o.fear_spaces(**params))
        layers.set_fear(fear if isinstance(fear, list) else [])
        self.ctx.update()

    def _box(self, title: str, content: ft.Control, ident: str) -> ft.Control:
        return ft.Container(ft.Card(ft.Container(ft.Column([
            ft.Text(title, size=16, weight=ft.FontWeight.BOLD), content], spacing=8), padding=12)),
            col={"xs": 12, "md": 6, "xl": 4}, key=ident)

    def _figures(self, pic: wire.Situation) -> ft.Control:
        t = self.ctx.t

        def figure(ident: str, value: int | str, label: str) -> ft.Control:
            return ft.Container(ft.Column([
                ft.Semantics(identifier=ident, content=ft.Text(
                    t.number(value) if isinstance(value, (int, float)) else value,
                    size=26, weight=ft.FontWeight.BOLD)),
                ft.Text(label, size=12, color=ft.Colors.ON_SURFACE_VARIANT)], spacing=0),
                col={"xs": 6, "sm": 3})

        coverage = [c for c in pic.coverage if c.district_id is None]
        lines = [ft.Semantics(identifier=f"coverage-{c.place_type.value}", content=ft.Text(
            t("coverage_line", type=t("t_" + c.place_type.value), checked=c.checked, total=c.total)))
            for c in coverage]
        return ft.Container(ft.Card(ft.Container(ft.Column([
            ft.Text(t("picture_window", since=t.datetime(wire.parse_timestamp(pic.since)),
                      until=t.datetime(wire.parse_timestamp(pic.until))), size=12,
                    color=ft.Colors.ON_SURFACE_VARIANT),
            ft.ResponsiveRow([figure("fig-checks", pic.checks, t("fig_checks")),
                              figure("fig-findings", pic.findings, t("fig_findings")),
                              figure("fig-measures", pic.measures, t("fig_measures")),
                              figure("fig-places", pic.places_checked, t("fig_places"))]),
            ft.Text(t("city_rate", rate=t.number(pic.city_rate, 2)), size=13),
            *lines, *meeting_lines(self.ctx, self.layers.pic.checks_by_type)], spacing=6),
            padding=12)), col={"xs": 12, "xl": 8})

    def _district_chart(self, pic: wire.Situation) -> ft.Control:
        areas = [a for a in pic.by_district if a.key]
        if not areas:
            return ft.Text(self.ctx.t("no_data"))
        top = max(max(a.findings for a in areas), 1)
        groups = [fc.BarChartGroup(x=i, rods=[
            fc.BarChartRod(from_y=0, to_y=a.findings, width=16, color=ft.Colors.RED_400,
                           tooltip=f"{a.name}: {a.findings}", border_radius=3),
            fc.BarChartRod(from_y=0, to_y=a.checks, width=16, color=ft.Colors.BLUE_300,
                           tooltip=f"{a.name}: {a.checks}", border_radius=3)])
            for i, a in enumerate(areas)]
        chart = fc.BarChart(
            groups=groups, group_spacing=12,
            max_y=math.ceil(max(top, max(a.checks for a in areas)) * 1.1),
            bottom_axis=fc.ChartAxis(labels=[fc.ChartAxisLabel(value=i, label=ft.Text(
                short_name(a.name), size=9)) for i, a in enumerate(areas)], label_size=24),
            left_axis=fc.ChartAxis(label_size=32, show_max=False), height=220, interactive=True)
        return ft.Column([chart, self._legend()], spacing=4)

    def _legend(self) -> ft.Control:
        t = self.ctx.t
        dot = lambda colour: ft.Container(width=10, height=10, bgcolor=colour, border_radius=5)  # noqa: E731
        return ft.Row([dot(ft.Colors.RED_400), ft.Text(t("fig_findings"), size=12),
                       dot(ft.Colors.BLUE_300), ft.Text(t("fig_checks"), size=12)], spacing=6)

    def _timeline_chart(self, pic: wire.Situation) -> ft.Control:
        if not pic.timeline:
            return ft.Text(self.ctx.t("no_data"))
        n = len(pic.timeline)
        step = max(1, n // 6)

        def series(values: list[int], colour: str) -> fc.LineChartData:
            return fc.LineChartData(points=[fc.LineChartDataPoint(i, v) for i, v in enumerate(values)],
                                    color=colour, stroke_width=2, curved=False)

        chart = fc.LineChart(
            data_series=[series([d.findings for d in pic.timeline], ft.Colors.RED_400),
                         series([d.checks for d in pic.timeline], ft.Colors.BLUE_300)],
            min_y=0, max_y=math.ceil(max(max(d.checks for d in pic.timeline),
                                         max(d.findings for d in pic.timeline), 1) * 1.1),
            bottom_axis=fc.ChartAxis(labels=[fc.ChartAxisLabel(value=i, label=ft.Text(
                f"{d.day[8:10]}.{d.day[5:7]}.", size=10)) for i, d in enumerate(pic.timeline)
                if i % step == 0], label_size=24),
            left_axis=fc.ChartAxis(label_size=32, show_max=False), height=200, interactive=True)
        return ft.Column([chart, self._legend()], spacing=4)

    def _grid(self, pic: wire.Situation) -> ft.Control:
        """Weekday x hour as one canvas: 168 cells drawn, not 168 containers with a tooltip
        each (measured in bench/taps.py: that grid was the picture's heaviest part to lay
        out). What a tooltip told is said in words under it: the busiest hours."""
        t = self.ctx.t
        top = max((v for row in pic.grid for v in row), default=0)
        names = t("weekdays").split(",")
        label_w, cell_w, cell_h, gap, head = 30.0, 11.0, 14.0, 1.0, 14.0
        empty = ft.Colors.SURFACE_CONTAINER_HIGHEST  # a theme colour: light and dark alike
        shapes: list = []
        for h in range(0, 24, 6):
            shapes.append(cv.Text(label_w + h * (cell_w + gap), 0, str(h), style=ft.TextStyle(size=9)))
        for wd in range(7):
            y = head + wd * (cell_h + gap)
            shapes.append(cv.Text(0, y, names[wd], style=ft.TextStyle(size=11)))
            for h in range(24):
                v = pic.grid[wd][h]
                colour = (ft.Colors.with_opacity(min(1.0, 0.08 + 0.92 * v / top), ft.Colors.RED_700)
                          if v and top else empty)
                shapes.append(cv.Rect(label_w + h * (cell_w + gap), y, cell_w, cell_h, border_radius=2,
                                      paint=ft.Paint(color=colour)))
        width = label_w + 24 * (cell_w + gap)
        height = head + 7 * (cell_h + gap)
        busiest = sorted(((pic.grid[wd][h], wd, h) for wd in range(7) for h in range(24)
                          if pic.grid[wd][h]), reverse=True)[:3]
        words = ", ".join(t("grid_slot", day=names[wd], h=h, h1=(h + 1) % 24, n=v)
                          for v, wd, h in busiest)
        return ft.Column([
            ft.Semantics(identifier="grid-canvas", label=t("weekday_hour"),
                         content=cv.Canvas(shapes, width=width, height=height)),
            ft.Text(t("grid_busiest", slots=words) if busiest else t("grid_empty"), size=12,
                    color=ft.Colors.ON_SURFACE_VARIANT)], spacing=4)

    def _map(self, pic: wire.Situation) -> ft.Control:
        """Places coloured by score and sized by checks; a tap shows the place's figures. Locked
        in the page (which scrolls past it) until "Karte bedienen"."""
        t = self.ctx.t
        spots = pic.hotspots
        markers = []
        for s in sorted(spots, key=lambda s: s.score):  # the reddest on top
            size = 12 + 2 * min(10, s.checks)
            markers.append(tap_marker(
                s.lat, s.lon, dot(ft.Colors.with_opacity(0.85, score_colour(s.score, pic.city_rate)), size),
                lambda e, s=s: self._place_figures(s, pic), size=max(36, size + 8), tooltip=s.name))
        centre = ((sum(s.lat for s in spots) / len(spots), sum(s.lon for s in spots) / len(spots))
                  if spots else None)
        entries = [(dot(c), t(k)) for c, k in (
            (ft.Colors.GREEN_700, "map_score_low"), (ft.Colors.AMBER_700, "map_score_mid"),
            (ft.Colors.ORANGE_800, "map_score_high"), (ft.Colors.RED_700, "map_score_very_high"))]
        entries.append((ft.Row([dot(PLACE_COLOUR, 8), dot(PLACE_COLOUR, 16)], spacing=2, tight=True),
                        t("map_size_checks")))
        return MapPanel(self.ctx, [fm.MarkerLayer(markers=markers)], identifier="pic-map",
                        centre=centre, zoom=11, places=spots, locked=True, legend_entries=entries,
                        height=300).control

    def _place_figures(self, s: wire.PlaceScore, pic: wire.Situation) -> None:
        """One place's figures, as the hotspot list has them, plus the previous window."""
        t = self.ctx.t
        icon, tint = TREND_LOOK[s.trend]
        self.ctx.show_dialog(ft.BottomSheet(ft.Container(ft.Semantics(
            identifier="place-figures", content=ft.Column([
                ft.Row([dot(score_colour(s.score, pic.city_rate)),
                        ft.Text(s.name, size=18, weight=ft.FontWeight.BOLD, expand=True)]),
                ft.Text(t("t_" + s.type.value) + (f" {s.category}" if s.category else ""), size=13),
                ft.Text(t("hotspot_line", score=t.number(s.score, 2), f=s.findings, c=s.checks), size=14),
                ft.Text(t("map_hotspot_prev", score=t.number(s.prev_score, 2), f=s.prev_findings,
                          c=s.prev_checks), size=13),
                ft.Row([ft.Icon(icon, color=tint), ft.Text(t("trend_" + s.trend.value), size=13)]),
                ft.Text(t("map_hotspot_rate", rate=t.number(pic.city_rate, 2)), size=12,
                        color=ft.Colors.ON_SURFACE_VARIANT),
                ft.TextButton(t("close"), on_click=lambda e: self.ctx.pop_dialog()),
            ], tight=True, spacing=6)), padding=16), show_drag_handle=True))

    def _hotspots(self, pic: wire.Situation) -> ft.Control:
        t = self.ctx.t
        if not pic.hotspots:
            return ft.Text(t("no_data"))
        rows = []
        for i, s in enumerate(pic.hotspots[:10]):
            icon, colour = TREND_LOOK[s.trend]
            rows.append(ft.Semantics(identifier=f"hotspot-{i + 1}", content=ft.Row([
                ft.Container(width=12, height=12, border_radius=6,
                             bgcolor=score_colour(s.score, pic.city_rate)),
                ft.Column([ft.Text(f"{i + 1}. {s.name}", size=14, weight=ft.FontWeight.W_600,
                                   max_lines=2),
                           ft.Text(t("hotspot_line", score=t.number(s.score, 2), f=s.findings,
                                     c=s.checks), size=12)], spacing=0, expand=True),
                trend_mark(t, s.trend, icon, colour)])))
        rows.append(ft.Text(t("score_explained", m=t.number(pic.prior_checks)), size=11,
                            color=ft.Colors.ON_SURFACE_VARIANT))
        return ft.Column(rows, spacing=6)

    def _categories(self, pic: wire.Situation) -> ft.Control:
        t = self.ctx.t
        if not pic.findings_by_category:
            return ft.Text(t("no_data"))
        top = max(pic.findings_by_category.values())
        rows = []
        for key, n in sorted(pic.findings_by_category.items(), key=lambda kv: -kv[1]):
            rows.append(ft.Row([ft.Text(t("f_" + key), size=13, width=150, max_lines=1),
                                ft.Container(width=max(4, 140 * n / top), height=12, border_radius=3,
                                             bgcolor=ft.Colors.RED_300),
                                ft.Text(str(n), size=12)], spacing=6))
        return ft.Column(rows, spacing=4)

    def _questions(self, pic: wire.Situation) -> ft.Control:
        """Answers waiting for review to read them (badged, with the way to them), then the
        questions still waiting for the patrol's answer."""
        t = self.ctx.t
        rows: list[ft.Control] = []
        if pic.answers_waiting:
            rows.append(ft.Semantics(identifier="pic-answers-waiting", content=ft.Container(
                ft.Row([ft.Icon(ft.Icons.MARK_CHAT_UNREAD, color=ft.Colors.ON_TERTIARY_CONTAINER,
                                badge=str(pic.answers_waiting)),
                        ft.Text(t("pic_answers_waiting", n=pic.answers_waiting), expand=True,
                                weight=ft.FontWeight.W_600, color=ft.Colors.ON_TERTIARY_CONTAINER),
                        ft.Semantics(identifier="pic-read-answers", content=ft.FilledButton(
                            t("read_answers"), height=48, on_click=self._to_review))]),
                bgcolor=ft.Colors.TERTIARY_CONTAINER, padding=10, border_radius=8)))
        if not pic.open_questions:
            rows.append(ft.Semantics(identifier="pic-open-questions", content=ft.Text(
                t("none_open"), size=13)))
            return ft.Column(rows, spacing=4)
        rows.append(ft.Semantics(identifier="pic-open-questions", content=ft.Text(
            t("open_questions_line", n=len(pic.open_questions)), size=13,
            weight=ft.FontWeight.W_600)))
        rows += [ft.Text(f"{q.place_name or t('report')}: {q.question}", size=13)
                 for q in pic.open_questions[:10]]
        return ft.Column(rows, spacing=4)

    def _to_review(self, _=None) -> None:
        """The review queue, where waiting answers stand first (in the states that list them)."""
        from .review import ANSWERS_FIRST_IN, ReviewView

        filters = self.ctx.view_state.setdefault("review", {"state": "submitted"})
        if filters.get("state", "") not in ANSWERS_FIRST_IN:
            filters["state"] = "submitted"
        self.ctx.show_tab(ReviewView)

    def _missed(self, pic: wire.Situation) -> ft.Control:
        """Missed stops in red; below them the late ones (checked on site after window + grace:
        not missed, but not in time either)."""
        t = self.ctx.t

        def line(m: wire.MissedStop) -> str:
            return f"{t.datetime(wire.parse_timestamp(m.window_start))} · {m.team_name} · {m.place_name}"

        missed = [m for m in pic.missed if m.status is wire.StopStatus.MISSED]
        late = [m for m in pic.missed if m.status is wire.StopStatus.LATE]
        rows: list[ft.Control] = [ft.Text(line(m), size=13, color=ft.Colors.ERROR)
                                  for m in missed[:15]] or [ft.Text(t("none_missed"))]
        if late:
            warn = self.ctx.colour(WARN)
            rows.append(ft.Text(t("late_total", n=len(late)), size=13, weight=ft.FontWeight.W_600,
                                color=warn))
            rows += [ft.Text(f"{line(m)} · " + stop_label(
                t, m.status, wire.parse_timestamp(m.checked_at) if m.checked_at else None),
                size=13, color=warn) for m in late[:15]]
        return ft.Column(rows, spacing=4)

    def _exports(self) -> ft.Control:
        t = self.ctx.t
        return ft.Column([ft.Semantics(identifier=f"export-{i}", content=ft.OutlinedButton(
            t(label), icon=ft.Icons.DOWNLOAD, height=48,
            on_click=lambda e, name=name, extra=extra: self._export(name, extra)))
            for i, (name, extra, label) in enumerate(EXPORTS)]
            + [ft.Text(t("export_note"), size=11, color=ft.Colors.ON_SURFACE_VARIANT)], spacing=6)

    def _export(self, name: str, extra: dict) -> None:
        async def go() -> None:
            data = await self.call(lambda o: o.export(name, **self.params(), **extra))
            if not data or data is True:
                return
            saver = self.ctx.picker.saver()
            file_name = export_file_name(name, extra, datetime.now())
            await saver.save_file(file_name=file_name, src_bytes=data)
            self.ctx.toast(self.ctx.t("exported", name=file_name))
        self.ctx.run_task(go)


def export_file_name(name: str, extra: dict, now: datetime) -> str:
    """The file the browser saves: named after the export, the German spreadsheet variant
    apart from the comma one (same day, same export, two different files)."""
    stem, ext = name.rsplit(".", 1)
    variant = "-excel" if extra.get("dialect") == "semicolon" else ""
    return f"lagebild-{stem}{variant}-{now:%Y%m%d}.{ext}"


def trend_mark(t, trend: wire.Trend, icon: str | None, tint: str) -> ft.Control:
    """A hotspot's trend: an arrow, or for a place without checks before a small word chip
    in the ctx's language."""
    if icon is not None:
        return ft.Icon(icon, color=tint, tooltip=t("trend_" + trend.value))
    return ft.Container(ft.Text(t("trend_new_badge"), size=11, color=ft.Colors.ON_PRIMARY,
                                weight=ft.FontWeight.W_600),
                        bgcolor=tint, border_radius=8, tooltip=t("trend_" + trend.value),
                        padding=ft.Padding.symmetric(horizontal=6, vertical=2))
