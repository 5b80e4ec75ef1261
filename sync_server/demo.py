"""Hamm demo data: the cooperation's seven agencies, districts, 262 synthetic playgrounds, events,
drug-scene points, the Südstraße, the Westentor, dialogue events and innkeeper contacts, a file of
citizen complaints from the city's complaint system (imported through the real import), demo
users of five agencies in five mixed teams, a route template and its assignment to the first
team for a shift that is running when the demo is seeded (at any hour: its first stop is due
soon, the others lie ahead), and two joint operations of three agencies each with their checks:
one held yesterday evening (its summary is ready), one running now (its feed is live).

Playground positions are generated deterministically (fixed seed) around each district's centre:
plausible, repeatable, and not the real locations.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import patrol_wire as wire

from .config import Settings
from .basemap import build_mbtiles
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


SHIFT_HOURS = 8
INTO_SHIFT = timedelta(minutes=30)  # the demo starts this far (to the quarter hour) into the shift


def demo_shift_start(now: datetime) -> datetime:
    """The start of the demo's shift: half an hour before ``now``, down to the quarter hour
    (in UTC, so a change to or from summer time cannot make a wall-clock time that does not
    exist), so that stop 1 (the first hour) is due within 15-30 minutes and the rest of the
    route lies ahead, whenever the demo is started -- 23:30 included."""
    at = now.astimezone(timezone.utc) - INTO_SHIFT
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0).astimezone(TZ)


def seed_demo(storage: Storage, settings: Settings, *, now: datetime | None = None) -> dict[str, int]:
    """Load the demo into an empty or demo database; running it twice changes nothing twice,
    except that the demo shift moves to the time of the run (``now``, default the clock)."""
    demo = load_demo()
    seed_agencies(storage, demo)
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
                role=wire.Role(u["role"]), agency=u["agency"])
        else:
            user = found[0]
        ids[u["username"]] = user.id

    now = now or datetime.now(timezone.utc)
    shift_start = demo_shift_start(now)
    for team in demo["teams"]:
        storage.upsert_team(team["id"], team["name"], shift_start.date().isoformat(),
                            [ids[m] for m in team["members"]])

    # the route as a template (windows after shift start), assigned for the shift running now
    route = demo["route"]
    stops = []
    for n, stop in enumerate(route["stops"]):
        if stop.startswith("PLAYGROUND:"):
            _, district, idx = stop.split(":")
            stop = f"sp-{district}-{int(idx) + 1:03d}"
        stops.append(wire.TemplateStop(stop, 75 * n, 75 * n + 60))
    template = wire.RouteTemplate(route["id"], route["name"], stops)
    storage.upsert_route(template.id, wire.canonical_json(template).decode(), actor="demo")
    assignment = wire.replace(  # one demo shift: seeding again moves it to now
        concrete_assignment(template, demo["teams"][0]["id"], wire.format_timestamp(shift_start),
                            wire.format_timestamp(shift_start + timedelta(hours=SHIFT_HOURS))),
        id=f"{route['id']}-demo")
    storage.upsert_assignment(assignment.id, assignment.team_id,
                              wire.canonical_json(assignment).decode(),
                              shift_start=assignment.shift_start, shift_end=assignment.shift_end,
                              actor="demo")
    reports = seed_reports(storage, settings, demo, now.astimezone(TZ).date())
    reports += seed_meetings(storage, settings, demo, now.astimezone(TZ).date())
    complaints = seed_complaints(storage, settings, demo, now)
    operation_reports = seed_operations(storage, settings, demo, now)
    if not settings.tiles_file.exists():
        build_mbtiles(settings.tiles_file, demo["districts"], name=f"{demo['city']} (synthetic)")
    return {"districts": len(demo["districts"]), "places": len(report.imported), "users": len(ids),
            "reports": reports, "complaints": complaints, "operation_reports": operation_reports}


def seed_agencies(storage: Storage, demo: dict[str, Any]) -> None:
    """The demo city's agencies with their names; one already as wanted is left alone (no
    audit entry, no change for devices to pull when seeding again)."""
    for a in demo["agencies"]:
        want = wire.decode(wire.Agency, a)
        have = storage.agency(want.code)
        if have is None:
            storage.create_agency(want, actor="demo")
        elif have != want:
            storage.update_agency(want.code, actor="demo", name_de=want.name_de,
                                  name_en=want.name_en, kind=want.kind, active=want.active)


_FINDINGS = {
    "playground": ["litter", "broken_glass", "syringes", "damaged_equipment", "vandalism", "alcohol",
                   "unleashed_dogs", "poor_lighting"],
    "drug_scene": ["drug_use", "drug_dealing", "syringes", "litter", "aggression"],
    "hotspot": ["alcohol", "aggression", "noise", "litter", "drug_dealing", "weapons"],
    "nightlife": ["noise", "alcohol", "aggression", "youth_protection", "broken_glass"],
    "event": ["youth_protection", "alcohol", "aggression", "litter"],
}
_MEASURES = ["talk", "order_to_leave", "identity_check", "administrative_offence", "referral_help",
             "notice_city_office"]


def _uuid7(moment: datetime, rng: random.Random) -> str:
    """A uuid7 for a past moment, as the device would have made it then (time-ordered ids)."""
    ms = int(moment.timestamp() * 1000)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


def seed_reports(storage: Storage, settings: Settings, demo: dict[str, Any], day) -> int:
    """A fortnight of synthetic checks by the demo patrols (fixed seeds, dated back from the day
    of the first seeding; re-seeding later adds nothing), so review and the situation picture
    have something to show. Stored through the real ingest path. One set of checks per
    ``report_sets`` entry: its teams' members, its count, its own random stream."""
    teams = {t["id"]: t for t in demo["teams"]}
    return sum(_seed_report_set(storage, settings, demo, [teams[t] for t in s["teams"]], day,
                                n=s["reports"], seed=SEED + s["seed"])
               for s in demo["report_sets"])


