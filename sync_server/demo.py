"""Hamm demo data: districts, 262 synthetic playgrounds, events, drug-scene points, the Südstraße,
the Westentor, demo users in two mixed teams, a route template and its assignment to the first
team for today's late shift.

Playground positions are generated deterministically (fixed seed) around each district's centre:
plausible, repeatable, and not the real locations.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import patrol_wire as wire

from .config import Settings
from .places_import import import_places
from .planning import concrete_assignment
from .security import hash_password
from .storage import Storage

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEMO_FILE = ASSETS / "demo" / "hamm.json"
CHECKLISTS_FILE = ASSETS / "checklists" / "default.json"
SEED = 20261122
TZ = ZoneInfo("Europe/Berlin")

_STREETS = ["Ahornweg", "Birkenallee", "Lindenstraße", "Eichendorffweg", "Kastanienhof", "Am Bach",
            "Rosenweg", "Schulstraße", "Wiesenweg", "Am Sportplatz", "Gartenstraße", "Kirchplatz",
            "Mühlenweg", "Parkstraße", "Sonnenweg", "Tulpenweg", "Buchenring", "Feldstraße",
            "Goethestraße", "Schillerplatz", "Marktweg", "Brunnenstraße", "Am Kanal", "Lippeweg"]


def load_demo() -> dict[str, Any]:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def playground_features(demo: dict[str, Any]) -> list[dict[str, Any]]:
    """GeoJSON point features for the synthetic playgrounds, the same on every run."""
    rng = random.Random(SEED)
    feats = []
    for d in demo["districts"]:
        spread_m = math.sqrt(d["area_km2"] * 1e6 / math.pi) * 0.75
        streets = _STREETS[:]
        rng.shuffle(streets)
        for i in range(d["playgrounds"]):
            r = spread_m * math.sqrt(rng.random())
            a = rng.uniform(0, 2 * math.pi)
            lat = d["lat"] + (r * math.cos(a)) / 111_320
            lon = d["lon"] + (r * math.sin(a)) / (111_320 * math.cos(math.radians(d["lat"])))
            category = rng.choices(["A", "B", "C"], weights=[15, 45, 40])[0]
            street = streets[i % len(streets)]
            if i >= len(streets):
                street += f" {i // len(streets) + 1}"
            feats.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "id": f"sp-{d['id']}-{i + 1:03d}", "name": f"Spielplatz {street} ({d['name']})",
                    "type": "playground", "district_id": d["id"], "category": category,
                    "radius_m": rng.choice([25.0, 30.0, 40.0, 50.0]),
                },
            })
    return feats


def seed_demo(storage: Storage, settings: Settings, *, today: datetime | None = None) -> dict[str, int]:
    """Load the demo into an empty or demo database; running it twice changes nothing twice."""
    demo = load_demo()
    for d in demo["districts"]:
        district = wire.District(d["id"], d["name"], d["lat"], d["lon"], d["area_km2"])
        storage.upsert_district(district.id, wire.canonical_json(district).decode())
    for c in json.loads(CHECKLISTS_FILE.read_text(encoding="utf-8")):
        cl = wire.decode(wire.Checklist, c)
        storage.upsert_checklist(cl.id, cl.version, cl.place_type.value, wire.canonical_json(cl).decode())
    districts = storage.district_ids()
    fixed = [(f"place {p['id']}", p) for p in demo["places"]]
    pgs = playground_features(demo)
    report = import_places(storage, fixed + [(f["properties"]["id"], {
        **f["properties"], "lon": f["geometry"]["coordinates"][0],
        "lat": f["geometry"]["coordinates"][1]}) for f in pgs], known_districts=districts)
    if report.rejected:
        raise RuntimeError(f"demo data is inconsistent: {report.summary()}")

    ids = {}
    for u in demo["users"]:
        found = storage.user_by_name(u["username"])
        if found is None:
            user = storage.create_user(
                username=u["username"], display_name=u["display_name"],
                password_hash=hash_password(demo["password"], settings.kdf),
                role=wire.Role(u["role"]), agency=wire.Agency(u["agency"]))
        else:
            user = found[0]
        ids[u["username"]] = user.id

    now = today or datetime.now(TZ)
    day = now.astimezone(TZ).date()
    for team in demo["teams"]:
        storage.upsert_team(team["id"], team["name"], day.isoformat(),
                            [ids[m] for m in team["members"]])

    # the late-shift route as a template (windows after shift start), assigned for today
    route = demo["route"]
    stops = []
    for n, stop in enumerate(route["stops"]):
        if stop.startswith("PLAYGROUND:"):
            _, district, idx = stop.split(":")
            stop = f"sp-{district}-{int(idx) + 1:03d}"
        stops.append(wire.TemplateStop(stop, 75 * n, 75 * n + 60))
    template = wire.RouteTemplate(route["id"], route["name"], stops)
    storage.upsert_route(template.id, wire.canonical_json(template).decode(), actor="demo")
    shift_start = datetime.combine(day, time(14, 0), TZ)
    assignment = dataclasses.replace(
        concrete_assignment(template, demo["teams"][0]["id"], wire.format_timestamp(shift_start),
                            wire.format_timestamp(shift_start + timedelta(hours=8))),
        id=f"{route['id']}-{day.isoformat()}")
    storage.upsert_assignment(assignment.id, assignment.team_id,
                              wire.canonical_json(assignment).decode(),
                              shift_start=assignment.shift_start, shift_end=assignment.shift_end,
                              actor="demo")
    return {"districts": len(demo["districts"]), "places": len(report.imported), "users": len(ids)}
