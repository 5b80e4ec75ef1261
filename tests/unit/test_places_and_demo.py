"""Place import with its per-row report, and the Hamm demo data."""

import json
from collections import Counter
from datetime import datetime, timezone

import patrol_wire as wire
from sync_server.demo import load_demo, playground_features, seed_demo
from sync_server.places_import import import_places, rows_from_csv, rows_from_geojson

CSV = """id,name,type,lat,lon,radius_m,district_id,category
pg-a,Spielplatz A,playground,51.68,7.82,30,mitte,B
pg-b,Spielplatz B,playground,95.0,7.82,30,mitte,B
pg-c,Spielplatz C,playground,51.68,7.82,30,atlantis,A
pg-a,Spielplatz A again,playground,51.68,7.82,30,mitte,C
pg-d,Spielplatz D,swimming_pool,51.68,7.82,30,mitte,
pg-e,Spielplatz E,playground,not-a-number,7.82,,mitte,
"""


def test_csv_import_reports_each_rejected_row_with_its_reason(storage):
    storage.upsert_district("mitte", "{}")
    report = import_places(storage, rows_from_csv(CSV), known_districts=storage.district_ids())
    assert report.imported == ["pg-a"]
    reasons = dict(report.rejected)
    assert reasons["line 3"].startswith("lat:")
    assert "unknown district" in reasons["line 4"]
    assert "appears twice" in reasons["line 5"]
    assert reasons["line 6"].startswith("type:")
    assert reasons["line 7"].startswith("lat:")
    assert storage.place_bodies(["pg-a", "pg-b"]).keys() == {"pg-a"}


def test_geojson_points_and_polygons(storage):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [7.81, 51.68]},
         "properties": {"id": "p1", "name": "Platz", "type": "hotspot"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
            [[7.0, 51.0], [7.002, 51.0], [7.002, 51.002], [7.0, 51.002], [7.0, 51.0]]]},
         "properties": {"id": "p2", "name": "Strip", "type": "nightlife"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": []},
         "properties": {"id": "p3", "name": "Line", "type": "other"}},
    ]}
    report = import_places(storage, rows_from_geojson(fc), known_districts=set())
    assert report.imported == ["p1", "p2"]
    assert "LineString" in report.rejected[0][1]
    strip = wire.decode(wire.Place, json.loads(storage.place_bodies(["p2"])["p2"]))
    assert strip.lat == 51.001 and strip.lon == 7.001 and len(strip.polygon) == 5


def test_demo_has_seven_districts_and_262_playgrounds_spread_plausibly():
    demo = load_demo()
    feats = playground_features(demo)
    assert len(demo["districts"]) == 7 and len(feats) >= 260
    assert feats == playground_features(demo)  # deterministic
    per_district = Counter(f["properties"]["district_id"] for f in feats)
    assert per_district["mitte"] == max(per_district.values())
    categories = Counter(f["properties"]["category"] for f in feats)
    assert set(categories) == {"A", "B", "C"} and categories["A"] < categories["B"]
    names = [f["properties"]["name"] for f in feats]
    assert len(names) == len(set(names))
    for f in feats:  # inside the Hamm area
        lon, lat = f["geometry"]["coordinates"]
        assert 51.58 < lat < 51.77 and 7.64 < lon < 8.02


def test_seeding_twice_is_harmless(storage, settings):
    now = datetime.now(timezone.utc)
    first = seed_demo(storage, settings, now=now)
    second = seed_demo(storage, settings, now=now)
    # 92 checks and 5 dialogue events / innkeeper contacts; again: replays, not duplicates
    assert first.pop("reports") == 97 and second.pop("reports") == 0
    # the checks inside the two joint operations (22 + 14), seeded once
    assert first.pop("operation_reports") == 36 and second.pop("operation_reports") == 0
    assert first.pop("complaints") == 320 and second.pop("complaints") == 0  # duplicates
    assert first == second and storage.report_count() == 97 + 36
    assert first["places"] >= 270
    team = storage.team_members("team-mitte-1")
    assert {u.agency for u in team} == {"police", "kod"}
    # the Hamm partners by name, and a joint team of two partners (neither police nor KOD)
    names = {a.code: a.name_de for a in storage.list_agencies() if a.active}
    assert {"police", "kod", "youth_office", "customs", "federal_police", "tax_investigation",
            "prison"} <= names.keys()
    assert names["customs"] == "Hauptzollamt Dortmund"
    assert {u.agency for u in storage.team_members("team-suedstrasse-1")} == {"youth_office",
                                                                            "customs"}
    def agency_entries() -> int:
        return sum(e["action"].startswith("agency.") for e in storage.audit_log(limit=500))

    before = agency_entries()
    seed_demo(storage, settings)  # the agencies as wanted already: no change, no audit entry
    assert agency_entries() == before
