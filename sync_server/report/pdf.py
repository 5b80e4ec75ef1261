"""The steering group's report as a German PDF (reportlab platypus): A4, text as text, charts
and the map as vector graphics, fonts embedded (Bitstream Vera, shipped with reportlab), so
it prints and reads the same everywhere.

Sections, in order: at a glance and key figures against the previous period, checks per week,
districts, coverage by place type, measures by agency, findings by kind, hotspots (map and
table with trend), weekday x hour, the patrol plans' checkpoints (kept, late, missed), citizen
complaints, the joint operations held, notes on method. Only figures the reader's agency may see (the situation picture's agency rule);
no officer or team names.
"""

from __future__ import annotations

import io
from pathlib import Path

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)
from xml.sax.saxutils import escape

import patrol_wire as wire

from . import charts, words
from .figures import SteeringFigures

_FONTS = Path(reportlab.__file__).parent / "fonts"
for _name, _file in (("Vera", "Vera.ttf"), ("VeraBd", "VeraBd.ttf"), ("VeraIt", "VeraIt.ttf"),
                     ("VeraBI", "VeraBI.ttf")):
    if _name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_name, str(_FONTS / _file)))
pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="VeraBd", italic="VeraIt",
                              boldItalic="VeraBI")

TITLE = "Bericht an die Lenkungsgruppe"
NAVY = colors.HexColor("#1f3a5f")
HEAD_BG = colors.HexColor("#e8eef5")
ZEBRA = colors.HexColor("#f7f9fb")
GOOD = colors.HexColor("#2e7d32")
BAD = colors.HexColor("#c62828")
WIDTH = A4[0] - 36 * mm

_base = ParagraphStyle("base", fontName="Vera", fontSize=9, leading=12.5, textColor=charts.INK,
                       alignment=TA_LEFT)
STYLE = {
    "coop": ParagraphStyle("coop", _base, fontName="VeraBd", fontSize=10, textColor=NAVY,
                           leading=13),
    "title": ParagraphStyle("title", _base, fontName="VeraBd", fontSize=20, leading=25,
                            textColor=NAVY, spaceBefore=2),
    "period": ParagraphStyle("period", _base, fontName="VeraBd", fontSize=12.5, leading=16),
    "meta": ParagraphStyle("meta", _base, fontSize=8.5, leading=11.5, textColor=charts.MUTED),
    "h1": ParagraphStyle("h1", _base, fontName="VeraBd", fontSize=12.5, leading=16,
                         textColor=NAVY, spaceBefore=12, spaceAfter=5),
    "h2": ParagraphStyle("h2", _base, fontName="VeraBd", fontSize=9.5, leading=13, spaceBefore=6,
                         spaceAfter=3),
    "body": _base,
    "bullet": ParagraphStyle("bullet", _base, leftIndent=10, bulletIndent=0, spaceAfter=2),
    "note": ParagraphStyle("note", _base, fontSize=7.5, leading=10, textColor=charts.MUTED),
    "cell": ParagraphStyle("cell", _base, fontSize=8, leading=10),
}


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, STYLE[style])


def _cell(text: str) -> Paragraph:
    return Paragraph(escape(text), STYLE["cell"])


def _table(rows: list[list], widths: list[float], *, total: bool = False,
           numeric_from: int = 1) -> Table:
    """A report table: header row shaded, numbers right-aligned, light zebra, optional bold
    total row at the end."""
    t = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), "Vera", 8),
        ("FONT", (0, 0), (-1, 0), "VeraBd", 7.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), charts.INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, NAVY),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, charts.RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for i in range(2, len(rows) - (1 if total else 0), 2):
        style.append(("BACKGROUND", (0, i), (-1, i), ZEBRA))
    if total:
        style += [("FONT", (0, -1), (-1, -1), "VeraBd", 8),
                  ("LINEABOVE", (0, -1), (-1, -1), 0.6, NAVY)]
    t.setStyle(TableStyle(style))
    return t


