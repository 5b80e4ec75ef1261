"""Citizen complaints: the import from the city's complaint system (CSV variants, GeoJSON, bad
rows, duplicates, hostile files, the size limit), the gap between complaints and patrol effort
(hand-computed), and who may see what (officers nothing) -- on both backends."""

from __future__ import annotations

import csv
import io
import json
import math
import random
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from sync_server.complaints import gap
from tests.conftest import add_user, auth, login, make_report

UNTIL = datetime(2026, 11, 20, tzinfo=timezone.utc)
SINCE = UNTIL - timedelta(days=30)
WINDOW = {"since": "2026-10-21T00:00:00Z", "until": "2026-11-20T00:00:00Z"}
# id -> (lat, lon, type, district)
PLACES = {"westentor": (51.6807, 7.8105, wire.PlaceType.HOTSPOT, "mitte"),
          "pg-quiet": (51.6900, 7.8400, wire.PlaceType.PLAYGROUND, "mitte"),
          "pg-busy": (51.7150, 7.7700, wire.PlaceType.PLAYGROUND, "bockum")}
DISTRICTS = [("mitte", "Hamm-Mitte", 51.6807, 7.8150, 20.0), ("bockum", "Bockum-Hövel", 51.7150, 7.7700, 30.0)]
GERMAN_CSV = (
    "Vorgangsnummer;Eingang;Breite;Länge;Kategorie;Beschreibung;Name des Meldenden\r\n"
    "A-1;02.11.2026 22:15;51,68071;7,81052;Lärm;Musik bis spät;Erika Mustermann\r\n"
    "A-2;3.11.26 23:40:10;51,6806;7,8104;Drogen;Spritzen im Gebüsch;Max Muster\r\n"
    "A-3;04.11.2026 01:05 Uhr;51,6900;7,8401;Müll;;\r\n")


def ts(moment: datetime) -> str:
    return wire.format_timestamp(moment)


@pytest.fixture
def city(settings, storage):
    for d_id, name, lat, lon, area in DISTRICTS:
        d = wire.District(d_id, name, lat, lon, area)
        storage.upsert_district(d_id, wire.canonical_json(d).decode())
    for pid, (lat, lon, ptype, district) in PLACES.items():
        p = wire.Place(pid, f"Ort {pid}", ptype, lat, lon, 40.0, district_id=district)
        storage.upsert_places([(pid, wire.canonical_json(p).decode(), ptype.value, district, True)])
    add_user(storage, "offi")
    add_user(storage, "offikod", agency="kod")
    add_user(storage, "lead", wire.Role.SHIFT_LEAD)
    add_user(storage, "sup", wire.Role.SUPERVISOR)
    add_user(storage, "supkod", wire.Role.SUPERVISOR, "kod")
    add_user(storage, "adm", wire.Role.ADMIN)
    with TestClient(create_app(settings, storage)) as c:
        c.tok = {u: login(c, u) for u in ("offi", "offikod", "lead", "sup", "supkod", "adm")}
        c.storage = storage
        yield c


def upload(c, body: bytes | str, fmt: str = "csv", who: str = "adm"):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return c.post("/api/v1/admin/complaints/import", params={"format": fmt}, content=data,
                  headers={**auth(c.tok[who]), "Content-Type": "text/csv"})


def check(c, who: str, pid: str, when: datetime, visibility: str = "cooperation") -> None:
    lat, lon, *_ = PLACES[pid]
    body = make_report(place_id=pid, observed_at=ts(when), findings=[], visibility=visibility,
                       fix={"lat": lat, "lon": lon, "accuracy_m": 5.0, "fixed_at": ts(when),
                            "source": "gps"})
    r = c.post("/api/v1/reports/batch", json={"reports": [body]}, headers=auth(c.tok[who]))
    assert r.json()["results"][0]["status"] == "created", r.text