def _seed_report_set(storage: Storage, settings: Settings, demo: dict[str, Any],
                     teams: list[dict[str, Any]], day, *, n: int, seed: int) -> int:
    from .ingest import Ingestor

    rng = random.Random(seed)
    places = [wire.decode(wire.Place, json.loads(b)) for b in storage.place_bodies(
        [p["id"] for p in demo["places"]] + [f["properties"]["id"] for f in playground_features(demo)]
    ).values()]
    places = [p for p in places if p.type.value in _FINDINGS and p.active_from is None]
    places.sort(key=lambda p: p.id)
    hot = [p for p in places if p.type.value != "playground"]
    authors = {}
    for team in teams:
        for name in team["members"]:
            authors[name] = (storage.user_by_name(name)[0], team["id"])
    ingestor = Ingestor(storage, settings)
    batches: dict[str, list[wire.Report]] = {}
    for i in range(n):
        name = rng.choice(sorted(authors))
        place = rng.choice(hot) if rng.random() < 0.45 else rng.choice(places)
        when = datetime.combine(day - timedelta(days=rng.randint(1, 14)),
                                time(rng.randint(9, 23), rng.randint(0, 59)), TZ)
        pool = _FINDINGS[place.type.value]
        findings = sorted(set(rng.sample(pool, rng.choice([0, 1, 1, 2, 3]))))
        severity = "none" if not findings else rng.choice(["low", "low", "medium", "high"])
        offset = rng.uniform(0, place.radius_m * 0.6) / 111_320
        fix = {"lat": round(place.lat + offset, 6), "lon": place.lon, "accuracy_m": float(rng.randint(4, 20)),
               "fixed_at": wire.format_timestamp(when - timedelta(seconds=20)), "source": "gps"}
        batches.setdefault(name, []).append(wire.decode(wire.Report, {
            "id": _uuid7(when, rng),
            "observed_at": wire.format_timestamp(when), "place_id": place.id,
            "team_id": authors[name][1], "severity": severity,
            "visibility": "agency" if rng.random() < 0.1 else "cooperation",
            "presence": {"verdict": "on_site", "distance_m": round(offset * 111_320, 1)},
            "fix": fix, "findings": findings,
            "measures": sorted(set(rng.sample(_MEASURES, rng.choice([0, 1, 2])))) if findings else [],
            "note": rng.choice(["", "", "Alles ruhig.", "Personengruppe angesprochen.",
                                "Ordnungsamt informiert.", "Hinweis an Grünflächenamt."]),
        }))
    created = 0
    for name, items in sorted(batches.items()):
        results = ingestor.ingest(items, author=authors[name][0])
        created += sum(1 for r in results if r["status"] == wire.ItemStatus.CREATED.value)
    return created


