"""Distances and the presence verdict, especially at the edges of each gate."""

import random
from datetime import datetime, timedelta, timezone

import pytest
from geopy.distance import geodesic

import patrol_wire as wire
from patrol_rules import geo, presence
from patrol_wire import Verdict

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
PLACE = wire.Place("p", "Spielplatz", wire.PlaceType.PLAYGROUND, 51.68, 7.82, radius_m=30)


def fix_at(distance_m: float, accuracy: float = 10, age_s: float = 5) -> wire.GpsFix:
    """A fix due north of PLACE at exactly ``distance_m`` (solved with the geodesic)."""
    lo, hi = 0.0, 0.01
    for _ in range(60):
        mid = (lo + hi) / 2
        if geodesic((PLACE.lat, PLACE.lon), (PLACE.lat + mid, PLACE.lon)).meters < distance_m:
            lo = mid
        else:
            hi = mid
    return wire.GpsFix(PLACE.lat + lo, PLACE.lon, accuracy,
                       wire.format_timestamp(NOW - timedelta(seconds=age_s)))


def test_fast_distance_agrees_with_geopy_geodesic_to_a_millimetre():
    rng = random.Random(7)
    for _ in range(500):
        lat, lon = rng.uniform(-70, 70), rng.uniform(-179, 179)
        lat2, lon2 = lat + rng.uniform(-0.045, 0.045), lon + rng.uniform(-0.045, 0.045)
        assert abs(geo.distance_m(lat, lon, lat2, lon2) - geodesic((lat, lon), (lat2, lon2)).meters) < 1e-3


def test_distances_for_ranking_stay_within_a_metre_out_to_half_a_degree():
    rng = random.Random(11)
    for _ in range(500):
        lat, lon = rng.uniform(-70, 70), rng.uniform(-179, 179)
        lat2, lon2 = lat + rng.uniform(-0.49, 0.49), lon + rng.uniform(-0.49, 0.49)
        assert abs(geo.near_distance_m(lat, lon, lat2, lon2) - geodesic((lat, lon), (lat2, lon2)).meters) < 1.0
    assert geo.near_distance_m(51.68, 7.82, 48.14, 11.58) == geo.distance_m(51.68, 7.82, 48.14, 11.58)


def test_nearest_places_rank_the_demo_city_as_the_geodesic_does():
    from sync_server.demo import load_demo, playground_features

    places = [wire.Place(f["properties"]["id"], "p", wire.PlaceType.PLAYGROUND,
                         f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0], 30.0)
              for f in playground_features(load_demo())]
    for lat, lon in ((51.68, 7.82), (51.62, 7.70), (51.75, 7.95)):
        exact = sorted(places, key=lambda p: geodesic((lat, lon), (p.lat, p.lon)).meters)
        assert [p.id for p, _ in geo.nearest_places(lat, lon, places)] == [p.id for p in exact]


def test_long_distances_use_geodesic():
    assert geo.distance_m(51.68, 7.82, 48.14, 11.58) == pytest.approx(
        geodesic((51.68, 7.82), (48.14, 11.58)).meters, abs=1e-6)


@pytest.mark.parametrize("distance, accuracy, expected", [
    (0, 10, Verdict.ON_SITE),
    (39.9, 10, Verdict.ON_SITE),  # radius 30 widened by accuracy 10
    (40.1, 10, Verdict.OFF_SITE),
    (79.9, 50, Verdict.ON_SITE),  # accuracy exactly at the 50 m gate still counts
    (10, 50.1, Verdict.INACCURATE),
    (500, 10, Verdict.OFF_SITE),
])
def test_presence_edges(distance, accuracy, expected):
    assert presence.presence(fix_at(distance, accuracy), PLACE, at=NOW).verdict is expected


def test_stale_fix_edges():
    assert presence.presence(fix_at(0, age_s=120), PLACE, at=NOW).verdict is Verdict.ON_SITE
    assert presence.presence(fix_at(0, age_s=121), PLACE, at=NOW).verdict is Verdict.STALE


def test_inaccuracy_wins_over_staleness_and_no_fix_over_everything():
    assert presence.presence(fix_at(0, accuracy=200, age_s=999), PLACE, at=NOW).verdict is Verdict.INACCURATE
    assert presence.presence(None, PLACE, at=NOW).verdict is Verdict.NO_FIX
    assert presence.presence(fix_at(0), None, at=NOW).verdict is Verdict.NO_PLACE


def test_rules_are_configurable():
    rules = presence.PresenceRules(accuracy_gate_m=5, max_fix_age=timedelta(seconds=10))
    assert presence.presence(fix_at(0, accuracy=6), PLACE, at=NOW, rules=rules).verdict is Verdict.INACCURATE
    assert presence.presence(fix_at(0, accuracy=4, age_s=11), PLACE, at=NOW, rules=rules).verdict is Verdict.STALE


def test_polygon_geofence_inside_and_near_the_edge():
    ring = [[7.8150, 51.6780], [7.8160, 51.6780], [7.8160, 51.6790], [7.8150, 51.6790], [7.8150, 51.6780]]
    strip = wire.Place("s", "Strip", wire.PlaceType.NIGHTLIFE, 51.6785, 7.8155, 10, polygon=ring)
    inside = wire.GpsFix(51.6785, 7.8155, 5, wire.format_timestamp(NOW))
    assert geo.fence_distance_m(inside.lat, inside.lon, strip) == 0
    assert presence.presence(inside, strip, at=NOW).verdict is Verdict.ON_SITE
    # ~22 m east of the eastern edge: outside with 10 m accuracy, inside with 30 m
    east = 7.8160 + 22 / (111_320 * 0.6206)
    assert geo.fence_distance_m(51.6785, east, strip) == pytest.approx(22, abs=0.5)
    far = wire.GpsFix(51.6785, east, 10, wire.format_timestamp(NOW))
    near = wire.GpsFix(51.6785, east, 30, wire.format_timestamp(NOW))
    assert presence.presence(far, strip, at=NOW).verdict is Verdict.OFF_SITE
    assert presence.presence(near, strip, at=NOW).verdict is Verdict.ON_SITE


def test_nearest_places_sorted_by_distance():
    a = wire.Place("a", "A", wire.PlaceType.OTHER, 51.70, 7.82, 10)
    b = wire.Place("b", "B", wire.PlaceType.OTHER, 51.681, 7.82, 10)
    ranked = geo.nearest_places(51.68, 7.82, [a, b, PLACE])
    assert [p.id for p, _ in ranked] == ["p", "b", "a"]
    assert ranked[1][1] == pytest.approx(111.3, abs=0.5)


def test_the_device_sends_its_fix_to_a_centimetre_and_the_accuracy_to_a_decimetre():
    """Finer digits than a phone can know only make reports longer and slower to check."""
    from types import SimpleNamespace

    from patrol_app.platform.gps import fix_from_position

    pos = SimpleNamespace(latitude=51.68072351234567, longitude=7.810553248971234, accuracy=12.345678,
                          timestamp=datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc))
    fix = fix_from_position(pos, web=False)
    assert (fix.lat, fix.lon, fix.accuracy_m) == (51.6807235, 7.8105532, 12.3)
    assert wire.canonical_json(fix).startswith(b'{"lat":51.6807235,"lon":7.8105532,"accuracy_m":12.3,')
