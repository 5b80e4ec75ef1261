"""The report's pictures as vector drawings (reportlab.graphics): the map of places coloured by
hotspot score, the weekday x hour grid, findings by category and checks per week. Vector, so
they stay sharp when printed or zoomed and their labels remain text."""

from __future__ import annotations

import math
from datetime import date, timedelta

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

import patrol_wire as wire

from . import words
from .figures import SteeringFigures

FONT, BOLD = "Vera", "VeraBd"
INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6673")
RULE = colors.HexColor("#c9d1da")
CHECKS = colors.HexColor("#5b8fc7")
FINDINGS = colors.HexColor("#d0524a")
HEAT = colors.HexColor("#b3261e")
# hotspot score against the city-wide rate, as the app's map colours it
SCORE_BANDS = [(0.8, colors.HexColor("#2e7d32"), "unter 0,8 × Stadtwert"),
               (1.2, colors.HexColor("#f9a825"), "0,8 – 1,2 ×"),
               (1.5, colors.HexColor("#ef6c00"), "1,2 – 1,5 ×"),
               (math.inf, colors.HexColor("#c62828"), "ab 1,5 ×")]
UNCHECKED = colors.HexColor("#9aa5b1")


def score_colour(score: float, city_rate: float) -> colors.Color:
    ratio = score / city_rate if city_rate > 0 else (0.0 if score <= 0 else math.inf)
    return next(c for limit, c, _ in SCORE_BANDS if ratio < limit)


def _text(x: float, y: float, text: str, size: float = 7, colour=INK, anchor: str = "start",
          bold: bool = False) -> String:
    return String(x, y, text, fontName=BOLD if bold else FONT, fontSize=size, fillColor=colour,
                  textAnchor=anchor)


# ---------------------------------------------------------------- map


def place_map(fig: SteeringFigures, width: float, height: float, numbered: int = 10) -> Drawing:
    """Every active place of the period at its coordinates: checked ones filled in their score
    colour (size by checks), unchecked ones as grey rings, polygons drawn as polygons; the top
    ``numbered`` hotspots carry their rank from the table; district names at their centres;
    a scale bar. Equirectangular with the cosine of the mean latitude: true to scale at city size."""
    d = Drawing(width, height)
    d.add(Rect(0, 0, width, height, fillColor=colors.HexColor("#f3f5f7"), strokeColor=RULE,
               strokeWidth=0.6))
    active = [p for p in fig.places.values()
              if wire.format_timestamp(fig.period.start) < (p.active_until or "9999")
              and (p.active_from or "") < wire.format_timestamp(fig.period.end)]
    scored = {s.place_id: s for s in fig.scores}
    shown = [p for p in active if p.active or p.id in scored]
    if not shown:
        d.add(_text(width / 2, height / 2, "Keine Orte erfasst.", 9, MUTED, "middle"))
        return d
    lats = [p.lat for p in shown] + [x.lat for x in fig.districts]
    lons = [p.lon for p in shown] + [x.lon for x in fig.districts]
    lat0 = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(lat0))
    pad = 14
    span_x = max((max(lons) - min(lons)) * kx, 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad - 12) / span_y)
    ox = (width - span_x * scale) / 2
    oy = (height - 12 - span_y * scale) / 2 + 12

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return ox + (lon - min(lons)) * kx * scale, oy + (lat - min(lats)) * scale

    rate = fig.now.city_rate
    most = max((s.checks for s in fig.scores), default=1)
    top = [s.place_id for s in fig.now.hotspots[:numbered]]
    for p in sorted(shown, key=lambda p: (p.id in scored, scored[p.id].score if p.id in scored else 0)):
        s = scored.get(p.id)
        fill = score_colour(s.score, rate) if s else None
        if p.polygon:
            pts = [c for lon, lat, *_ in p.polygon for c in xy(lat, lon)]
            d.add(Polygon(pts, fillColor=fill or colors.white, strokeColor=fill or UNCHECKED,
                          strokeWidth=0.8, fillOpacity=0.7))
        x, y = xy(p.lat, p.lon)
        if s:
            r = 1.4 + 3.2 * math.sqrt(s.checks / most)
            d.add(Circle(x, y, r, fillColor=fill, strokeColor=colors.white, strokeWidth=0.4))
        else:
            d.add(Circle(x, y, 1.4, fillColor=None, strokeColor=UNCHECKED, strokeWidth=0.5))
    for district in fig.districts:  # over the places, on a light backing so they stay readable
        x, y = xy(district.lat, district.lon)
        w = stringWidth(district.name, BOLD, 8)
        d.add(Rect(x - w / 2 - 2, y + 6, w + 4, 11, fillColor=colors.white, fillOpacity=0.75,
                   strokeColor=None))
        d.add(_text(x, y + 9, district.name, 8, colors.HexColor("#4a5562"), "middle", bold=True))
    for rank, pid in enumerate(top, 1):
        p = fig.places.get(pid)
        if p is None:
            continue
        x, y = xy(p.lat, p.lon)
        # a numbered tag beside the point, on alternating sides so neighbours stay readable
        dx = 9 if rank % 2 else -9
        d.add(Line(x, y, x + dx * 0.55, y + 5, strokeColor=INK, strokeWidth=0.4))
        d.add(Circle(x + dx, y + 7, 4.6, fillColor=colors.white, strokeColor=INK, strokeWidth=0.6))
        d.add(_text(x + dx, y + 5.2, str(rank), 6, INK, "middle", bold=True))
    # scale bar: 1, 2 or 5 km, whichever fits a fifth of the width
    metres_per_pt = 111_320 / scale
    bar_km = next((k for k in (5, 2, 1, 0.5, 0.2, 0.1) if k * 1000 / metres_per_pt <= width / 5), 0.1)
    bar = bar_km * 1000 / metres_per_pt
    d.add(Rect(pad, 8, bar, 3, fillColor=INK, strokeColor=INK, strokeWidth=0.3))
    d.add(_text(pad + bar + 4, 7.5, f"{words.dec(bar_km, 1 if bar_km < 1 else 0)} km", 7, INK))
    return d


