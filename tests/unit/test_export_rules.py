"""Exports are safe to open and follow their standard: CSV cells never become spreadsheet
formulas (both dialects, every text column, numbers stay numbers); GeoJSON polygons wind
counter-clockwise (RFC 7946's right-hand rule)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from patrol_wire.labels import CSV_HEADERS_DE
from sync_server.api.situation import CSV_COLUMNS, neutralise, outer_ring
from sync_server.app import create_app
from tests.conftest import add_user, auth, login, make_report, ts

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd",
           "  =1+2", "\u3000=1+2", "\uff1d1+2", "\n=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_that_would_start_a_formula_is_shown_as_text(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Alles ruhig.", "", "1 Person", "a=b", "E-Mail an KOD", "'quoted"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


def _place(storage, pid, name, polygon=None, lon=7.82):
    p = wire.Place(pid, name, wire.PlaceType.HOTSPOT, 51.68, lon, 30.0, polygon=polygon)
    storage.upsert_places([(p.id, wire.canonical_json(p).decode(), p.type.value, None, True)])


@pytest.fixture
def city(settings, storage):
    add_user(storage, "pol")
    add_user(storage, "sup", wire.Role.SUPERVISOR)
    _place(storage, "evil", "=HYPERLINK(\"http://x\",\"Platz\")")
    _place(storage, "west", "Westlich", lon=-0.5)
    with TestClient(create_app(settings, storage)) as c:
        c.tok = {u: login(c, u) for u in ("pol", "sup")}
        yield c


def _csv_rows(c, dialect) -> list[list[str]]:
    r = c.get("/api/v1/export/reports.csv", headers=auth(c.tok["sup"]),
              params={"since": ts(-3600), "until": ts(60), "dialect": dialect})
    assert r.status_code == 200, r.text
    text = r.content.decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";" if dialect == "semicolon" else ","))


def _csv(c, dialect):
    """Rows by column code, whichever headers the dialect writes."""
    rows = _csv_rows(c, dialect)
    codes = {CSV_HEADERS_DE[k]: k for k in CSV_COLUMNS} if dialect == "semicolon" else {}
    return [dict(zip([codes.get(h, h) for h in rows[0]], row)) for row in rows[1:]]


@pytest.mark.parametrize("dialect", ["comma", "semicolon"])
def test_csv_export_neutralises_every_text_column_and_keeps_numbers(city, dialect):
    c = city
    reports = [make_report(place_id="evil", note=note) for note in HOSTILE]
    west = make_report(place_id="west", note="-", fix={
        "lat": 51.68, "lon": -0.5, "accuracy_m": 8.0, "fixed_at": ts(-70), "source": "gps"})
    r = c.post("/api/v1/reports/batch", json={"reports": [*reports, west]},
               headers=auth(c.tok["pol"]))
    assert {x["status"] for x in r.json()["results"]} == {"created"}
    rows = {row["id"]: row for row in _csv(c, dialect)}
    for body in reports:
        row = rows[body["id"]]
        assert row["note"] == "'" + body["note"]
        assert row["place_name"].startswith("'=HYPERLINK")
    row = rows[west["id"]]
    assert row["note"] == "'-"
    assert row["lon"] == ("-0,5" if dialect == "semicolon" else "-0.5")  # a number, as it was
    for row in rows.values():  # no cell of any column starts a formula
        for column in CSV_COLUMNS:
            cell = row[column]
            assert not cell.lstrip().startswith(("=", "+", "@", "\t", "\r")), (column, cell)
            if cell.startswith("-"):
                float(cell.replace(",", "."))  # only numbers may start with a minus


def test_the_excel_csv_speaks_german_and_the_comma_csv_keeps_codes(city):
    """The semicolon file is for people: German headers and the app's words for every code;
    the comma file is for machines: the same columns under stable codes."""
    from patrol_app.ui.i18n import Translator  # the test may compare with the app; the server may not

    c = city
    report = make_report(place_id="west", note="Scherben am Eingang", severity="low",
                         findings=["broken_glass", "litter"], measures=["talk"])
    r = c.post("/api/v1/reports/batch", json={"reports": [report]}, headers=auth(c.tok["pol"]))
    assert r.json()["results"][0]["status"] == "created"
    comma, semi = _csv_rows(c, "comma"), _csv_rows(c, "semicolon")
    assert comma[0] == CSV_COLUMNS
    assert semi[0][:3] == ["ID", "Zeitpunkt (UTC)", "Zeitpunkt"]
    assert "Feststellungen" in semi[0] and "Prüfstatus" in semi[0] and "findings" not in semi[0]
    by_code = dict(zip(comma[0], comma[1]))
    assert (by_code["severity"], by_code["findings"], by_code["measures"]) == (
        "low", "broken_glass | litter", "talk")
    assert (by_code["review_state"], by_code["visibility"]) == ("submitted", "cooperation")
    de = dict(zip(semi[0], semi[1]))
    t = Translator("de")
    assert de["Schweregrad"] == t("sev_low") == "gering"
    assert de["Feststellungen"] == f"{t('f_broken_glass')} | {t('f_litter')}" == "Glasscherben | Müll"
    assert de["Maßnahmen"] == "Ansprache" and de["Behörde"] == "Polizei"
    assert de["Prüfstatus"] == t("rs_submitted") == "eingegangen"
    assert de["Anwesenheit laut Gerät"] == t("v_" + by_code["device_verdict"])
    assert de["Sichtbarkeit"] == "Kooperation"
    # every value cell of the German file is a German word, never an English code
    codes = {by_code[k] for k in ("severity", "review_state", "visibility", "agency",
                                  "device_verdict", "server_verdict")}
    assert not codes & set(semi[1]), codes & set(semi[1])


def test_places_geojson_polygons_wind_counter_clockwise(city, storage):
    c = city
    square = [[7.80, 51.67], [7.81, 51.67], [7.81, 51.68], [7.80, 51.68]]  # counter-clockwise
    _place(storage, "ccw", "Gegen den Uhrzeigersinn", polygon=square)
    _place(storage, "cw", "Im Uhrzeigersinn", polygon=square[::-1] + [square[-1]])
    fc = c.get("/api/v1/export/places.geojson", headers=auth(c.tok["sup"])).json()
    rings = {f["id"]: f["geometry"]["coordinates"][0] for f in fc["features"]
             if f["geometry"]["type"] == "Polygon"}
    assert rings.keys() == {"ccw", "cw"}
    for ring in rings.values():
        assert ring[0] == ring[-1]
        assert _twice_area(ring) > 0  # the right-hand rule: the interior lies to the left
    assert rings["ccw"] == [*square, square[0]]


def _twice_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))


def test_outer_ring_keeps_a_counter_clockwise_ring_and_turns_a_clockwise_one():
    ccw = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    assert outer_ring(ccw) == ccw
    assert outer_ring(ccw[::-1]) == ccw
    assert outer_ring([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]) == ccw  # closed on the way
