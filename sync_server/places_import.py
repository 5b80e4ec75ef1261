"""Import places from CSV or GeoJSON, with a per-row report of what was taken and why not.

CSV columns: id, name, type, lat, lon, radius_m, district_id, category, address, active_from,
active_until (the first five required). GeoJSON: a FeatureCollection of Point or Polygon
features whose properties carry the same names (a polygon's centre is its vertex mean).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import patrol_wire as wire
from patrol_wire import Place, WireError

from .storage import Storage

_FLOATS = ("lat", "lon", "radius_m")
_OPTIONAL = ("district_id", "category", "address", "active_from", "active_until")


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (row label, reason)

    def summary(self) -> str:
        lines = [f"imported: {len(self.imported)}, rejected: {len(self.rejected)}"]
        lines += [f"  rejected {row}: {reason}" for row, reason in self.rejected]
        return "\n".join(lines)


def rows_from_csv(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Rows with their line labels; ValueError when the file is not readable CSV at all."""
    try:
        return list(_csv_rows(text))
    except csv.Error as exc:
        raise ValueError(f"not readable as CSV: {exc}") from None


def _csv_rows(text: str) -> Iterable[tuple[str, dict[str, Any]]]:
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        item: dict[str, Any] = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        for key in _FLOATS:
            if item.get(key):
                try:
                    item[key] = float(item[key])
                except ValueError:
                    pass  # left as text: validation names the field
        for key in _OPTIONAL:
            if key in item and item[key] == "":
                item[key] = None
        if item.get("radius_m") in ("", None):
            item["radius_m"] = 50.0
        yield f"line {n}", item


def rows_from_geojson(data: Any) -> Iterable[tuple[str, dict[str, Any]]]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError("GeoJSON must be a FeatureCollection")
    for n, feat in enumerate(data.get("features", []), start=1):
        label = f"feature {n}"
        try:
            props = dict(feat.get("properties") or {})
            geom = feat["geometry"]
            if geom["type"] == "Point":
                props["lon"], props["lat"] = geom["coordinates"][:2]
            elif geom["type"] == "Polygon":
                ring = geom["coordinates"][0]
                props["polygon"] = [[float(x), float(y)] for x, y, *_ in ring]
                corners = ring[:-1] if ring[0] == ring[-1] else ring
                props["lon"] = round(sum(p[0] for p in corners) / len(corners), 7)
                props["lat"] = round(sum(p[1] for p in corners) / len(corners), 7)
            else:
                raise ValueError(f"geometry {geom['type']} is not supported")
            props.setdefault("radius_m", 50.0)
        except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError) as exc:
            yield label, {"__error__": f"unusable geometry ({exc})"}
            continue
        yield label, props


def import_places(storage: Storage, rows: Iterable[tuple[str, dict[str, Any]]],
                  *, known_districts: set[str], actor: str = "cli") -> ImportReport:
    report = ImportReport()
    accepted: list[Place] = []
    seen: set[str] = set()
    for label, item in rows:
        if "__error__" in item:
            report.rejected.append((label, item["__error__"]))
            continue
        try:
            place = wire.decode(Place, item)
        except WireError as err:
            report.rejected.append((label, f"{err.path}: {err.message}"))
            continue
        if place.district_id is not None and place.district_id not in known_districts:
            report.rejected.append((label, f"district_id: unknown district {place.district_id!r}"))
            continue
        if place.id in seen:
            report.rejected.append((label, f"id: {place.id!r} appears twice in this file"))
            continue
        seen.add(place.id)
        accepted.append(place)
    storage.upsert_places(
        [(p.id, wire.canonical_json(p).decode(), p.type.value, p.district_id, p.active)
         for p in accepted], actor=actor)
    report.imported = [p.id for p in accepted]
    return report


def read_rows(path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".geojson", ".json"):
        return list(rows_from_geojson(json.loads(text)))
    return list(rows_from_csv(text))