def _colour_changes(table: Table, rows: list[list], columns: list[int], good_when_up: bool) -> None:
    """Changes in green or red (which way is good depends on the figure)."""
    cmds = []
    for r, row in enumerate(rows[1:], 1):
        for c in columns:
            text = str(row[c])
            if text.startswith("+") or text.startswith(words.MINUS):
                up = text.startswith("+")
                cmds.append(("TEXTCOLOR", (c, r), (c, r), GOOD if up == good_when_up else BAD))
    if cmds:
        table.setStyle(TableStyle(cmds))


# ---------------------------------------------------------------- sections


def header(fig: SteeringFigures) -> list:
    reader = fig.agency_name(fig.reader_agency)
    made = fig.made_at.astimezone(fig.zone)
    return [
        _p(escape(fig.cooperation), "coop"),
        _p(TITLE, "title"),
        _p(f"{escape(fig.period.name)} · {fig.period.dates}", "period"),
        Spacer(1, 3),
        _p(f"Vergleich mit dem Vorzeitraum gleicher Länge: {fig.previous.dates}. "
           f"Erstellt am {words.date_time(made)} für die Behörde <b>{escape(reader)}</b>: "
           "Meldungen, die nur für die eigene Behörde freigegeben sind, zählen nur für deren "
           "Leser. Der Bericht nennt keine Namen von Einsatzkräften.", "meta"),
    ]


def _share(c: wire.Coverage | None) -> float:
    return 100 * c.checked / c.total if c and c.total else 0.0


def _city_coverage(pic: wire.Situation) -> dict[str, wire.Coverage]:
    return {c.place_type.value: c for c in pic.coverage if c.district_id is None}


def at_a_glance(fig: SteeringFigures) -> list:
    now, before = fig.now, fig.before
    items = [f"<b>{words.num(now.checks)}</b> Kontrollen ({words.change(now.checks, before.checks)}"
             f" gegenüber dem Vorzeitraum) an {words.num(now.places_checked)} Orten, mit "
             f"<b>{words.num(now.findings)}</b> Feststellungen und "
             f"<b>{words.num(now.measures)}</b> Maßnahmen."]
    if now.hotspots:
        h = now.hotspots[0]
        district = fig.district_name(h.district_id)
        where = "" if district in h.name else f" ({escape(district)})"
        items.append(f"Auffälligster Ort: <b>{escape(h.name)}</b>{where} "
                     f"mit {words.dec(h.score)} Feststellungen je Kontrolle (Stadtwert "
                     f"{words.dec(now.city_rate)}), Trend {words.TREND[h.trend.value]}.")
    cov = _city_coverage(now).get("playground")
    if cov and cov.total:
        prev = _city_coverage(before).get("playground")
        items.append(f"{words.num(cov.checked)} von {words.num(cov.total)} Spielplätzen wurden "
                     f"mindestens einmal kontrolliert ({words.pct(cov.checked, cov.total)}; "
                     f"Vorzeitraum {words.pct(prev.checked, prev.total) if prev else '–'}).")
    st = fig.stops
    if st.judged:
        items.append(f"Von {words.num(st.judged)} geplanten Kontrollpunkten wurden "
                     f"{words.pct(st.done, st.judged)} fristgerecht aufgesucht, "
                     f"{words.num(st.late)} verspätet, {words.num(st.missed)} nicht.")
    return [Paragraph(text, STYLE["bullet"], bulletText="•") for text in items]