def map_legend(width: float) -> Drawing:
    d = Drawing(width, 14)
    x = 0.0
    for _, colour, label in SCORE_BANDS:
        d.add(Circle(x + 4, 5, 3.5, fillColor=colour, strokeColor=colors.white, strokeWidth=0.4))
        d.add(_text(x + 10, 2.5, label, 7, INK))
        x += 14 + 4.1 * len(label)
    d.add(Circle(x + 4, 5, 2, fillColor=None, strokeColor=UNCHECKED, strokeWidth=0.6))
    d.add(_text(x + 10, 2.5, "nicht kontrolliert", 7, INK))
    return d


# ---------------------------------------------------------------- weekday x hour


def in_thousands(grid: list[list[int]]) -> bool:
    """Whether the grid's cells are written in thousands (a count of four digits would not fit)."""
    return max((v for row in grid for v in row), default=0) >= 1000


def weekday_hour(grid: list[list[int]], width: float) -> Drawing:
    """Findings per weekday (rows, Monday first) and local hour (columns), shaded by count,
    the count written in cells that hold one (in thousands when they run into four digits)."""
    left, top_pad, bottom = 22, 4, 16
    cell_w = (width - left - 34) / 24
    cell_h = 13
    height = top_pad + 7 * cell_h + bottom
    d = Drawing(width, height)
    peak = max((v for row in grid for v in row), default=0)
    thousands = in_thousands(grid)
    for wd in range(7):
        y = height - top_pad - (wd + 1) * cell_h
        d.add(_text(left - 4, y + 4, words.WEEKDAYS[wd], 7, INK, "end"))
        for h in range(24):
            v = grid[wd][h]
            share = v / peak if peak else 0
            fill = (colors.linearlyInterpolatedColor(colors.HexColor("#fbe9e7"), HEAT, 0, 1, share)
                    if v else colors.HexColor("#f1f3f5"))
            d.add(Rect(left + h * cell_w, y, cell_w - 0.8, cell_h - 0.8, fillColor=fill,
                       strokeColor=None))
            if v and cell_w >= 14:
                label = words.dec(v / 1000, 1) if thousands else words.num(v)
                d.add(_text(left + h * cell_w + cell_w / 2 - 0.4, y + 3.8, label, 5.8,
                            colors.white if share > 0.55 else INK, "middle"))
    for h in range(0, 24, 2):
        d.add(_text(left + h * cell_w + cell_w / 2, 5, f"{h:02d}", 6.5, MUTED, "middle"))
    d.add(_text(left + 24 * cell_w + 4, 5, "Uhr", 6.5, MUTED))
    return d


# ---------------------------------------------------------------- bars


def category_bars(counts: dict[str, int], width: float) -> Drawing:
    """Checks with each kind of finding, most frequent first (a check may count for several)."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    height = 14 + 13 * len(items)
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 118, 8
    chart.width, chart.height = width - 118 - 40, height - 12
    chart.data = [[n for _, n in reversed(items)]]
    chart.categoryAxis.categoryNames = [words.FINDING.get(k, k) for k, _ in reversed(items)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.strokeColor = RULE
    chart.valueAxis.visible = False
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = FINDINGS
    chart.bars[0].strokeColor = None
    chart.barWidth = 8
    chart.barLabelFormat = lambda v: words.num(v)
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d


def weeks(timeline: list[wire.DayFigures]) -> list[tuple[date, int, int]]:
    """Local days summed into weeks (Monday first): (monday, checks, findings)."""
    acc: dict[date, list[int]] = {}
    for day in timeline:
        d = date.fromisoformat(day.day)
        monday = d - timedelta(days=d.weekday())
        a = acc.setdefault(monday, [0, 0])
        a[0] += day.checks
        a[1] += day.findings
    return [(m, c, f) for m, (c, f) in sorted(acc.items())]


def weekly_bars(timeline: list[wire.DayFigures], width: float, height: float = 120) -> Drawing:
    """Checks and findings per calendar week, side by side."""
    data = weeks(timeline)
    d = Drawing(width, height)
    if not data:
        return d
    chart = VerticalBarChart()
    chart.x, chart.y = 34, 22
    chart.width, chart.height = width - 44, height - 30
    chart.data = [[c for _, c, _ in data], [f for _, _, f in data]]
    step = max(1, math.ceil(len(data) / 14))
    chart.categoryAxis.categoryNames = [f"KW {m.isocalendar()[1]}" if i % step == 0 else ""
                                        for i, (m, _, _) in enumerate(data)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.dy = -3
    chart.categoryAxis.strokeColor = RULE
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labelTextFormat = lambda v: words.num(v)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e6eaee")
    chart.valueAxis.gridStrokeWidth = 0.4
    chart.bars[0].fillColor = CHECKS
    chart.bars[1].fillColor = FINDINGS
    chart.bars.strokeColor = None
    chart.groupSpacing = 2
    chart.barSpacing = 0.5
    d.add(chart)
    return d


def legend(items: list[tuple[colors.Color, str]], width: float) -> Drawing:
    d = Drawing(width, 12)
    x = 0.0
    for colour, label in items:
        d.add(Rect(x, 2, 8, 8, fillColor=colour, strokeColor=None))
        d.add(_text(x + 11, 3, label, 7, INK))
        x += 20 + 4.2 * len(label)
    return d
