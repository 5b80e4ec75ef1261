"""German words and number formats for the steering group's report.

The report is a German document whatever the reader's app language; the server does not import
the app's i18n, so the few labels it prints live here (kept in step with patrol_app/ui/i18n/).
Agencies are data: their German names come from the agencies table (``SteeringFigures``).
"""

from __future__ import annotations

from datetime import datetime

PLACE_TYPE = {
    "playground": "Spielplätze", "event": "Veranstaltungen", "drug_scene": "Drogenszene",
    "nightlife": "Nachtleben", "hotspot": "Brennpunkte", "other": "Sonstige Orte",
    "dialogue_event": "Dialogveranstaltungen", "innkeeper_contact": "Wirtekontakte",
}
PLACE_TYPE_ONE = {
    "playground": "Spielplatz", "event": "Veranstaltung", "drug_scene": "Drogenszene",
    "nightlife": "Nachtleben", "hotspot": "Brennpunkt", "other": "Sonstiger Ort",
    "dialogue_event": "Dialogveranstaltung", "innkeeper_contact": "Wirtekontakt",
}
FINDING = {
    "litter": "Müll", "broken_glass": "Glasscherben", "syringes": "Spritzen",
    "damaged_equipment": "Beschädigte Geräte", "vandalism": "Vandalismus",
    "drug_use": "Drogenkonsum", "drug_dealing": "Drogenhandel", "alcohol": "Alkohol",
    "youth_protection": "Jugendschutz", "noise": "Lärm", "aggression": "Aggression",
    "weapons": "Waffen", "unleashed_dogs": "Hunde ohne Leine",
    "illegal_dumping": "Illegale Müllablagerung", "poor_lighting": "Schlechte Beleuchtung",
    "other": "Sonstiges",
}
TREND = {"up": "steigend", "down": "fallend", "flat": "gleichbleibend", "new": "neu"}
WEEKDAYS = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
MINUS = "\u2212"  # the typographic minus sign


def num(n: int | float) -> str:
    """1234567 -> '1.234.567' (German thousands separator)."""
    return f"{round(n):,}".replace(",", ".")


def dec(x: float, places: int = 2) -> str:
    """0.4567 -> '0,46'."""
    text = f"{x:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return text.replace("-", MINUS)


def pct(part: int, whole: int) -> str:
    """Share as '42,0 %' ('–' when there is no whole)."""
    return "–" if whole <= 0 else f"{dec(100 * part / whole, 1)} %"


def change(now: float, before: float) -> str:
    """Relative change against the previous period: '+12,3 %', '−4,0 %', '±0 %', or 'neu' when
    there was nothing before."""
    if before == 0:
        return "±0 %" if now == 0 else "neu"
    rel = 100 * (now - before) / before
    if round(rel, 1) == 0:
        return "±0 %"
    return ("+" if rel > 0 else MINUS) + f"{dec(abs(rel), 1 if abs(rel) < 1000 else 0)} %"


def points(now: float, before: float) -> str:
    """Change of a share in percentage points: '+3,5 Pp.'."""
    d = round(now - before, 1)
    if d == 0:
        return "±0 Pp."
    return ("+" if d > 0 else MINUS) + f"{dec(abs(d), 1)} Pp."


def date(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y")


def date_time(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y, %H:%M Uhr")