# Citizen complaints: where they cluster (place id, share of all), the rest at random
# playgrounds or anywhere in a district; evenings and nights more than mornings.
_COMPLAINT_SPOTS = [("suedstrasse", 0.22, ["noise", "alcohol", "aggression", "litter"]),
                    ("westentor", 0.18, ["youth_groups", "aggression", "alcohol", "vandalism"]),
                    ("drug-bahnhof", 0.13, ["drugs", "litter", "aggression"]),
                    ("drug-nordenwall", 0.09, ["drugs", "litter", "lighting"]),
                    ("drug-kurpark", 0.07, ["drugs", "dogs", "lighting"])]
_ELSEWHERE = ["litter", "illegal_dumping", "dogs", "noise", "vandalism", "lighting", "other",
              "youth_groups"]
N_COMPLAINTS = 320
COMPLAINT_DAYS = 90


def complaints_file(demo: dict[str, Any], now: datetime) -> bytes:
    """The demo's export from the city's complaint system: a German spreadsheet CSV (semicolon,
    decimal comma, German dates, Windows-1252 as such programs write it) with a free-text and
    a name column, which the import ignores. Synthetic and deterministic (fixed seed); dated
    back from the first seeding's day, and the ids are stable, so seeding again imports the
    same complaints as duplicates, never twice."""
    rng = random.Random(SEED + 2)
    spots = {p["id"]: p for p in demo["places"]}
    pgs = playground_features(demo)
    day = now.astimezone(TZ).date()
    lines = ["Vorgangsnummer;Eingang;Breite;Länge;Kategorie;Beschreibung;Name Meldende(r)"]
    for i in range(N_COMPLAINTS):
        roll, acc = rng.random(), 0.0
        spot = None
        for pid, share, cats in _COMPLAINT_SPOTS:
            acc += share
            if roll < acc:
                spot = (spots[pid]["lat"], spots[pid]["lon"], cats, 60.0)
                break
        if spot is None:
            if rng.random() < 0.5:
                f = rng.choice(pgs)
                lon0, lat0 = f["geometry"]["coordinates"]
                spot = (lat0, lon0, _ELSEWHERE, 40.0)
            else:
                d = rng.choice(demo["districts"])
                spot = (d["lat"], d["lon"], _ELSEWHERE, math.sqrt(d["area_km2"] * 1e6 / math.pi) * 0.6)
        lat0, lon0, cats, spread = spot
        r, a = spread * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        lat = lat0 + r * math.cos(a) / 111_320
        lon = lon0 + r * math.sin(a) / (111_320 * math.cos(math.radians(lat0)))
        hour = rng.choices(range(24), weights=[4, 3, 2, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4,
                                               5, 6, 7, 8, 8, 7, 6])[0]
        when = datetime.combine(day - timedelta(days=rng.randint(1, COMPLAINT_DAYS)),
                                time(hour, rng.randint(0, 59)))
        lines.append(";".join([
            f"HAM-{SEED % 10000:04d}-{i + 1:05d}", when.strftime("%d.%m.%Y %H:%M"),
            f"{lat:.6f}".replace(".", ","), f"{lon:.6f}".replace(".", ","),
            {"noise": "Lärm", "litter": "Müll", "illegal_dumping": "Illegale Müllablagerung",
             "drugs": "Drogen", "alcohol": "Alkohol", "aggression": "Belästigung",
             "vandalism": "Sachbeschädigung", "dogs": "Hundekot", "youth_groups": "Jugendgruppen",
             "lighting": "Beleuchtung", "other": "Sonstiges"}[rng.choice(cats)],
            "Anwohner beschwert sich (Freitext, wird nicht importiert)", "Mustermann"]))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def seed_complaints(storage: Storage, settings: Settings, demo: dict[str, Any], now: datetime) -> int:
    """Import the demo complaints through the same path as an admin's upload."""
    from .complaints_import import import_file

    report = import_file(storage, complaints_file(demo, now), "csv", zone=TZ, actor="demo", now=now)
    if report.n_rejected:
        raise RuntimeError(f"demo complaints are inconsistent: {report.summary()}")
    return report.accepted


