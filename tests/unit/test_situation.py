"""The situation picture on small hand-made data where the right answer is known."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server import situation
from sync_server.app import create_app
from sync_server.storage import PictureFilter
from tests.conftest import add_user, auth, login, make_report

UNTIL = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
SINCE = UNTIL - timedelta(days=7)
PREV = SINCE - timedelta(days=7)


def add_place(storage, pid, district="mitte", ptype=wire.PlaceType.PLAYGROUND, category="A",
              lat=51.68, **extra):
    p = wire.Place(pid, f"Platz {pid}", ptype, lat, 7.82, 30.0, district_id=district,
                   category=category, **extra)
    storage.upsert_places([(p.id, wire.canonical_json(p).decode(), ptype.value, district, p.active)])


def ts(moment: datetime) -> str:
    return wire.format_timestamp(moment)


@pytest.fixture
def city(settings, storage):
    """Two districts, five places. Police officer ``pol`` and KOD officer ``kod`` report."""
    for did, name in (("mitte", "Mitte"), ("nord", "Nord")):
        d = wire.District(did, name, 51.68, 7.82, 10.0)
        storage.upsert_district(did, wire.canonical_json(d).decode())
    add_place(storage, "a")  # many checks, many findings
    add_place(storage, "b")  # one check, two findings: must not top the list
    add_place(storage, "c", district="nord", category="B")
    add_place(storage, "d", district="nord", category="B")  # never checked
    add_place(storage, "x", ptype=wire.PlaceType.DRUG_SCENE, category=None)
    add_place(storage, "old", active=False)  # retired: not in coverage
    add_user(storage, "pol")
    add_user(storage, "kod", agency="kod")
    add_user(storage, "sup", wire.Role.SUPERVISOR)
    add_user(storage, "supkod", wire.Role.SUPERVISOR, "kod")
    with TestClient(create_app(settings, storage)) as c:
        c.tok = {u: login(c, u) for u in ("pol", "kod", "sup", "supkod")}
        yield c


def send(c, who, place, when, findings=(), measures=(), visibility="cooperation"):
    body = make_report(place_id=place, observed_at=ts(when), findings=list(findings),
                       measures=list(measures), visibility=visibility,
                       fix={"lat": 51.68, "lon": 7.82, "accuracy_m": 5.0, "fixed_at": ts(when),
                            "source": "gps"})
    r = c.post("/api/v1/reports/batch", json={"reports": [body]}, headers=auth(c.tok[who]))
    assert r.json()["results"][0]["status"] == "created", r.text


def picture(c, who="sup", **params) -> dict:
    r = c.get("/api/v1/situation", headers=auth(c.tok[who]),
              params={"since": ts(SINCE), "until": ts(UNTIL), **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_smoothing_and_trend_by_hand(city):
    c = city
    day = SINCE + timedelta(days=1, hours=10)
    for i in range(8):  # a: 8 checks, 8 findings now
        send(c, "pol", "a", day + timedelta(hours=i), findings=["litter"])
    send(c, "pol", "b", day, findings=["syringes", "broken_glass"])  # b: 1 check, 2 findings
    send(c, "kod", "c", day, measures=["talk"])  # c: 1 check, no finding
    for i in range(4):  # previous window: a had 4 checks, 1 finding -> a is trending up
        send(c, "pol", "a", PREV + timedelta(days=2, hours=i), findings=["litter"] if i == 0 else [])
    pic = picture(c)

    r = 10 / 10  # city-wide: 10 findings in 10 checks
    assert pic["checks"] == 10 and pic["findings"] == 10 and pic["measures"] == 1
    assert math.isclose(pic["city_rate"], r)
    m = situation.PRIOR_CHECKS
    scores = {h["place_id"]: h for h in pic["hotspots"]}
    assert math.isclose(scores["a"]["score"], (8 + m * r) / (8 + m), abs_tol=1e-4)
    assert math.isclose(scores["b"]["score"], (2 + m * r) / (1 + m), abs_tol=1e-4)
    assert math.isclose(scores["c"]["score"], (0 + m * r) / (1 + m), abs_tol=1e-4)
    # raw rate: b 2.0 > a 1.0; smoothed, b (1.17) stays close to the city rate and a (1.0) too
    assert scores["b"]["score"] < 2.0 * 0.6
    prev_r = 1 / 4
    assert math.isclose(scores["a"]["prev_score"], (1 + m * prev_r) / (4 + m), abs_tol=1e-4)
    assert scores["a"]["trend"] == "up" and scores["b"]["trend"] == "new"


def test_trend_rule():
    assert situation.trend(1.0, 1.0, 3) is wire.Trend.FLAT
    assert situation.trend(1.5, 1.0, 3) is wire.Trend.UP
    assert situation.trend(0.5, 1.0, 3) is wire.Trend.DOWN
    assert situation.trend(1.04, 1.0, 3) is wire.Trend.FLAT  # below the minimum change
    assert situation.trend(1.0, 0.0, 0) is wire.Trend.NEW


def test_coverage_districts_categories_and_filters(city):
    c = city
    day = SINCE + timedelta(days=2, hours=12)
    send(c, "pol", "a", day, findings=["litter", "syringes"])
    send(c, "pol", "a", day + timedelta(hours=1))
    send(c, "kod", "c", day, findings=["litter"], measures=["talk", "order_to_leave"])
    send(c, "kod", "x", day, findings=["drug_use"])
    pic = picture(c)
    cov = {(x["place_type"], x["district_id"]): (x["checked"], x["total"]) for x in pic["coverage"]}
    assert cov[("playground", None)] == (2, 4)  # a, c of a, b, c, d ("old" is retired)
    assert cov[("playground", "mitte")] == (1, 2) and cov[("playground", "nord")] == (1, 2)
    assert cov[("drug_scene", None)] == (1, 1)
    areas = {a["key"]: (a["checks"], a["findings"], a["measures"]) for a in pic["by_district"]}
    assert areas == {"mitte": (3, 3, 0), "nord": (1, 1, 2)}
    assert pic["findings_by_category"] == {"drug_use": 1, "litter": 2, "syringes": 1}
    nord = picture(c, district_id="nord")
    assert (nord["checks"], nord["findings"]) == (1, 1)
    assert picture(c, category="B")["checks"] == 1
    assert picture(c, place_type="drug_scene")["findings_by_category"] == {"drug_use": 1}
    assert picture(c, agency="kod")["checks"] == 2


def test_grid_and_days_are_local_time(city):
    c = city
    # Tuesday 2026-11-17 23:30 UTC is Wednesday 00:30 in Hamm (CET, UTC+1)
    send(c, "pol", "a", datetime(2026, 11, 17, 23, 30, tzinfo=timezone.utc), findings=["noise", "alcohol"])
    pic = picture(c)
    assert pic["grid"][2][0] == 2 and sum(map(sum, pic["grid"])) == 2  # Wednesday (2), hour 0
    assert pic["timeline"] == [{"day": "2026-11-18", "checks": 1, "findings": 2}]


def test_agency_only_reports_count_only_inside_their_agency(city):
    c = city
    day = SINCE + timedelta(days=3)
    send(c, "pol", "a", day, findings=["weapons"], visibility="agency")
    send(c, "kod", "a", day, findings=["litter"])
    assert picture(c, "sup")["findings_by_category"] == {"litter": 1, "weapons": 1}
    kod_view = picture(c, "supkod")
    assert kod_view["findings_by_category"] == {"litter": 1} and kod_view["checks"] == 1
    geo = c.get("/api/v1/export/reports.geojson", headers=auth(c.tok["supkod"]),
                params={"since": ts(SINCE), "until": ts(UNTIL)}).json()
    assert len(geo["features"]) == 1


def test_window_and_role_rules(city):
    c = city
    r = c.get("/api/v1/situation", headers=auth(c.tok["sup"]),
              params={"since": ts(UNTIL), "until": ts(SINCE)})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_value"
    assert c.get("/api/v1/situation", headers=auth(c.tok["pol"])).status_code == 403
    assert c.get("/api/v1/export/reports.csv", headers=auth(c.tok["pol"])).status_code == 403


def test_geojson_exports_are_rfc7946(city):
    c = city
    day = SINCE + timedelta(days=1)
    send(c, "pol", "a", day, findings=["litter"])
    body = make_report(place_id=None, observed_at=ts(day), fix=None, no_fix_reason="drinnen",
                       presence={"verdict": "no_fix"})
    c.post("/api/v1/reports/batch", json={"reports": [body]}, headers=auth(c.tok["pol"]))
    r = c.get("/api/v1/export/reports.geojson", headers=auth(c.tok["sup"]),
              params={"since": ts(SINCE), "until": ts(UNTIL)})
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = json.loads(r.content)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 2
    located, unlocated = fc["features"]
    assert located["geometry"] == {"type": "Point", "coordinates": [7.82, 51.68]}  # lon, lat
    assert unlocated["geometry"] is None
    assert "author" not in located["properties"] and "note" not in located["properties"]
    places = c.get("/api/v1/export/places.geojson", headers=auth(c.tok["sup"]),
                   params={"since": ts(SINCE), "until": ts(UNTIL)}).json()
    by_id = {f["id"]: f for f in places["features"]}
    assert by_id["a"]["properties"]["checks"] == 1 and by_id["a"]["geometry"]["type"] == "Point"
    lon, lat = by_id["a"]["geometry"]["coordinates"]
    assert (lon, lat) == (7.82, 51.68)


def test_csv_dialects(city):
    c = city
    send(c, "pol", "a", SINCE + timedelta(days=1), findings=["litter", "syringes"])
    plain = c.get("/api/v1/export/reports.csv", headers=auth(c.tok["sup"]),
                  params={"since": ts(SINCE), "until": ts(UNTIL)})
    rows = list(csv.reader(io.StringIO(plain.content.decode("utf-8"))))
    assert rows[0][0] == "id" and rows[1][9] == "litter | syringes" and rows[1][12] == "51.68"
    german = c.get("/api/v1/export/reports.csv", headers=auth(c.tok["sup"]),
                   params={"since": ts(SINCE), "until": ts(UNTIL), "dialect": "semicolon"})
    text = german.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][12] == "51,68" and rows[1][2].count(".") == 2  # 14.11.2026 01:00


def test_exports_are_audited(city, storage):
    c = city
    c.get("/api/v1/export/reports.csv", headers=auth(c.tok["sup"]))
    c.get("/api/v1/export/places.geojson", headers=auth(c.tok["sup"]))
    actions = [e["action"] for e in storage.audit_log()]
    assert "export.reports_csv" in actions and "export.places_geojson" in actions


def test_missed_checkpoints_in_the_picture(city, storage):
    from sync_server import planning

    tpl = wire.RouteTemplate("r", "Runde", [wire.TemplateStop("a", 0, 30), wire.TemplateStop("c", 60, 90)])
    start = SINCE + timedelta(days=1, hours=8)
    storage.upsert_team("t", "Team", None, [])
    a = planning.concrete_assignment(tpl, "t", ts(start), ts(start + timedelta(hours=8)))
    storage.upsert_assignment(a.id, "t", wire.canonical_json(a).decode(), shift_start=ts(start),
                              shift_end=ts(start + timedelta(hours=8)))
    pic = situation.compute(storage, PictureFilter("police"), since=SINCE, until=UNTIL)
    assert [(m["place_id"] if isinstance(m, dict) else m.place_id) for m in pic.missed] == ["a", "c"]
    only_nord = situation.compute(storage, PictureFilter("police", district_id="nord"), since=SINCE,
                                  until=UNTIL)
    assert [m.place_id for m in only_nord.missed] == ["c"]


def test_picture_tells_late_from_missed_and_hides_another_agencys_check_times(city, storage):
    """Stop a checked on site 40 minutes after its window (+ grace) by a police-only report,
    stop c never: the police supervisor sees a late and a missed stop with the check's time;
    the KOD supervisor the same states, but not when the police were there."""
    from sync_server import planning

    tpl = wire.RouteTemplate("r", "Runde", [wire.TemplateStop("a", 0, 30), wire.TemplateStop("c", 60, 90)])
    start = SINCE + timedelta(days=1, hours=8)
    storage.upsert_team("t", "Team", None, [])
    a = planning.concrete_assignment(tpl, "t", ts(start), ts(start + timedelta(hours=8)))
    storage.upsert_assignment(a.id, "t", wire.canonical_json(a).decode(), shift_start=ts(start),
                              shift_end=ts(start + timedelta(hours=8)))
    late = start + timedelta(minutes=30 + 15 + 40)
    body = make_report(place_id="a", observed_at=ts(late), team_id="t", visibility="agency",
                       fix={"lat": 51.68, "lon": 7.82, "accuracy_m": 5.0, "fixed_at": ts(late),
                            "source": "gps"})
    storage.upsert_team("t", "Team", None, [storage.user_by_name("pol")[0].id])
    r = city.post("/api/v1/reports/batch", json={"reports": [body]}, headers=auth(city.tok["pol"]))
    assert r.json()["results"][0]["status"] == "created", r.text
    police, kod = picture(city, "sup")["missed"], picture(city, "supkod")["missed"]
    assert [(m["place_id"], m["status"], m["checked_at"]) for m in police] == [
        ("a", "late", ts(late)), ("c", "missed", None)]
    assert [(m["place_id"], m["status"], m["checked_at"]) for m in kod] == [
        ("a", "late", None), ("c", "missed", None)]


def test_finding_bits_only_grow_at_the_end():
    # the server stores findings as bits in this order: never reorder, only append
    assert list(wire.FINDING_BITS)[:6] == ["litter", "broken_glass", "syringes",
                                            "damaged_equipment", "vandalism", "drug_use"]
    assert list(wire.FINDING_BITS.values()) == list(range(len(wire.Finding)))


def test_basemap_tiles_are_served_from_mbtiles(settings, storage, tmp_path):
    from sync_server.basemap import _xy, build_mbtiles

    districts = [{"id": "mitte", "name": "Mitte", "lat": 51.68, "lon": 7.82, "area_km2": 20.0},
                 {"id": "nord", "name": "Nord", "lat": 51.71, "lon": 7.84, "area_km2": 20.0}]
    assert build_mbtiles(settings.tiles_file, districts) > 10
    x, y = (int(v // 256) for v in _xy(51.68, 7.82, 12))
    with TestClient(create_app(settings, storage)) as c:
        r = c.get(f"/api/v1/tiles/12/{x}/{y}.png")  # no token: a basemap is public
        assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
        assert r.headers["access-control-allow-origin"] == "*"
        assert c.get("/api/v1/tiles/3/0/0.png").json()["error"]["code"] == "not_found"
        assert c.get("/api/v1/tiles/12/99999/0.png").status_code == 404


def test_whole_days_from_derived_figures_and_edges_from_reports_add_up(city):
    """A window that starts and ends mid-day: whole days come from day_stats, the edges from
    the reports; the figures equal a count done by hand over the same reports."""
    import random
    from zoneinfo import ZoneInfo

    c = city
    rng = random.Random(3)
    kinds = ["litter", "syringes", "noise", "alcohol"]
    sent = []
    for i in range(60):
        when = SINCE + timedelta(minutes=rng.randrange(7 * 24 * 60))
        findings = sorted(set(rng.sample(kinds, rng.choice([0, 1, 2]))))
        measures = ["talk"] if rng.random() < 0.3 else []
        send(c, rng.choice(["pol", "kod"]), rng.choice(["a", "b", "c", "x"]), when, findings, measures)
        sent.append((when, findings, measures))
    since, until = SINCE + timedelta(days=1, hours=7, minutes=13), UNTIL - timedelta(hours=8, minutes=13)
    inside = [s for s in sent if since <= s[0] < until]
    pic = picture(c, since=ts(since), until=ts(until))
    assert pic["checks"] == len(inside)
    assert pic["findings"] == sum(len(f) for _, f, _ in inside)
    assert pic["measures"] == sum(len(m) for _, _, m in inside)
    expected_cat: dict[str, int] = {}
    grid = [[0] * 24 for _ in range(7)]
    for when, findings, _ in inside:
        for f in findings:
            expected_cat[f] = expected_cat.get(f, 0) + 1
        local = when.astimezone(ZoneInfo("Europe/Berlin"))
        grid[local.weekday()][local.hour] += len(findings)
    assert pic["findings_by_category"] == dict(sorted(expected_cat.items()))
    assert pic["grid"] == grid
    assert sum(d["checks"] for d in pic["timeline"]) == len(inside)
    assert situation.split(since, until)[1] is not None  # the test did use whole days


@pytest.mark.sqlite_only
def test_derived_figures_kept_by_ingest_equal_the_sql_backfill(city, storage):
    """Ingest keeps day_stats/day_totals with ``day_figures`` (Python); the migrations filled
    them from existing reports with SQL. Both must say the same for the same reports."""
    from sync_server.storage.sqlite_schema import _stats_select, _totals_select

    c = city
    for i, (who, place, findings) in enumerate([("pol", "a", ["litter", "noise"]), ("kod", "c", []),
                                                 ("pol", "x", ["drug_use"]), ("kod", "a", ["litter"])]):
        send(c, who, place, SINCE + timedelta(days=i % 2, hours=3 * i), findings, ["talk"] * (i % 2))
    body = make_report(place_id=None, observed_at=ts(SINCE + timedelta(hours=5)), fix=None,
                       no_fix_reason="x", presence={"verdict": "no_fix"}, findings=["noise"])
    c.post("/api/v1/reports/batch", json={"reports": [body]}, headers=auth(c.tok["pol"]))
    conn = storage.db.read()
    kept = sorted(conn.execute("SELECT * FROM day_stats").fetchall())
    assert kept and kept == sorted(conn.execute(_stats_select("")).fetchall())
    kept = sorted(conn.execute("SELECT * FROM day_totals").fetchall())
    assert kept and kept == sorted(conn.execute(_totals_select("")).fetchall())
