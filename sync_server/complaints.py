"""Citizen complaints against patrol effort: where people complain much and patrols check little.

Raw complaint counts would rank the busiest streets first, whether patrols go there or not. The
gap is therefore a rate -- complaints per check at a place -- smoothed toward the city-wide rate
exactly like the hotspot score (``situation.smoothed``):

    score(place) = (complaints + m * R) / (checks + m)

    R = complaints near places / checks at places, city-wide in the window (same filters)
    m = PRIOR_CHECKS (5, the hotspot score's): the city's rate counts as five checks' worth

A place nobody checked has ``checks = 0``, so a single complaint there still scores only
(1 + 5R) / 5 -- above R, but not by much. Lists are ranked by a cautious lower bound instead of
the score, so that a place has to *earn* its rank with evidence:

    a = complaints + m * R,  b = checks + m          (a Gamma(a, b) posterior of the rate)
    lower = max(0, (a - Z * sqrt(a)) / b)            (normal approximation, Z = 1.2816: 90 %)

One complaint at an unchecked place (R = 0.5): a = 3.5, score 0.70, lower 0.22 -- below R.
Twenty complaints against four checks: a = 22.5, b = 9, score 2.50, lower 1.82 -- far above R.
A place ``stands_out`` when even its lower bound exceeds R: those are the shift lead's
suggestions. Districts use the same formula with all their complaints (also those near no
place) against their places' checks, and their own city-wide rate (``area_rate``).

Checks follow the agency rule of the reader (an agency-only report counts only inside its
agency); complaints are the city's data and the same for every reader who may see them.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import datetime

import patrol_wire as wire
from patrol_wire import ComplaintArea, ComplaintGap, ComplaintPicture, ComplaintPoint

from . import situation
from .places import PlaceBook, active_during
from .storage import PictureFilter, Storage

PRIOR_CHECKS = situation.PRIOR_CHECKS
Z = 1.2816
MAX_POINTS = 5000
MAX_SUGGESTIONS = 10


def gap(complaints: int, checks: int, rate: float, prior: float = PRIOR_CHECKS, z: float = Z
        ) -> tuple[float, float]:
    """(score, lower bound) of complaints per check, smoothed toward ``rate``."""
    a = complaints + prior * rate
    b = checks + prior
    return a / b, max(0.0, (a - z * math.sqrt(a)) / b)


def compute(storage: Storage, f: PictureFilter, *, since: datetime, until: datetime,
            places: PlaceBook | None = None, with_points: bool = True) -> ComplaintPicture:
    """Complaints in [since, until) with the picture's filters, against the reader's checks."""
    book = places or PlaceBook(storage)
    book.refresh()
    all_places = book.all()
    s, u = wire.format_timestamp(since), wire.format_timestamp(until)
    place_filtered = f.place_type is not None or f.category is not None

    def wanted(place_id: str | None) -> bool:
        if not place_filtered:
            return True
        p = all_places.get(place_id or "")
        return p is not None and situation.place_matches(p, f)

    at_place: dict[str, int] = defaultdict(int)
    per_category_at: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    in_district: dict[str | None, int] = defaultdict(int)
    categories: dict[str, int] = defaultdict(int)
    total = 0
    for pid, district, cat, n in storage.complaint_counts(since=s, until=u,
                                                          district_id=f.district_id):
        if not wanted(pid):
            continue
        total += n
        categories[cat] += n
        in_district[district or None] += n
        if pid and pid in all_places:
            at_place[pid] += n
            per_category_at[pid][cat] += n

    checks_by_place = {pid: c for pid, (c, _, _) in
                       situation.by_place(storage, f, since, until).items() if pid is not None}
    checks_at_places = sum(c for pid, c in checks_by_place.items() if pid in all_places)
    placed = sum(at_place.values())
    rate = placed / checks_at_places if checks_at_places else 0.0

    gaps = [_gap(all_places[pid], n, checks_by_place.get(pid, 0), rate, per_category_at[pid])
            for pid, n in at_place.items()]
    gaps.sort(key=lambda g: (-g.lower, -g.complaints, g.place_id))

    district_checks: dict[str | None, int] = defaultdict(int)
    by_type: dict[str, int] = defaultdict(int)
    for pid, c in checks_by_place.items():
        p = all_places.get(pid)
        if p is not None:
            district_checks[p.district_id] += c
            by_type[p.type.value] += c
    names = {d.id: d.name for d in _districts(storage)}
    area_rate = total / checks_at_places if checks_at_places else 0.0
    areas = []
    for key in set(in_district) | {k for k, c in district_checks.items() if c}:
        n, c = in_district.get(key, 0), district_checks.get(key, 0)
        score, lower = gap(n, c, area_rate)
        areas.append(ComplaintArea(key, names.get(key, key) if key else "—", n, c,
                                   round(score, 4), round(lower, 4), n > 0 and lower > area_rate))
    areas.sort(key=lambda a: (-a.lower, -a.complaints, a.key is None, a.key or ""))

    points: list[ComplaintPoint] = []
    points_total = 0
    if with_points:
        for at, lat, lon, cat, pid, district in storage.complaint_points(
                since=s, until=u, district_id=f.district_id):
            if not wanted(pid):
                continue
            points_total += 1
            if len(points) < MAX_POINTS:
                points.append(ComplaintPoint(at, lat, lon, cat, pid, district))
    return ComplaintPicture(
        since=s, until=u, prior_checks=PRIOR_CHECKS, z=Z, city_rate=round(rate, 4),
        complaints=total, placed=placed, checks=checks_at_places,
        by_category=dict(sorted(categories.items())), places=gaps, districts=areas,
        points=points, points_total=points_total, area_rate=round(area_rate, 4),
        checks_by_type=dict(sorted(by_type.items())))


def suggestions(storage: Storage, f: PictureFilter, *, since: datetime, until: datetime,
                places: PlaceBook | None = None, limit: int = MAX_SUGGESTIONS
                ) -> wire.ComplaintSuggestions:
    """Active places that stand out (many complaints, few checks), best evidence first, for a
    shift lead building a route: counts only, no categories, no points."""
    pic = compute(storage, f, since=since, until=until, places=places, with_points=False)
    book = places or PlaceBook(storage)
    all_places = book.all()
    picked = [wire.replace(g, by_category={}) for g in pic.places
              if g.stands_out and g.place_id in all_places
              and active_during(all_places[g.place_id], pic.until, "9999")][:limit]
    return wire.ComplaintSuggestions(pic.since, pic.until, pic.city_rate, picked)


def _gap(p: wire.Place, complaints: int, checks: int, rate: float,
         by_category: dict[str, int]) -> ComplaintGap:
    score, lower = gap(complaints, checks, rate)
    return ComplaintGap(p.id, p.name, p.type.value, p.district_id, p.lat, p.lon, complaints,
                        checks, round(score, 4), round(lower, 4), lower > rate,
                        dict(sorted(by_category.items())))


def _districts(storage: Storage) -> list[wire.District]:
    return [wire.decode(wire.District, json.loads(b)) for b in storage.district_bodies()]