def geo(features: list) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def point(lon, lat, **props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def stored(c) -> list[tuple]:
    return c.storage.db.query("SELECT * FROM complaints ORDER BY id")


# ------------------------------------------------------------------ import


def test_a_german_spreadsheet_file_is_read_and_its_text_and_names_never_stored(city):
    r = upload(city, GERMAN_CSV)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["accepted"], rep["duplicates"], rep["rejected"], rep["placed"]) == (3, 0, 0, 3)
    assert [i["column"] for i in rep["ignored_columns"]] == ["Beschreibung", "Name des Meldenden"]
    rows = stored(city)
    assert [(r[0], r[1], r[4], r[5], r[6]) for r in rows] == [
        ("A-1", "2026-11-02T21:15:00.000Z", "noise", "westentor", "mitte"),  # CET: UTC+1
        ("A-2", "2026-11-03T22:40:10.000Z", "drugs", "westentor", "mitte"),
        ("A-3", "2026-11-04T00:05:00.000Z", "litter", "pg-quiet", "mitte")]
    assert rows[0][2] == pytest.approx(51.68071) and rows[0][3] == pytest.approx(7.81052)
    everything = json.dumps(rows, default=str) + json.dumps(city.storage.audit_log(limit=50))
    for secret in ("Musik", "Erika", "Mustermann", "Spritzen", "Max Muster"):
        assert secret not in everything


def test_comma_iso_windows_1252_split_date_and_time_and_tabs_are_read(city):
    iso = ("id,time,lat,lon,category\n"
           "c1,2026-11-05T10:00:00Z,51.6807,7.8105,noise\n"
           "c2,2026-11-05 12:00,51.7150,7.7700,Hunde\n")  # no offset: the city's time (CET)
    r = upload(city, iso).json()
    assert (r["accepted"], r["rejected"]) == (2, 0)
    split = "Nr;Datum;Uhrzeit;Breite;Länge;Art\n7;06.11.2026;08:30;51,715;7,77;Sachbeschädigung\n"
    r = upload(city, split.encode("cp1252")).json()
    assert r["accepted"] == 1 and r["notes"] == ["read as Windows-1252 (the file is not UTF-8)"]
    tabs = "id\ttime\tlat\tlon\tcategory\nt1\t2026-11-07T09:00:00+01:00\t51.69\t7.84\tyouth_groups\n"
    assert upload(city, tabs).json()["accepted"] == 1
    rows = {r[0]: r for r in stored(city)}
    assert rows["c2"][1] == "2026-11-05T11:00:00.000Z"
    assert (rows["7"][1], rows["7"][4], rows["7"][5]) == ("2026-11-06T07:30:00.000Z", "vandalism", "pg-busy")
    assert (rows["t1"][1], rows["t1"][4]) == ("2026-11-07T08:00:00.000Z", "youth_groups")


def test_geojson_points_are_read_and_other_features_rejected_by_number(city):
    doc = geo([point(7.8105, 51.6807, id="g1", time="2026-11-05T10:00:00Z", category="Alkohol",
                     text="Trinkgelage vor dem Kiosk"),
               {"type": "Feature", "id": 99, "geometry": {"type": "Point", "coordinates": [7.77, 51.715]},
                "properties": {"zeitpunkt": "05.11.2026 11:00", "kategorie": "dogs"}},
               {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[7, 51], [7.1, 51], [7, 51]]]},
                "properties": {"time": "2026-11-05T10:00:00Z", "category": "noise"}},
               point("7.8", 51.68, time="2026-11-05T10:00:00Z", category="noise"),
               "not a feature"])
    r = upload(city, doc, "geojson").json()
    assert r["accepted"] == 2, r
    assert [x["row"] for x in r["rejected_rows"]] == ["feature 3", "feature 4", "feature 5"]
    assert "Point" in r["rejected_rows"][0]["reason"]
    assert [i["column"] for i in r["ignored_columns"]] == ["text"]
    assert {x[0] for x in stored(city)} == {"g1", "99"}
    assert "Trinkgelage" not in json.dumps(stored(city))