def key_figures(fig: SteeringFigures) -> list:
    now, before = fig.now, fig.before
    st, sb = fig.stops, fig.stops_before
    rows = [["Kennzahl", fig.period.name if len(fig.period.name) < 22 else "Zeitraum",
             "Vorzeitraum", "Veränderung"],
            ["Kontrollen", words.num(now.checks), words.num(before.checks),
             words.change(now.checks, before.checks)],
            ["Feststellungen", words.num(now.findings), words.num(before.findings),
             words.change(now.findings, before.findings)],
            ["Maßnahmen", words.num(now.measures), words.num(before.measures),
             words.change(now.measures, before.measures)],
            ["Kontrollierte Orte", words.num(now.places_checked), words.num(before.places_checked),
             words.change(now.places_checked, before.places_checked)],
            ["Feststellungen je Kontrolle (Stadtwert)", words.dec(now.city_rate),
             words.dec(before.city_rate), words.change(now.city_rate, before.city_rate)]]
    if st.judged or sb.judged:
        share_now = 100 * st.done / st.judged if st.judged else 0.0
        share_before = 100 * sb.done / sb.judged if sb.judged else 0.0
        rows += [["Kontrollpunkte fristgerecht", words.pct(st.done, st.judged),
                  words.pct(sb.done, sb.judged), words.points(share_now, share_before)],
                 ["Kontrollpunkte verspätet", words.num(st.late), words.num(sb.late),
                  words.change(st.late, sb.late)],
                 ["Kontrollpunkte verpasst", words.num(st.missed), words.num(sb.missed),
                  words.change(st.missed, sb.missed)]]
    t = _table(rows, [WIDTH * 0.46, WIDTH * 0.18, WIDTH * 0.18, WIDTH * 0.18])
    cmds = []
    for r, row in enumerate(rows[1:], 1):
        text = row[3]
        if text[:1] in ("+", words.MINUS) and row[0].startswith("Kontrollpunkte"):
            good = text.startswith("+") == (row[0] == "Kontrollpunkte fristgerecht")
            cmds.append(("TEXTCOLOR", (3, r), (3, r), GOOD if good else BAD))
    if cmds:
        t.setStyle(TableStyle(cmds))
    return [t]


def weekly(fig: SteeringFigures) -> list:
    if not fig.now.timeline:
        return []
    return [KeepTogether([
        _p("Kontrollen und Feststellungen je Kalenderwoche", "h2"),
        charts.weekly_bars(fig.now.timeline, WIDTH, 118),
        charts.legend([(charts.CHECKS, "Kontrollen"), (charts.FINDINGS, "Feststellungen")], WIDTH),
        _p("Kalenderwochen nach Ortszeit; die erste und die letzte Woche können angebrochen sein.",
           "note")])]


def districts(fig: SteeringFigures) -> list:
    before = {a.key: a for a in fig.before.by_district}
    cov: dict[str | None, list[int]] = {}
    for c in fig.now.coverage:
        if c.district_id is not None:
            acc = cov.setdefault(c.district_id, [0, 0])
            acc[0] += c.checked
            acc[1] += c.total
    rows = [["Stadtbezirk", "Kontrollen", "Veränd.", "Feststell.", "Veränd.", "Maßnahmen",
             "je Kontrolle", "Orte kontrolliert"]]
    for a in fig.now.by_district:
        b = before.get(a.key)
        checked, total = cov.get(a.key, [0, 0])
        rows.append([_cell(a.name if a.key else "ohne Ortsbezug"), words.num(a.checks),
                     words.change(a.checks, b.checks if b else 0), words.num(a.findings),
                     words.change(a.findings, b.findings if b else 0), words.num(a.measures),
                     words.dec(a.findings / a.checks) if a.checks else "–",
                     f"{words.num(checked)}/{words.num(total)} ({words.pct(checked, total)})"
                     if total else "–"])
    n = fig.now
    rows.append(["Gesamt", words.num(n.checks), words.change(n.checks, fig.before.checks),
                 words.num(n.findings), words.change(n.findings, fig.before.findings),
                 words.num(n.measures), words.dec(n.findings / n.checks) if n.checks else "–", ""])
    w = WIDTH
    t = _table(rows, [w * .15, w * .11, w * .10, w * .11, w * .10, w * .13, w * .12, w * .18],
               total=True)
    return [_p("2. Stadtbezirke", "h1"), t,
            _p("Veränderung: gegenüber dem Vorzeitraum. Orte kontrolliert: aktive Orte des Bezirks, "
               "die im Zeitraum mindestens einmal kontrolliert wurden. Je Kontrolle: Feststellungen "
               "je Kontrolle.", "note")]


