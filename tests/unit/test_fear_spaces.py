"""Fear spaces for the planning office: checklist answers (broken or missing lighting, the
fear-space hint) and poor-lighting findings become a list (CSV) and a map layer (GeoJSON) per
place, with the agency rule and without names."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from tests.conftest import add_user, auth, login, make_report

UNTIL = datetime(2026, 11, 20, tzinfo=timezone.utc)
SINCE = UNTIL - timedelta(days=30)
PLACES = {"pg-dark": (51.680, 7.820, wire.PlaceType.PLAYGROUND, "mitte"),
          "pg-fine": (51.690, 7.830, wire.PlaceType.PLAYGROUND, "mitte"),
          "tunnel": (51.700, 7.840, wire.PlaceType.HOTSPOT, "nord")}


def ts(moment: datetime) -> str:
    return wire.format_timestamp(moment)


@pytest.fixture
def city(settings, storage):
    for pid, (lat, lon, ptype, district) in PLACES.items():
        polygon = ([[lon, lat], [lon + .001, lat], [lon + .001, lat + .001], [lon, lat]]
                   if pid == "tunnel" else None)  # clockwise: the export turns it around
        p = wire.Place(pid, f"Ort {pid}", ptype, lat, lon, 40.0, district_id=district,
                       polygon=polygon)
        storage.upsert_places([(pid, wire.canonical_json(p).decode(), ptype.value, district, True)])
    add_user(storage, "frau-zyxwolf")
    add_user(storage, "herr-quaxbert", agency="kod")
    add_user(storage, "sup", wire.Role.SUPERVISOR)
    add_user(storage, "supkod", wire.Role.SUPERVISOR, "kod")
    with TestClient(create_app(settings, storage)) as c:
        c.tok = {u: login(c, u) for u in ("frau-zyxwolf", "herr-quaxbert", "sup", "supkod")}

        def send(who, pid, when, answers=None, findings=(), visibility="cooperation"):
            lat, lon, *_ = PLACES[pid]
            body = make_report(place_id=pid, observed_at=ts(when), answers=answers or {},
                               findings=list(findings), visibility=visibility,
                               fix={"lat": lat, "lon": lon, "accuracy_m": 5.0, "fixed_at": ts(when),
                                    "source": "gps"})
            r = c.post("/api/v1/reports/batch", json={"reports": [body]}, headers=auth(c.tok[who]))
            assert r.json()["results"][0]["status"] == "created", r.text

        day = SINCE + timedelta(days=2, hours=18)
        send("frau-zyxwolf", "pg-dark", day, {"lighting": "defekt"})
        send("herr-quaxbert", "pg-dark", day + timedelta(days=3), {"lighting": "keine"}, ["poor_lighting"])
        send("herr-quaxbert", "pg-dark", day + timedelta(days=4), {"lighting": "ok"})
        send("herr-quaxbert", "pg-fine", day, {"lighting": "ok"}, ["litter"])
        send("frau-zyxwolf", "tunnel", day + timedelta(days=1),
             {"fear_space_issue": "Unterführung ohne Licht, keine Sicht zum Ausgang"})
        send("frau-zyxwolf", "tunnel", day + timedelta(days=5),
             {"fear_space_issue": "=HYPERLINK(\"http://x\")"})
        send("frau-zyxwolf", "tunnel", day + timedelta(days=6),
             {"fear_space_issue": "Nur für uns: Hinterausgang offen"}, visibility="agency")
        send("frau-zyxwolf", "pg-dark", SINCE - timedelta(days=3), {"lighting": "defekt"})  # before
        yield c


def get(c, who, name, **params):
    r = c.get(f"/api/v1/export/{name}", headers=auth(c.tok[who]),
              params={"since": ts(SINCE), "until": ts(UNTIL), **params})
    assert r.status_code == 200, r.text
    return r


def test_the_map_layer_lists_places_with_signals_most_first(city):
    r = get(city, "sup", "fear-spaces.geojson")
    assert r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert [f["id"] for f in doc["features"]] == ["tunnel", "pg-dark"]  # pg-fine: nothing to say
    tunnel, dark = (f["properties"] for f in doc["features"])
    assert (dark["checks"], dark["reports_with_signal"], dark["lighting_broken"],
            dark["lighting_none"], dark["poor_lighting"]) == (3, 2, 1, 1, 1)
    assert doc["features"][1]["geometry"] == {"type": "Point", "coordinates": [7.82, 51.68]}
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    assert doc["features"][0]["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
    assert [h["text"] for h in tunnel["hints"]] == [  # newest first, the police-only one too
        "Nur für uns: Hinterausgang offen", "=HYPERLINK(\"http://x\")",
        "Unterführung ohne Licht, keine Sicht zum Ausgang"]
    assert tunnel["first_seen_local"] == "2026-10-24 20:00"  # 18:00 UTC, summer time
    assert "zyxwolf" not in r.text.lower() and "quaxbert" not in r.text.lower()


def test_a_kod_reader_does_not_get_police_only_hints(city):
    doc = get(city, "supkod", "fear-spaces.geojson").json()
    tunnel = next(f["properties"] for f in doc["features"] if f["id"] == "tunnel")
    assert "Nur für uns: Hinterausgang offen" not in [h["text"] for h in tunnel["hints"]]
    assert (tunnel["checks"], tunnel["reports_with_signal"]) == (2, 2)


def test_the_list_as_csv_neutralises_formulas_and_speaks_german_spreadsheets(city):
    rows = list(csv.DictReader(io.StringIO(get(city, "sup", "fear-spaces.csv").text)))
    assert [r["place_id"] for r in rows] == ["tunnel", "pg-dark"]
    assert rows[1]["lighting_broken"] == "1" and rows[1]["checks"] == "3"
    assert rows[0]["hints"].split(" | ")[1] == "=HYPERLINK(\"http://x\")"  # inside the cell
    assert rows[0]["hints"].startswith("Nur für uns")
    german = get(city, "sup", "fear-spaces.csv", dialect="semicolon").content.decode("utf-8")
    assert german.startswith("\ufeffOrt-ID;Ort;Ortstyp;Stadtbezirk;") and ";51,68;7,82;" in german
    assert "place_id" not in german and "playground" not in german and ";Spielplatz;" in german


def test_filters_and_audit(city, storage):
    doc = get(city, "sup", "fear-spaces.geojson", district_id="nord").json()
    assert [f["id"] for f in doc["features"]] == ["tunnel"]
    actions = [e["action"] for e in storage.audit_log()]
    assert "export.fear_spaces_geojson" in actions


def test_only_supervisors_and_the_one_error_shape(city):
    r = city.get("/api/v1/export/fear-spaces.csv", headers=auth(city.tok["frau-zyxwolf"]))
    assert r.status_code == 403
    r = city.get("/api/v1/export/fear-spaces.csv", headers=auth(city.tok["sup"]),
                 params={"since": ts(UNTIL), "until": ts(SINCE)})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_value"


def test_the_pictures_list_is_the_exports_places(city):
    r = city.get("/api/v1/situation/fear-spaces", headers=auth(city.tok["supkod"]),
                 params={"since": ts(SINCE), "until": ts(UNTIL)})
    assert r.status_code == 200, r.text
    rows = r.json()
    layer = get(city, "supkod", "fear-spaces.geojson").json()["features"]
    assert [x["place_id"] for x in rows] == [f["id"] for f in layer]
    for row, f in zip(rows, layer):
        assert row["checks"] == f["properties"]["checks"]
        assert row["hints"] == [h["text"] for h in f["properties"]["hints"]]
    assert "Hinterausgang" not in r.text  # the police's agency-only hint
    r = city.get("/api/v1/situation/fear-spaces", headers=auth(city.tok["frau-zyxwolf"]))
    assert r.status_code == 403