def test_bad_rows_are_listed_with_their_reason_and_the_good_ones_kept(city):
    text = ("id;time;lat;lon;category\n"
            "ok;2026-11-05T10:00:00Z;51.6807;7.8105;noise\n"
            "cat;2026-11-05T10:00:00Z;51.6807;7.8105;Falschparken\n"
            "notime;;51.6807;7.8105;noise\n"
            "dateonly;05.11.2026;51.6807;7.8105;noise\n"
            "badtime;gestern abend;51.6807;7.8105;noise\n"
            "future;2099-01-01T00:00:00Z;51.6807;7.8105;noise\n"
            "lat;2026-11-05T10:00:00Z;91;7.8105;noise\n"
            "text;2026-11-05T10:00:00Z;nördlich;7.8105;noise\n"
            "swapped;2026-11-05T10:00:00Z;7.8105;51.6807;noise\n"
            "nan;2026-11-05T10:00:00Z;nan;7.8105;noise\n"
            "cells;2026-11-05T10:00:00Z;51.6807;7.8105;noise;extra\n")
    r = upload(city, text).json()
    assert r["accepted"] == 1 and r["rejected"] == 10
    why = {x["row"]: x["reason"] for x in r["rejected_rows"]}
    assert why["line 3"].startswith("category: unknown category 'Falschparken'")
    assert why["line 4"] == "time: missing"
    assert "date alone" in why["line 5"]
    assert why["line 6"].startswith("time: 'gestern abend' is neither")
    assert "future" in why["line 7"]
    assert why["line 8"].startswith("lat: 91.0 lies outside")
    assert why["line 9"].startswith("lat: 'nördlich'")
    assert "outside the city" in why["line 10"] and "swapped" in why["line 10"]
    assert why["line 11"].startswith("lat:")
    assert "cells" in why["line 12"]
    assert [x[0] for x in stored(city)] == ["ok"]


def test_reimporting_a_file_counts_nothing_twice(city):
    assert upload(city, GERMAN_CSV).json()["accepted"] == 3
    again = upload(city, GERMAN_CSV).json()
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    assert [d["id"] for d in again["duplicate_rows"]] == ["A-1", "A-2", "A-3"]
    # no id column: the key is time + position + category, so the same rows dedupe as well
    no_id = "time,lat,lon,category\n2026-11-05T10:00:00Z,51.6807,7.8105,noise\n" \
            "2026-11-05T10:00:00Z,51.6807,7.8105,noise\n2026-11-05T10:00:00Z,51.6807,7.8105,drugs\n"
    first = upload(city, no_id).json()
    assert (first["accepted"], first["duplicates"]) == (2, 1)
    assert first["duplicate_rows"] == [{"row": "line 3", "id": first["duplicate_rows"][0]["id"]}]
    assert upload(city, no_id).json()["accepted"] == 0
    assert len(stored(city)) == 5


@pytest.mark.parametrize("body, fmt, status, fragment", [
    (b"id;time\x00;lat\n", "csv", 422, "NUL"),
    (b"\x81\x8d\x8f\x90\x9d", "csv", 422, "neither UTF-8"),
    (b"", "csv", 422, "no header"),
    (("id,time,lat,lon,category\n\"" + "x" * 200_000 + "\",1,2,3,noise\n").encode(), "csv", 422, "CSV"),
    (b"[1, 2, 3]", "geojson", 422, "FeatureCollection"),
    (b'{"type": "FeatureCollection", "features": {}}', "geojson", 422, "list of features"),
    (b'{"type": "FeatureCollection", "features": [', "geojson", 422, ""),
    (b'{"type":"FeatureCollection","type":"x"}', "geojson", 422, "duplicate"),
])
def test_unusable_files_get_one_error_shape(city, body, fmt, status, fragment):
    r = upload(city, body, fmt)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] in ("invalid_value", "malformed_json") and fragment in err["message"]


def test_too_many_rows_and_too_many_bytes_are_refused(city, monkeypatch):
    from sync_server import complaints_import

    monkeypatch.setattr(complaints_import, "MAX_ROWS", 3)
    r = upload(city, "id,time,lat,lon,category\n" + "".join(
        f"{i},2026-11-05T10:00:00Z,51.68,7.81,noise\n" for i in range(4)))
    assert r.status_code == 422 and "at most 3 complaints" in r.json()["error"]["message"]
    big = b"id,time,lat,lon,category\n" + b"x" * (city.app.state.settings.max_import_body + 1)
    r = upload(city, big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    assert stored(city) == []


def test_fuzzed_files_never_answer_500(city):
    rng = random.Random(16)
    seeds = [GERMAN_CSV.encode(), geo([point(7.81, 51.68, id="f", time="2026-11-05T10:00:00Z",
                                              category="noise")]).encode()]
    for i in range(150):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 12)):
            at = rng.randrange(len(data))
            op = rng.random()
            if op < 0.4:
                data[at] = rng.randrange(256)
            elif op < 0.7:
                data[at:at] = rng.choice([b";", b",", b"\"", b"\n", b"{", b"]", b"1e999", b"-", b"."])
            else:
                del data[at:at + rng.randint(1, 8)]
        r = upload(city, bytes(data), "geojson" if i % 2 else "csv")
        assert r.status_code in (200, 422), (i, r.status_code, r.text)
        assert "error" in r.json() or "accepted" in r.json()