def coverage(fig: SteeringFigures) -> list:
    now, before = _city_coverage(fig.now), _city_coverage(fig.before)
    rows = [["Ortstyp", "aktive Orte", "kontrolliert", "Anteil", "Vorzeitraum", "Veränderung"]]
    for ptype, c in sorted(now.items(), key=lambda kv: words.PLACE_TYPE.get(kv[0], kv[0])):
        b = before.get(ptype)
        rows.append([words.PLACE_TYPE.get(ptype, ptype), words.num(c.total), words.num(c.checked),
                     words.pct(c.checked, c.total), words.pct(b.checked, b.total) if b else "–",
                     words.points(_share(c), _share(b)) if b else "–"])
    if len(rows) == 1:
        return []
    t = _table(rows, [WIDTH * .30, WIDTH * .14, WIDTH * .14, WIDTH * .14, WIDTH * .14, WIDTH * .14])
    _colour_changes(t, rows, [5], good_when_up=True)
    return [KeepTogether([_p("3. Abdeckung", "h1"),
                          _p("Anteil der im Zeitraum aktiven Orte je Typ, die mindestens einmal "
                             "kontrolliert wurden.", "body"), Spacer(1, 4), t])]


def agencies(fig: SteeringFigures) -> list:
    seen = [a.agency for a in fig.agencies] + sorted(set(fig.agencies_before) - {a.agency for a in fig.agencies})
    now = {a.agency: a for a in fig.agencies}
    rows = [["Behörde", "Kontrollen", "Feststellungen", "Maßnahmen", "Vorzeitraum", "Veränderung"]]
    for ag in seen:
        a, b = now.get(ag), fig.agencies_before.get(ag)
        rows.append([_cell(fig.agency_name(ag)), words.num(a.checks if a else 0),
                     words.num(a.findings if a else 0), words.num(a.measures if a else 0),
                     words.num(b.measures if b else 0),
                     words.change(a.measures if a else 0, b.measures if b else 0)])
    if len(rows) == 1:
        return []
    rows.append(["Gesamt", words.num(sum(a.checks for a in fig.agencies)),
                 words.num(sum(a.findings for a in fig.agencies)),
                 words.num(sum(a.measures for a in fig.agencies)),
                 words.num(sum(b.measures for b in fig.agencies_before.values())),
                 words.change(sum(a.measures for a in fig.agencies),
                              sum(b.measures for b in fig.agencies_before.values()))])
    w = WIDTH
    t = _table(rows, [w * .32, w * .13, w * .15, w * .13, w * .13, w * .14], total=True)
    return [KeepTogether([
        _p("4. Maßnahmen nach Behörde", "h1"),
        _p("Kontrollen, Feststellungen und ergriffene Maßnahmen (Ansprache, Platzverweis, "
           "Anzeige, Vermittlung an Hilfeangebote …) nach der Behörde der meldenden Einsatzkraft; "
           "Vorzeitraum und Veränderung beziehen sich auf die Maßnahmen.", "body"),
        Spacer(1, 4), t])]


def categories(fig: SteeringFigures) -> list:
    if not fig.now.findings_by_category:
        return []
    return [KeepTogether([
        _p("Feststellungen nach Art", "h2"),
        charts.category_bars(fig.now.findings_by_category, WIDTH),
        _p("Kontrollen mit der jeweiligen Feststellung; eine Kontrolle kann mehrere Arten "
           "enthalten.", "note")])]


TOP = 10


