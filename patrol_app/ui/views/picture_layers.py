"""The picture's citizen complaints and fear spaces: a map layer of both, the places and
districts where complaints are many and checks few (ranked as the server ranks them, by the
cautious lower bound), and the fear-space list for the planning office. Supervisors only: the
server answers no one else (``sync_server/access.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft
import flet_map as fm

import patrol_wire as wire

from .map_panel import MapPanel, dot, tap_marker

if TYPE_CHECKING:
    from ..context import ViewContext

COMPLAINT_COLOUR = ft.Colors.PURPLE_400
GAP_COLOUR = ft.Colors.RED_700
OTHER_GAP_COLOUR = ft.Colors.AMBER_700
FEAR_COLOUR = ft.Colors.INDIGO_900
MAP_POINTS = 400  # complaint dots drawn; the server sends more, the page stays light
LISTED = 8
MEETING_TYPES = (wire.PlaceType.DIALOGUE_EVENT, wire.PlaceType.INNKEEPER_CONTACT)


def fear_mark(size: float = 22) -> ft.Control:
    return ft.Container(ft.Icon(ft.Icons.LIGHTBULB_OUTLINE, size=size * 0.7, color=ft.Colors.WHITE),
                        width=size, height=size, border_radius=4, bgcolor=FEAR_COLOUR,
                        alignment=ft.Alignment.CENTER, border=ft.Border.all(1.5, ft.Colors.WHITE))


def gap_size(g: wire.ComplaintGap) -> float:
    return 12 + min(22, 1.5 * g.complaints)


class ComplaintLayers:
    """Builds the cards from the complaints picture and the fear-space list of one window."""

    def __init__(self, ctx: "ViewContext", complaints: wire.ComplaintPicture) -> None:
        self.ctx = ctx
        self.pic = complaints
        self.params: dict[str, str] = {}  # the window and filters it was asked for
        self.fear: list[dict[str, Any]] = []
        self.fear_layer = fm.MarkerLayer(markers=[])
        self.fear_column = ft.Column([ft.ProgressRing(width=20, height=20)], spacing=6)

    def set_fear(self, fear: list[dict[str, Any]]) -> None:
        """Fear spaces arrive after the rest (they read the window's reports: seconds for a
        long window at a city's volume), into the layer and list already on the screen."""
        self.fear = fear
        self.fear_layer.markers = [tap_marker(f["lat"], f["lon"], fear_mark(),
                                              lambda e, f=f: self._fear_sheet(f), tooltip=f["name"])
                                   for f in fear[:60]]
        self.fear_column.controls = [self._fear_list()]

    # ------------------------------------------------------------ map

    def map(self) -> ft.Control:
        t = self.ctx.t
        pic = self.pic
        points = [fm.Marker(coordinates=fm.MapLatitudeLongitude(p.lat, p.lon), width=8, height=8,
                            content=dot(ft.Colors.with_opacity(0.7, COMPLAINT_COLOUR), 7,
                                        border=ft.Colors.TRANSPARENT))
                  for p in pic.points[:MAP_POINTS]]
        places = [tap_marker(g.lat, g.lon, dot(ft.Colors.with_opacity(
            0.85, GAP_COLOUR if g.stands_out else OTHER_GAP_COLOUR), gap_size(g)),
            lambda e, g=g: self._gap_sheet(g), size=max(36, gap_size(g) + 8), tooltip=g.name)
            for g in sorted(pic.places[:60], key=lambda g: g.lower)]  # the strongest on top
        spots = [(g.lat, g.lon) for g in pic.places[:20]]
        centre = ((sum(a for a, _ in spots) / len(spots), sum(b for _, b in spots) / len(spots))
                  if spots else None)
        entries = [(dot(COMPLAINT_COLOUR, 8), t("map_complaint")),
                   (dot(GAP_COLOUR), t("map_gap_place")),
                   (dot(OTHER_GAP_COLOUR), t("map_gap_other")),
                   (fear_mark(16), t("map_fear_space"))]
        panel = MapPanel(self.ctx, [fm.MarkerLayer(markers=points), fm.MarkerLayer(markers=places),
                                    self.fear_layer],
                         identifier="complaint-map", centre=centre, zoom=12, locked=True,
                         legend_entries=entries, height=300)
        rows: list[ft.Control] = [panel.control]
        if pic.points_total > min(len(pic.points), MAP_POINTS):
            rows.append(ft.Text(t("complaints_points_capped", shown=min(len(pic.points), MAP_POINTS),
                                  total=pic.points_total), size=11,
                                color=ft.Colors.ON_SURFACE_VARIANT))
        return ft.Column(rows, spacing=4)

    # ------------------------------------------------------------ lists

    def gaps(self) -> ft.Control:
        """Places, then districts, by the lower bound; the ones that stand out marked."""
        t = self.ctx.t
        pic = self.pic
        if not pic.complaints:
            return ft.Semantics(identifier="complaints-summary",
                                content=ft.Text(t("complaints_none")))
        rows: list[ft.Control] = [ft.Semantics(identifier="complaints-summary", content=ft.Text(
            t("complaints_summary", n=pic.complaints, p=pic.placed,
              rate=t.number(pic.city_rate, 2)), size=13))]
        for i, g in enumerate(pic.places[:LISTED]):
            rows.append(ft.Semantics(identifier=f"complaint-gap-{i + 1}", content=ft.Container(ft.Row([
                dot(GAP_COLOUR if g.stands_out else OTHER_GAP_COLOUR, 12),
                ft.Column([ft.Text(f"{i + 1}. {g.name}", size=14, weight=ft.FontWeight.W_600,
                                   max_lines=2),
                           ft.Text(t("complaints_line", n=g.complaints, c=g.checks,
                                     score=t.number(g.score, 2)), size=12),
                           *([ft.Text(t("complaints_stands_out"), size=12, color=GAP_COLOUR,
                                      weight=ft.FontWeight.W_600)] if g.stands_out else [])],
                          spacing=0, expand=True)]), on_click=lambda e, g=g: self._gap_sheet(g))))
        areas = [a for a in pic.districts if a.key]
        if areas:
            rows.append(ft.Text(t("complaints_districts"), size=14, weight=ft.FontWeight.W_600))
            for a in areas:
                rows.append(ft.Semantics(identifier=f"complaint-district-{a.key}", content=ft.Text(
                    f"{a.name}: " + t("complaints_line", n=a.complaints, c=a.checks,
                                      score=t.number(a.score, 2))
                    + (f" – {t('complaints_stands_out')}" if a.stands_out else ""),
                    size=12, color=GAP_COLOUR if a.stands_out else None)))
        rows.append(ft.Text(t("complaints_explained", m=t.number(pic.prior_checks)), size=11,
                            color=ft.Colors.ON_SURFACE_VARIANT))
        return ft.Column(rows, spacing=6)

    def fear_spaces(self) -> ft.Control:
        return self.fear_column

    def _fear_list(self) -> ft.Control:
        t = self.ctx.t
        if not self.fear:
            return ft.Semantics(identifier="fear-list", content=ft.Text(t("fear_none")))
        rows: list[ft.Control] = []
        for i, f in enumerate(self.fear[:10]):
            rows.append(ft.Semantics(identifier=f"fear-{i + 1}", content=ft.Container(ft.Row([
                fear_mark(18),
                ft.Column([ft.Text(f["name"], size=14, weight=ft.FontWeight.W_600, max_lines=2),
                           ft.Text(self._fear_line(f), size=12),
                           *[ft.Text(f"„{h}“", size=12, italic=True, max_lines=2)
                             for h in f["hints"][:1]]], spacing=0, expand=True)]),
                on_click=lambda e, f=f: self._fear_sheet(f))))
        rows.append(ft.Text(t("fear_exports_note"), size=11, color=ft.Colors.ON_SURFACE_VARIANT))
        return ft.Semantics(identifier="fear-list", content=ft.Column(rows, spacing=6))

    def _fear_line(self, f: dict[str, Any]) -> str:
        return self.ctx.t("fear_line", r=f["reports_with_signal"], c=f["checks"],
                          b=f["lighting_broken"], n=f["lighting_none"], p=f["poor_lighting"])

    # ------------------------------------------------------------ sheets

    def _gap_sheet(self, g: wire.ComplaintGap) -> None:
        t = self.ctx.t
        cats = ", ".join(f"{t('cc_' + k)} {n}" for k, n in sorted(g.by_category.items(),
                                                                 key=lambda kv: -kv[1]))
        self._sheet("complaint-figures", [
            ft.Row([dot(GAP_COLOUR if g.stands_out else OTHER_GAP_COLOUR),
                    ft.Text(g.name, size=18, weight=ft.FontWeight.BOLD, expand=True)]),
            ft.Text(t("complaints_line", n=g.complaints, c=g.checks, score=t.number(g.score, 2)),
                    size=14),
            ft.Text(t("complaint_gap_figures", score=t.number(g.score, 2),
                      lower=t.number(g.lower, 2), rate=t.number(self.pic.city_rate, 2)), size=13),
            *([ft.Text(cats, size=13)] if cats else []),
            *([ft.Text(t("complaints_stands_out"), color=GAP_COLOUR, weight=ft.FontWeight.W_600)]
              if g.stands_out else [])])

    def _fear_sheet(self, f: dict[str, Any]) -> None:
        self._sheet("fear-figures", [
            ft.Row([fear_mark(), ft.Text(f["name"], size=18, weight=ft.FontWeight.BOLD, expand=True)]),
            ft.Text(self._fear_line(f), size=13),
            *[ft.Text(f"„{h}“", size=13, italic=True) for h in f["hints"]]])

    def _sheet(self, identifier: str, content: list[ft.Control]) -> None:
        self.ctx.show_dialog(ft.BottomSheet(ft.Container(ft.Semantics(
            identifier=identifier, content=ft.Column([
                *content, ft.TextButton(self.ctx.t("close"), on_click=lambda e: self.ctx.pop_dialog())],
                tight=True, spacing=6)), padding=16), show_drag_handle=True))


def meeting_lines(ctx: "ViewContext", checks_by_type: dict[str, int]) -> list[ft.Control]:
    """Dialogue events and innkeeper contacts held in the window, counted as the picture
    counts checks (one report = one meeting)."""
    t = ctx.t
    return [ft.Semantics(identifier=f"meetings-{p.value}", content=ft.Text(
        t("meetings_line", type=t("t_" + p.value), n=checks_by_type.get(p.value, 0)), size=13))
        for p in MEETING_TYPES]