_MEETINGS = [  # (place, days ago, hour, answers)
    ("dialog-mitte", 12, 18, {"attendance": 34, "main_concern": "Drogen", "follow_up_needed": True,
                              "concerns_raised": "Konsum im Bahnhofsumfeld, Beleuchtung am Nordenwall"}),
    ("dialog-heessen", 9, 19, {"attendance": 21, "main_concern": "Jugendgruppen",
                               "follow_up_needed": False,
                               "concerns_raised": "Treffpunkt am Spielplatz abends, Lärm"}),
    ("dialog-bockum-hoevel", 5, 18, {"attendance": 17, "main_concern": "Müll",
                                     "follow_up_needed": True,
                                     "concerns_raised": "Illegale Ablagerungen am Kanal"}),
    ("wirte-suedstrasse-nord", 8, 16, {"venue": "Drei Lokale am Nordende",
                                       "topics": "Glasflaschen auf der Straße, Lärm nach 1 Uhr",
                                       "agreements": "Ausschank in Bechern ab 23 Uhr",
                                       "youth_protection_discussed": True}),
    ("wirte-suedstrasse-sued", 3, 17, {"venue": "Zwei Lokale am Südende",
                                       "topics": "Einlasskontrollen, Rauchen vor der Tür",
                                       "agreements": "Türsteher am Wochenende ab 22 Uhr",
                                       "youth_protection_discussed": True}),
]


def seed_meetings(storage: Storage, settings: Settings, demo: dict[str, Any], day) -> int:
    """A few dialogue events and innkeeper contacts with their checklists' answers, dated back
    from the first seeding (re-seeding adds nothing: the ids are made from a fixed seed)."""
    from .ingest import Ingestor

    rng = random.Random(SEED + 3)
    team = demo["teams"][0]
    author = storage.user_by_name(team["members"][0])[0]
    places = {p["id"]: p for p in demo["places"]}
    items = []
    for pid, ago, hour, answers in _MEETINGS:
        p = places[pid]
        when = datetime.combine(day - timedelta(days=ago), time(hour, 0), TZ)
        items.append(wire.decode(wire.Report, {
            "id": _uuid7(when, rng), "observed_at": wire.format_timestamp(when), "place_id": pid,
            "team_id": team["id"], "severity": "none", "visibility": "cooperation",
            "presence": {"verdict": "on_site", "distance_m": 3.0},
            "fix": {"lat": p["lat"], "lon": p["lon"], "accuracy_m": 8.0,
                    "fixed_at": wire.format_timestamp(when - timedelta(seconds=20)), "source": "gps"},
            "checklist_id": p["type"], "checklist_version": 1, "answers": answers,
            "findings": [], "measures": [], "note": ""}))
    results = Ingestor(storage, settings).ingest(items, author=author)
    return sum(1 for r in results if r["status"] == wire.ItemStatus.CREATED.value)