# ------------------------------------------------------------------ the gap


def test_the_gap_formula_by_hand():
    score, lower = gap(1, 0, 0.5)  # one complaint, never checked
    assert score == pytest.approx(3.5 / 5) and lower == pytest.approx((3.5 - 1.2816 * math.sqrt(3.5)) / 5)
    assert lower == pytest.approx(0.2205, abs=1e-4) and lower < 0.5
    score, lower = gap(20, 4, 0.5)
    assert score == pytest.approx(2.5) and lower == pytest.approx(1.8245, abs=1e-4)
    assert gap(0, 10, 0.0) == (0.0, 0.0)


def test_places_and_districts_are_ranked_by_the_lower_bound(city):
    # westentor: 12 complaints, 2 checks; pg-quiet: 1 complaint, no check; pg-busy: 3, 10 checks
    rows = ["id,time,lat,lon,category"]
    for i in range(12):
        rows.append(f"w{i},2026-11-0{1 + i % 9}T20:00:00Z,51.6807,7.8105,{'noise' if i % 3 else 'drugs'}")
    rows.append("q0,2026-11-03T20:00:00Z,51.6900,7.8400,litter")
    rows += [f"b{i},2026-11-04T20:00:00Z,51.7150,7.7700,dogs" for i in range(3)]
    rows.append("far,2026-11-04T20:00:00Z,51.7000,7.7000,noise")  # near no place, in bockum
    rows.append("old,2026-09-04T20:00:00Z,51.6807,7.8105,noise")  # before the window
    assert upload(city, "\n".join(rows) + "\n").json()["accepted"] == 18
    day = SINCE + timedelta(days=5, hours=10)
    for k in range(2):
        check(city, "offi", "westentor", day + timedelta(hours=k))
    for k in range(10):
        check(city, "offikod", "pg-busy", day + timedelta(hours=k))
    r = city.get("/api/v1/situation/complaints", params=WINDOW, headers=auth(city.tok["sup"]))
    assert r.status_code == 200, r.text
    pic = r.json()
    R = 16 / 12  # complaints near places / checks at places
    assert (pic["complaints"], pic["placed"], pic["checks"]) == (17, 16, 12)
    assert pic["city_rate"] == pytest.approx(R, abs=1e-4)
    assert pic["by_category"] == {"dogs": 3, "drugs": 4, "litter": 1, "noise": 9}

    def expect(c, k, rate):
        a, b = c + 5 * rate, k + 5
        return a / b, max(0.0, (a - 1.2816 * math.sqrt(a)) / b)

    got = {p["place_id"]: p for p in pic["places"]}
    assert [p["place_id"] for p in pic["places"]] == ["westentor", "pg-quiet", "pg-busy"]
    for pid, c, k in (("westentor", 12, 2), ("pg-quiet", 1, 0), ("pg-busy", 3, 10)):
        s, lo = expect(c, k, R)
        assert (got[pid]["complaints"], got[pid]["checks"]) == (c, k)
        assert got[pid]["score"] == pytest.approx(s, abs=1e-4)
        assert got[pid]["lower"] == pytest.approx(lo, abs=1e-4)
    assert [p["stands_out"] for p in pic["places"]] == [True, False, False]
    assert pic["checks_by_type"] == {"hotspot": 2, "playground": 10}
    # the one complaint at an unchecked place scores above the city, but its bound does not
    assert got["pg-quiet"]["score"] > R > got["pg-quiet"]["lower"]
    assert got["westentor"]["by_category"] == {"drugs": 4, "noise": 8}
    AR = 17 / 12
    areas = {a["key"]: a for a in pic["districts"]}
    assert (areas["mitte"]["complaints"], areas["mitte"]["checks"]) == (13, 2)
    assert (areas["bockum"]["complaints"], areas["bockum"]["checks"]) == (4, 10)
    assert areas["mitte"]["lower"] == pytest.approx(expect(13, 2, AR)[1], abs=1e-4)
    assert [a["key"] for a in pic["districts"]] == ["mitte", "bockum"]
    assert pic["points_total"] == 17 and len(pic["points"]) == 17
    assert set(pic["points"][0]) == {"at", "lat", "lon", "category", "place_id", "district_id"}
    # filters: a district, a place type
    # the same figures as CSV (machines: codes; German spreadsheets: words) and GeoJSON
    r = city.get("/api/v1/export/complaint-gaps.csv", params=WINDOW, headers=auth(city.tok["sup"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["level"], x["id"], x["complaints"], x["checks"], x["stands_out"]) for x in rows] == [
        ("place", "westentor", "12", "2", "true"), ("place", "pg-quiet", "1", "0", "false"),
        ("place", "pg-busy", "3", "10", "false"), ("district", "mitte", "13", "2", "true"),
        ("district", "bockum", "4", "10", "false")]
    assert float(rows[0]["lower_bound"]) == pytest.approx(got["westentor"]["lower"], abs=1e-4)
    german = city.get("/api/v1/export/complaint-gaps.csv", params={**WINDOW, "dialect": "semicolon"},
                      headers=auth(city.tok["sup"])).content.decode("utf-8")
    head, first = german.splitlines()[:2]
    assert head.startswith("\ufeffEbene;ID;Name;Ortstyp;Stadtbezirk;Beschwerden;Kontrollen;")
    cells = first.split(";")
    assert cells[:7] == ["Ort", "westentor", "Ort westentor", "Brennpunkt", "Hamm-Mitte", "12", "2"]
    assert cells[-1] == "ja" and float(cells[7].replace(",", ".")) == pytest.approx(
        got["westentor"]["score"], abs=1e-4) and "," in cells[7]  # a decimal comma
    doc = city.get("/api/v1/export/complaint-gaps.geojson", params=WINDOW,
                   headers=auth(city.tok["sup"])).json()
    assert [f["id"] for f in doc["features"]] == ["westentor", "pg-quiet", "pg-busy"]
    assert doc["features"][0]["properties"]["by_category"] == {"drugs": 4, "noise": 8}
    assert doc["features"][0]["geometry"]["type"] == "Point"
    assert {"export.complaint_gaps_csv", "export.complaint_gaps_geojson"} <= {
        e["action"] for e in city.storage.audit_log()}
    r = city.get("/api/v1/situation/complaints", params={**WINDOW, "district_id": "bockum"},
                 headers=auth(city.tok["sup"])).json()
    assert (r["complaints"], [p["place_id"] for p in r["places"]]) == (4, ["pg-busy"])
    r = city.get("/api/v1/situation/complaints", params={**WINDOW, "place_type": "hotspot"},
                 headers=auth(city.tok["sup"])).json()
    assert (r["complaints"], r["checks"], r["points_total"]) == (12, 2, 12)


def test_checks_follow_the_agency_rule_of_the_reader(city):
    upload(city, "id,time,lat,lon,category\nw,2026-11-05T20:00:00Z,51.6807,7.8105,noise\n")
    day = SINCE + timedelta(days=5)
    check(city, "offi", "westentor", day)
    check(city, "offi", "westentor", day + timedelta(hours=1), visibility="agency")
    seen = {}
    for who in ("sup", "supkod"):
        pic = city.get("/api/v1/situation/complaints", params=WINDOW, headers=auth(city.tok[who])).json()
        seen[who] = pic["places"][0]["checks"]
    assert seen == {"sup": 2, "supkod": 1}


def test_the_shift_lead_gets_places_that_stand_out_as_counts_only(city):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    rows = ["id,time,lat,lon,category"]
    rows += [f"w{i},{ts(now - timedelta(days=1 + i % 20))},51.6807,7.8105,drugs" for i in range(15)]
    rows += ["q,%s,51.6900,7.8400,litter" % ts(now - timedelta(days=2))]
    rows += [f"b{i},{ts(now - timedelta(days=3))},51.7150,7.7700,dogs" for i in range(2)]
    upload(city, "\n".join(rows) + "\n")
    for k in range(6):
        check(city, "offikod", "pg-busy", now - timedelta(days=4, hours=k))
    r = city.get("/api/v1/planning/complaint-gaps", headers=auth(city.tok["lead"]))
    assert r.status_code == 200, r.text
    out = r.json()
    assert [p["place_id"] for p in out["places"]] == ["westentor"]
    assert out["places"][0]["complaints"] == 15 and out["places"][0]["by_category"] == {}
    assert "points" not in out
    r = city.get("/api/v1/planning/complaint-gaps", params={"district_id": "bockum"},
                 headers=auth(city.tok["lead"]))
    assert r.json()["places"] == []


# ------------------------------------------------------------------ who sees what


@pytest.mark.parametrize("who, layer, gaps, imports", [
    ("offi", 403, 403, 403), ("offikod", 403, 403, 403), ("lead", 403, 200, 403),
    ("sup", 200, 200, 403), ("adm", 403, 403, 200)])
def test_officers_never_see_complaints(city, who, layer, gaps, imports):
    assert upload(city, GERMAN_CSV).status_code == 200
    h = auth(city.tok[who])
    assert city.get("/api/v1/situation/complaints", params=WINDOW, headers=h).status_code == layer
    assert city.get("/api/v1/planning/complaint-gaps", headers=h).status_code == gaps
    for name in ("complaint-gaps.csv", "complaint-gaps.geojson"):
        assert city.get(f"/api/v1/export/{name}", params=WINDOW, headers=h).status_code == layer
    assert upload(city, GERMAN_CSV, who=who).status_code == imports
    if who.startswith("offi"):
        r = city.get("/api/v1/situation/complaints", params=WINDOW, headers=h)
        assert r.json()["error"]["code"] == "forbidden"
        page = city.get("/api/v1/sync", headers=h).text
        assert "complaint" not in page.lower() and "A-1" not in page


def test_a_file_without_the_needed_columns_is_refused_whole(city):
    r = upload(city, "Nr;Beschreibung;Straße\n1;laut;Südstraße 3\n")
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith(
        "the header names no column for: time, lat, lon, category")
    assert stored(city) == []


def test_the_command_line_imports_through_the_same_path(tmp_path, capsys):
    from sync_server.cli import main
    from sync_server.storage import SqliteStorage

    data = str(tmp_path / "srv")
    assert main(["--data", data, "init"]) == 0
    f = tmp_path / "beschwerden.csv"
    f.write_text("Nr;Eingang;Breite;Länge;Kategorie;Freitext\n1;02.11.2026 22:15;51,68;7,81;Lärm;laut\n"
                 "2;02.11.2026 22:15;51,68;7,81;Parken;x\n", encoding="utf-8")
    assert main(["--data", data, "import-complaints", str(f)]) == 3
    out = capsys.readouterr().out
    assert "accepted: 1 (0 near a place), duplicates: 0, rejected: 1" in out
    assert "column 'Freitext' ignored" in out and "rejected line 3: category" in out
    assert main(["--data", data, "import-complaints", str(f)]) == 3
    assert "accepted: 0 (0 near a place), duplicates: 1" in capsys.readouterr().out
    assert main(["--data", data, "import-complaints", str(tmp_path / "nope.csv")]) == 1
    g = tmp_path / "bad.geojson"
    g.write_text("{}")
    assert main(["--data", data, "import-complaints", str(g)]) == 1
    with SqliteStorage(tmp_path / "srv" / "server.db") as storage:
        assert storage.complaint_total() == 1


def test_the_demo_seeds_complaints_through_the_import_once(settings, storage):
    from sync_server.complaints import compute
    from sync_server.demo import seed_demo
    from sync_server.storage import PictureFilter

    now = datetime.now(timezone.utc)
    first = seed_demo(storage, settings, now=now)
    assert first["complaints"] == 320
    assert seed_demo(storage, settings, now=now)["complaints"] == 0  # all duplicates
    assert storage.complaint_total() == 320
    assert "Mustermann" not in json.dumps(storage.db.query("SELECT * FROM complaints"))
    pic = compute(storage, PictureFilter("police"), since=now - timedelta(days=91), until=now)
    # the two complaint hotspots lead (their order depends on the checks there: the demo's
    # Südstraße night adds some to the Südstraße)
    assert {g.place_id for g in pic.places[:2]} == {"suedstrasse", "westentor"}
    assert pic.placed > pic.complaints / 2  # clustered, some elsewhere
    assert not {g.type for g in pic.places} & {"dialogue_event", "innkeeper_contact"}
    types = {t for (t,) in storage.db.query(
        "SELECT p.type FROM reports r JOIN places p ON p.id = r.place_id")}
    assert {"dialogue_event", "innkeeper_contact"} <= types
    assert pic.checks_by_type["dialogue_event"] == 3 and pic.checks_by_type["innkeeper_contact"] == 2