def hotspots(fig: SteeringFigures) -> list:
    heading = _p("5. Brennpunkte", "h1")
    if not fig.now.hotspots:
        return [heading, _p("Im Zeitraum wurde kein Ort kontrolliert.")]
    out: list = [KeepTogether([heading, _p(
        "Der Brennpunktwert ist die Zahl der Feststellungen je Kontrolle, geglättet zum "
        f"Stadtwert ({words.dec(fig.now.city_rate)}) mit dem Gewicht von "
        f"{words.num(fig.now.prior_checks)} Kontrollen: Ein einmal kontrollierter Ort wird so "
        "nicht zum Brennpunkt, häufig kontrollierte Orte zeigen ihren eigenen Wert. Die Karte "
        "zeigt alle Orte in der Farbe ihres Werts; die Nummern entsprechen der Tabelle.", "body"),
        Spacer(1, 4), charts.place_map(fig, WIDTH, WIDTH * 0.62, TOP), Spacer(1, 3),
        charts.map_legend(WIDTH)])]
    rows = [["Nr.", "Ort", "Bezirk", "Art", "Kontr.", "Festst.", "Wert", "Vorzeitr.", "Trend"]]
    for i, h in enumerate(fig.now.hotspots[:TOP], 1):
        rows.append([str(i), _cell(h.name), _cell(fig.district_name(h.district_id)),
                     _cell(words.PLACE_TYPE_ONE.get(h.type.value, h.type.value)),
                     words.num(h.checks), words.num(h.findings), words.dec(h.score),
                     words.dec(h.prev_score) if h.prev_checks else "–",
                     words.TREND[h.trend.value]])
    w = WIDTH
    t = _table(rows, [w * .05, w * .25, w * .15, w * .13, w * .07, w * .07, w * .07, w * .09,
                      w * .12], numeric_from=4)
    cmds = [("ALIGN", (0, 0), (0, -1), "RIGHT"), ("ALIGN", (8, 0), (8, -1), "LEFT")]
    for r, h in enumerate(fig.now.hotspots[:TOP], 1):
        cmds.append(("TEXTCOLOR", (6, r), (6, r), charts.score_colour(h.score, fig.now.city_rate)))
        if h.trend is wire.Trend.UP:
            cmds.append(("TEXTCOLOR", (8, r), (8, r), BAD))
        elif h.trend is wire.Trend.DOWN:
            cmds.append(("TEXTCOLOR", (8, r), (8, r), GOOD))
    t.setStyle(TableStyle(cmds))
    out += [Spacer(1, 6), t, _p(
        "Trend: Wert gegenüber dem Vorzeitraum (mit dessen Stadtwert) um mehr als 10 % und "
        "0,05 gestiegen oder gefallen; neu: im Vorzeitraum nicht kontrolliert.", "note")]
    return out


def weekday_hour(fig: SteeringFigures) -> list:
    return [KeepTogether([
        _p("6. Feststellungen nach Wochentag und Uhrzeit", "h1"),
        charts.weekday_hour(fig.now.grid, WIDTH),
        _p(f"Ortszeit ({escape(fig.now.timezone)}); je dunkler, desto mehr Feststellungen"
           + ("; Zahlen in Tausend." if charts.in_thousands(fig.now.grid) else "."), "note")])]


def checkpoints(fig: SteeringFigures) -> list:
    st = fig.stops
    out: list = [_p("7. Kontrollpunkte der Streifenpläne", "h1")]
    if not st.total:
        return out + [_p("Im Zeitraum endete kein geplanter Kontrollpunkt.")]
    out.append(_p(
        f"{words.num(st.total)} geplante Kontrollpunkte endeten im Zeitraum: "
        f"{words.num(st.done)} fristgerecht, {words.num(st.late)} verspätet (nach Zeitfenster "
        f"und Karenz vor Ort), {words.num(st.missed)} verpasst (keine Kontrolle vor Ort)"
        + (f", {words.num(st.by_status[wire.StopStatus.OPEN])} noch offen" if st.by_status[wire.StopStatus.OPEN] else "")
        + ".", "body"))
    rows = [["Stadtbezirk", "geplant", "fristgerecht", "verspätet", "verpasst", "Anteil fristgerecht"]]
    for district_id, c in sorted(st.by_district.items(), key=lambda kv: fig.district_name(kv[0])):
        n = sum(c.values())
        judged = c[wire.StopStatus.DONE] + c[wire.StopStatus.LATE] + c[wire.StopStatus.MISSED]
        rows.append([_cell(fig.district_name(district_id) if district_id else "ohne Bezirk"),
                     words.num(n), words.num(c[wire.StopStatus.DONE]),
                     words.num(c[wire.StopStatus.LATE]), words.num(c[wire.StopStatus.MISSED]),
                     words.pct(c[wire.StopStatus.DONE], judged)])
    rows.append(["Gesamt", words.num(st.total), words.num(st.done), words.num(st.late),
                 words.num(st.missed), words.pct(st.done, st.judged)])
    w = WIDTH
    out += [Spacer(1, 4), _table(rows, [w * .28, w * .12, w * .14, w * .13, w * .13, w * .20],
                                 total=True)]
    worst = sorted(st.by_place.items(), key=lambda kv: (-kv[1][wire.StopStatus.MISSED],
                                                       -kv[1][wire.StopStatus.LATE], kv[0]))[:8]
    if worst:
        rows = [["Ort", "Bezirk", "verpasst", "verspätet"]]
        for pid, c in worst:
            p = fig.places[pid]
            rows.append([_cell(p.name), _cell(fig.district_name(p.district_id)),
                         words.num(c[wire.StopStatus.MISSED]), words.num(c[wire.StopStatus.LATE])])
        out += [KeepTogether([_p("Orte mit den meisten verpassten Kontrollpunkten", "h2"),
                              _table(rows, [w * .46, w * .22, w * .16, w * .16], numeric_from=2)])]
    return out