def operation_window(spec: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    """A demo operation's window, relative to ``now`` so the demo works at any hour: ``days_ago``
    + local ``start`` (held then: its summary is ready), or ``running_min`` (began that long
    ago, down to the quarter hour in UTC like the demo shift: its feed is live)."""
    w = spec["window"]
    if "running_min" in w:
        at = now.astimezone(timezone.utc) - timedelta(minutes=w["running_min"])
        start = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
    else:
        hour, minute = map(int, w["start"].split(":"))
        start = datetime.combine(now.astimezone(TZ).date() - timedelta(days=w["days_ago"]),
                                 time(hour, minute), TZ).astimezone(timezone.utc)
    return start, start + timedelta(hours=w["hours"])


def seed_operations(storage: Storage, settings: Settings, demo: dict[str, Any],
                    now: datetime) -> int:
    """The demo's joint operations (``operations`` in the demo file) and checks of their teams
    inside them, through the real ingest path; returns the checks stored. Seeding again in the
    same window changes nothing; later, an operation whose window moved (the next day, or the
    running one a quarter hour on) is moved by an update (audited, version + 1) and gets fresh
    checks in its new window -- the old ones stay, outside it."""
    created = 0
    for spec in demo.get("operations", []):
        start, end = operation_window(spec, now)
        op = wire.Operation(spec["id"], spec["name"], wire.format_timestamp(start),
                            wire.format_timestamp(end), spec["agencies"], spec["teams"],
                            spec["places"], spec.get("polygon"), spec["briefing"])
        have = storage.operation(op.id)
        detail = {"name": op.name, "starts_at": op.starts_at, "ends_at": op.ends_at}
        if have is None:
            storage.create_operation(op.id, wire.canonical_json(op).decode(),
                                     starts_at=op.starts_at, ends_at=op.ends_at,
                                     team_ids=op.team_ids, actor="demo", detail=detail)
        else:
            old = wire.decode(wire.Operation, json.loads(have))
            if (old.starts_at, old.ends_at) == (op.starts_at, op.ends_at):
                continue
            op = wire.replace(op, version=old.version + 1)
            storage.update_operation(op.id, wire.canonical_json(op).decode(),
                                     starts_at=op.starts_at, ends_at=op.ends_at,
                                     team_ids=op.team_ids, version=op.version, actor="demo",
                                     detail=detail)
        created += _seed_operation_reports(storage, settings, demo, spec, start,
                                           min(end, now - timedelta(minutes=2)))
    return created


def _seed_operation_reports(storage: Storage, settings: Settings, demo: dict[str, Any],
                            spec: dict[str, Any], start: datetime, last: datetime) -> int:
    from .ingest import Ingestor

    plan = spec["reports"]
    rng = random.Random(SEED + plan["seed"] + int(start.timestamp()))
    teams = {t["id"]: t for t in demo["teams"]}
    # the checks come from the teams named for them (the others' own checks and routes stay
    # as the rest of the demo made them)
    authors = {name: (storage.user_by_name(name)[0], team_id)
               for team_id in spec.get("report_teams", spec["teams"])
               for name in teams[team_id]["members"]}
    places = [wire.decode(wire.Place, json.loads(b))
              for b in storage.place_bodies(spec["places"]).values()]
    places.sort(key=lambda p: p.id)
    poly = spec.get("polygon")
    span = max((last - start).total_seconds(), 60)
    batches: dict[str, list[wire.Report]] = {}
    names = sorted(authors)
    for i in range(plan["n"]):
        # every member checks at least once, in the open: each agency has figures to show
        first_round = i < len(names)
        name = names[i] if first_round else rng.choice(names)
        when = start + timedelta(seconds=rng.uniform(0, span))
        if poly and rng.random() < plan["free"]:  # a check at a free position in the area
            lats, lons = [c[0] for c in poly], [c[1] for c in poly]
            lat, lon = rng.uniform(min(lats), max(lats)), rng.uniform(min(lons), max(lons))
            place_id, pool, presence = None, _FINDINGS[places[0].type.value], {"verdict": "no_place"}
        else:
            place = rng.choice(places)
            offset = rng.uniform(0, place.radius_m * 0.5) / 111_320
            lat, lon, place_id = place.lat + offset, place.lon, place.id
            pool = _FINDINGS[place.type.value]
            presence = {"verdict": "on_site", "distance_m": round(offset * 111_320, 1)}
        findings = sorted(set(rng.sample(pool, rng.choice([0, 1, 1, 2]))))
        batches.setdefault(name, []).append(wire.decode(wire.Report, {
            "id": _uuid7(when, rng), "observed_at": wire.format_timestamp(when),
            "place_id": place_id, "team_id": authors[name][1],
            "severity": "none" if not findings else rng.choice(["low", "medium", "high"]),
            "visibility": "agency" if not first_round and rng.random() < plan["agency_only"]
            else "cooperation", "presence": presence, "findings": findings,
            "fix": {"lat": round(lat, 6), "lon": round(lon, 6), "accuracy_m": float(rng.randint(4, 15)),
                    "fixed_at": wire.format_timestamp(when - timedelta(seconds=15)), "source": "gps"},
            "measures": sorted(set(rng.sample(_MEASURES, rng.choice([1, 1, 2])))) if findings else [],
            "note": rng.choice(["", "", "Personengruppe angesprochen.", "Glasflaschen eingesammelt.",
                                "Ausweise kontrolliert.", "Alles ruhig."])}))
    ingestor = Ingestor(storage, settings)
    created = 0
    for name, items in sorted(batches.items()):
        results = ingestor.ingest(items, author=authors[name][0])
        created += sum(1 for r in results if r["status"] == wire.ItemStatus.CREATED.value)
    return created
