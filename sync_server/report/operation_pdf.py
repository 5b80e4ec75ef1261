"""One joint operation's summary as a one-page German PDF, built like the steering group's
report (reportlab platypus, the same fonts, styles and tables: ``pdf``).

Content: the plan (name, time in local time, agencies, number of teams, area), key figures,
checks/findings/measures by agency and by place (the places with most checks; the rest summed
in one row so the page never overflows), findings and measures by kind. Only figures the
reader's agency may see; no officer or team names (team names often are officers' names).
"""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

import patrol_wire as wire
from patrol_wire.labels import label

from . import charts, words
from .pdf import STYLE, WIDTH, _cell, _p, _table

TITLE = "Schwerpunkteinsatz – Ergebnis"
TOP_PLACES = 10
STATUS = {"planned": "geplant", "running": "läuft", "ended": "beendet"}


def _when(op: wire.Operation, zone: ZoneInfo) -> str:
    start = wire.parse_timestamp(op.starts_at).astimezone(zone)
    end = wire.parse_timestamp(op.ends_at).astimezone(zone)
    if start.date() == end.date():
        return f"{words.date(start)}, {start:%H:%M}–{end:%H:%M} Uhr"
    return f"{words.date(start)}, {start:%H:%M} Uhr – {words.date(end)}, {end:%H:%M} Uhr"


def _area(op: wire.Operation) -> str:
    parts = []
    if op.place_ids:
        parts.append(f"{words.num(len(op.place_ids))} Orte")
    if op.polygon:
        parts.append(f"eingezeichnete Fläche ({len(op.polygon)} Eckpunkte)")
    return " und ".join(parts) or "ganzes Stadtgebiet"


def _kinds(counts: dict[str, int], prefix: str) -> str:
    if not counts:
        return "keine"
    return ", ".join(f"{escape(label('de', prefix + '_', k))} {words.num(n)}" for k, n in counts.items())


def story(s: wire.OperationSummary, *, cooperation: str, zone: ZoneInfo, made_at: datetime,
          reader_agency: str, agency_names: dict[str, str]) -> list:
    op = s.operation
    name = lambda code: agency_names.get(code, code)  # noqa: E731
    out: list = [
        _p(escape(cooperation), "coop"),
        _p(TITLE, "title"),
        _p(f"{escape(op.name)} · {_when(op, zone)}", "period"),
        Spacer(1, 3),
        _p(f"Beteiligte Behörden: {escape(', '.join(name(a) for a in op.agencies))}. "
           f"{words.num(len(op.team_ids))} Streifen. Einsatzraum: {_area(op)}. "
           f"Stand: {STATUS[s.status.value]}.", "body"),
        _p(f"Erstellt am {words.date_time(made_at.astimezone(zone))} für die Behörde "
           f"<b>{escape(name(reader_agency))}</b>: Meldungen, die nur für die eigene Behörde "
           "freigegeben sind, zählen nur für deren Leser. Der Bericht nennt keine Namen von "
           "Einsatzkräften.", "meta"),
        _p("Auf einen Blick", "h1"),
    ]
    w = WIDTH
    key = Table([[f"{words.num(s.checks)}", f"{words.num(s.findings)}", f"{words.num(s.measures)}",
                  f"{words.num(s.places_checked)}"],
                 ["Kontrollen", "Feststellungen", "Maßnahmen", "Kontrollierte Orte"]],
                colWidths=[w / 4] * 4, hAlign="LEFT")
    key.setStyle(TableStyle([("FONT", (0, 0), (-1, 0), "VeraBd", 16),
                             ("FONT", (0, 1), (-1, 1), "Vera", 8),
                             ("TEXTCOLOR", (0, 0), (-1, -1), charts.INK),
                             ("TEXTCOLOR", (0, 1), (-1, 1), charts.MUTED),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("BOTTOMPADDING", (0, 0), (-1, 0), 4)]))
    out += [key]

    out.append(_p("Nach Behörde", "h1"))
    if s.by_agency:
        rows = [["Behörde", "Kontrollen", "Feststellungen", "Maßnahmen"]]
        rows += [[_cell(name(a.agency)), words.num(a.checks), words.num(a.findings),
                  words.num(a.measures)] for a in s.by_agency]
        rows.append(["Gesamt", words.num(s.checks), words.num(s.findings), words.num(s.measures)])
        out.append(_table(rows, [w * .46, w * .18, w * .18, w * .18], total=True))
    else:
        out.append(_p("Im Einsatz wurden keine Kontrollen gemeldet."))

    out.append(_p("Nach Ort", "h1"))
    if s.by_place:
        rows = [["Ort", "Kontrollen", "Feststellungen", "Maßnahmen"]]
        rows += [[_cell(p.name), words.num(p.checks), words.num(p.findings), words.num(p.measures)]
                 for p in s.by_place[:TOP_PLACES]]
        rest = s.by_place[TOP_PLACES:]
        if rest:
            rows.append([_cell(f"weitere {len(rest)} Orte"), words.num(sum(p.checks for p in rest)),
                         words.num(sum(p.findings for p in rest)),
                         words.num(sum(p.measures for p in rest))])
        out.append(_table(rows, [w * .46, w * .18, w * .18, w * .18]))
    else:
        out.append(_p("Keine Orte."))

    out += [_p("Feststellungen und Maßnahmen nach Art", "h1"),
            Paragraph(f"<b>Feststellungen:</b> {_kinds(s.findings_by_kind, 'f')}", STYLE["bullet"],
                      bulletText="•"),
            Paragraph(f"<b>Maßnahmen:</b> {_kinds(s.measures_by_kind, 'm')}", STYLE["bullet"],
                      bulletText="•"),
            Spacer(1, 6),
            _p("Grundlage: Kontrollmeldungen der beteiligten Streifen im Einsatzzeitraum und "
               "-raum (Zeitpunkt der Kontrolle). Nachträglich übermittelte Meldungen sind "
               "enthalten, soweit sie bis zur Erstellung eingegangen sind.", "note")]
    return out


def render(s: wire.OperationSummary, *, cooperation: str, zone: ZoneInfo, made_at: datetime,
           reader_agency: str, agency_names: dict[str, str]) -> bytes:
    """The summary as PDF bytes: one A4 page."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
        bottomMargin=16 * mm, title=f"{TITLE} – {s.operation.name}", author=cooperation,
        subject=f"Schwerpunkteinsatz {_when(s.operation, zone)}", creator="Gemeinsame Streife",
        lang="de-DE")
    doc.build(story(s, cooperation=cooperation, zone=zone, made_at=made_at,
                    reader_agency=reader_agency, agency_names=agency_names))
    return out.getvalue()