def complaints(fig: SteeringFigures) -> list:
    """Citizen complaints against patrol effort: where many complaints meet few checks (the
    picture's figures, ``sync_server/complaints.py``). Counts only: complaints carry no text."""
    c = fig.complaints
    heading = _p("8. Bürgerbeschwerden und Kontrollaufwand", "h1")
    if not c.complaints:
        return [heading, _p("Im Zeitraum liegen keine eingelesenen Bürgerbeschwerden vor.")]
    out: list = [KeepTogether([heading, _p(
        f"<b>{words.num(c.complaints)}</b> Bürgerbeschwerden aus dem Beschwerdesystem der Stadt "
        f"({words.change(c.complaints, fig.complaints_before)} gegenüber dem Vorzeitraum), davon "
        f"{words.num(c.placed)} an einem der erfassten Orte; stadtweit "
        f"{words.dec(c.city_rate)} Beschwerden je Kontrolle. Gereiht wird nach einer vorsichtigen "
        "Untergrenze der Beschwerden je Kontrolle, geglättet zum Stadtwert mit dem Gewicht von "
        f"{words.num(c.prior_checks)} Kontrollen: Eine einzelne Beschwerde an einem nie "
        "kontrollierten Ort steht so nicht oben. Auffällig: selbst die Untergrenze liegt über "
        "dem Stadtwert – viele Beschwerden, wenige Kontrollen.", "body")])]
    rows = [["Nr.", "Ort", "Bezirk", "Beschw.", "Kontr.", "je Kontr.", "Untergr.", "auffällig"]]
    for i, g in enumerate(c.places[:TOP], 1):
        rows.append([str(i), _cell(g.name), _cell(fig.district_name(g.district_id)),
                     words.num(g.complaints), words.num(g.checks), words.dec(g.score),
                     words.dec(g.lower), "ja" if g.stands_out else "–"])
    w = WIDTH
    t = _table(rows, [w * .05, w * .30, w * .17, w * .09, w * .08, w * .10, w * .10, w * .11],
               numeric_from=3)
    t.setStyle(TableStyle([("ALIGN", (0, 0), (0, -1), "RIGHT")]
                          + [("TEXTCOLOR", (7, r), (7, r), BAD)
                             for r, g in enumerate(c.places[:TOP], 1) if g.stands_out]))
    out += [Spacer(1, 4), t]
    areas = [a for a in c.districts if a.key]
    if areas:
        rows = [["Stadtbezirk", "Beschwerden", "Kontrollen", "je Kontrolle", "Untergrenze",
                 "auffällig"]]
        for a in areas:
            rows.append([_cell(a.name), words.num(a.complaints), words.num(a.checks),
                         words.dec(a.score), words.dec(a.lower), "ja" if a.stands_out else "–"])
        out += [KeepTogether([_p("Je Stadtbezirk", "h2"), _table(
            rows, [w * .30, w * .14, w * .14, w * .14, w * .14, w * .14]), _p(
            f"Bezirke mit allen ihren Beschwerden (auch abseits der Orte); Stadtwert "
            f"{words.dec(c.area_rate)} Beschwerden je Kontrolle.", "note")])]
    return out


def operations_held(fig: SteeringFigures) -> list:
    """The joint operations ("Schwerpunkteinsätze") that began in the period: name, date,
    agencies and the checks the reader may see. No team names (they often name officers)."""
    heading = _p("9. Schwerpunkteinsätze", "h1")
    ops = fig.operations
    if not ops:
        return [heading, _p("Im Zeitraum fanden keine Schwerpunkteinsätze statt.")]
    checks = sum(h.checks for h in ops)
    rows = [["Einsatz", "Datum", "Beteiligte Behörden", "Kontrollen"]]
    for h in ops:
        op = h.operation
        day = wire.parse_timestamp(op.starts_at).astimezone(fig.zone)
        rows.append([_cell(op.name), words.date(day),
                     _cell(", ".join(fig.agency_name(a) for a in op.agencies)), words.num(h.checks)])
    w = WIDTH
    return [KeepTogether([heading, _p(
        f"<b>{words.num(len(ops))}</b> {'Schwerpunkteinsatz' if len(ops) == 1 else 'Schwerpunkteinsätze'}"
        f" mehrerer Behörden im Zeitraum, mit zusammen {words.num(checks)} Kontrollen der "
        "beteiligten Streifen.", "body"), Spacer(1, 4),
        _table(rows, [w * .34, w * .14, w * .40, w * .12], numeric_from=3)])]


def method(fig: SteeringFigures) -> list:
    return [KeepTogether([_p("Hinweise", "h1"), _p(
        "Grundlage sind die Kontrollmeldungen der gemeinsamen Streifen im Zeitraum (Zeitpunkt der "
        "Kontrolle, Ortszeit) und die Streifenpläne der Schichtleitungen. Vorzeitraum: der "
        f"unmittelbar vorangehende Zeitraum gleicher Länge ({fig.previous.dates}). Die Zahlen "
        "entsprechen dem Lagebild der Anwendung für denselben Zeitraum und dieselbe Behörde. "
        "Ein Kontrollpunkt gilt als fristgerecht, wenn die Streife den Ort in seinem Zeitfenster "
        "vor Ort kontrolliert hat, als verspätet, wenn die Kontrolle erst nach Zeitfenster und "
        "Karenzzeit erfolgte, als verpasst, wenn bis dahin keine Kontrolle vor Ort erfolgte.",
        "note")])]


# ---------------------------------------------------------------- document


def _numbered_canvas(fig: SteeringFigures):
    footer_left = f"{fig.cooperation} · {TITLE} · {fig.period.name}"

    class NumberedCanvas(Canvas):
        """Writes 'Seite n von N' once the page count is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Vera", 7)
                self.setFillColor(charts.MUTED)
                self.setStrokeColor(charts.RULE)
                self.setLineWidth(0.4)
                self.line(18 * mm, 13 * mm, A4[0] - 18 * mm, 13 * mm)
                self.drawString(18 * mm, 9 * mm, footer_left)
                self.drawRightString(A4[0] - 18 * mm, 9 * mm, f"Seite {self._pageNumber} von {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def story(fig: SteeringFigures) -> list:
    return [*header(fig), Spacer(1, 8),
            _p("1. Auf einen Blick", "h1"), *at_a_glance(fig), Spacer(1, 6), *key_figures(fig),
            *weekly(fig), *districts(fig), *coverage(fig), *agencies(fig), *categories(fig),
            *hotspots(fig), *weekday_hour(fig), *checkpoints(fig), *complaints(fig),
            *operations_held(fig), *method(fig)]


def render(fig: SteeringFigures) -> bytes:
    """The report as PDF bytes."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
        bottomMargin=20 * mm, title=f"{TITLE} – {fig.period.name}", author=fig.cooperation,
        subject=f"Lagebild {fig.period.dates}", creator="Gemeinsame Streife", lang="de-DE")
    doc.build(story(fig), canvasmaker=_numbered_canvas(fig))
    return out.getvalue()
