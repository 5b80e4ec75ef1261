"""Fear spaces for the city's planning office: the places where checklists noted broken or missing
lighting or a fear-space hint, as GeoJSON (a map layer) and CSV (a list), for supervisors. The
picture's window, filters and agency rule (``SliceDep``); every export is audited."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Iterator, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

import patrol_wire as wire
from patrol_wire.labels import label

from .. import fear_spaces
from . import docs
from .deps import PlacesDep, SettingsDep, StorageDep
from .situation import SliceDep, neutralise, outer_ring

router = APIRouter(prefix=wire.API_PREFIX, tags=["situation"])

CSV_COLUMNS = ["place_id", "place_name", "place_type", "district_id", "lat", "lon", "checks",
               "reports_with_signal", "lighting_broken", "lighting_none", "poor_lighting",
               "first_seen_local", "last_seen_local", "hints"]
_TEXT = {"place_id", "place_name", "place_type", "district_id", "hints"}
CSV_HEADERS_DE = {  # the semicolon dialect is for people: German headers and words
    "place_id": "Ort-ID", "place_name": "Ort", "place_type": "Ortstyp", "district_id": "Stadtbezirk",
    "lat": "Breite", "lon": "Länge", "checks": "Kontrollen",
    "reports_with_signal": "Berichte mit Hinweis", "lighting_broken": "Beleuchtung defekt",
    "lighting_none": "Keine Beleuchtung", "poor_lighting": "Schlechte Beleuchtung (Feststellung)",
    "first_seen_local": "Erster Hinweis", "last_seen_local": "Letzter Hinweis", "hints": "Hinweise"}


def _download(chunks: Iterator[str], media: str, filename: str) -> StreamingResponse:
    return StreamingResponse((c.encode("utf-8") for c in chunks), media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/situation/fear-spaces",
            responses=docs.answers({200: {"type": "array"}}, 401, 403, 422))
def fear_space_list(sl: SliceDep, storage: StorageDep, places: PlacesDep) -> list[dict]:
    """The same places for the picture's list and map layer (JSON; not audited as an export:
    it is what the screen shows), most signals first, with the newest hints."""
    places.refresh()
    return [{"place_id": fs.place.id, "name": fs.place.name, "type": fs.place.type.value,
             "district_id": fs.place.district_id, "lat": fs.place.lat, "lon": fs.place.lon,
             "checks": fs.checks, "reports_with_signal": fs.reports,
             "lighting_broken": fs.lighting_broken, "lighting_none": fs.lighting_none,
             "poor_lighting": fs.poor_lighting, "last_seen": fs.last_seen,
             "hints": [text for _at, text in fs.hints]}
            for fs in fear_spaces.collect(storage, sl.filter, since=sl.start, until=sl.end,
                                          places=places.all())]


@router.get("/export/fear-spaces.geojson",
            responses={200: {"description": "RFC 7946 FeatureCollection",
                             "content": {"application/geo+json": {}}},
                       **docs.answers({}, 401, 403, 422, docs.STORAGE_FULL)})
def export_fear_spaces_geojson(sl: SliceDep, storage: StorageDep, settings: SettingsDep,
                               places: PlacesDep) -> StreamingResponse:
    """Places with fear-space signals in the window (polygon or point): checks, reports with a
    signal, broken / missing lighting, poor-lighting findings, the newest hints. No names."""
    sl.audit(storage, "export.fear_spaces_geojson", "fear-spaces.geojson")
    places.refresh()
    found = fear_spaces.collect(storage, sl.filter, since=sl.start, until=sl.end,
                                places=places.all())
    zone = ZoneInfo(settings.timezone)

    def chunks() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":['
        for i, fs in enumerate(found):
            p = fs.place
            geometry = ({"type": "Polygon", "coordinates": [outer_ring(p.polygon)]} if p.polygon
                        else {"type": "Point", "coordinates": [p.lon, p.lat]})
            props = {"name": p.name, "type": p.type.value, "district_id": p.district_id,
                     "checks": fs.checks, "reports_with_signal": fs.reports,
                     "lighting_broken": fs.lighting_broken, "lighting_none": fs.lighting_none,
                     "poor_lighting": fs.poor_lighting,
                     "first_seen": fs.first_seen, "last_seen": fs.last_seen,
                     "first_seen_local": fear_spaces.local(fs.first_seen, zone),
                     "last_seen_local": fear_spaces.local(fs.last_seen, zone),
                     "hints": [{"observed_at": at, "text": text} for at, text in fs.hints]}
            yield ("," if i else "") + json.dumps(
                {"type": "Feature", "id": p.id, "geometry": geometry, "properties": props},
                ensure_ascii=False, separators=(",", ":"))
        yield "]}"

    return _download(chunks(), "application/geo+json", "fear-spaces.geojson")


@router.get("/export/fear-spaces.csv",
            responses={200: {"description": "CSV, UTF-8", "content": {"text/csv": {}}},
                       **docs.answers({}, 401, 403, 422, docs.STORAGE_FULL)})
def export_fear_spaces_csv(sl: SliceDep, storage: StorageDep, settings: SettingsDep,
                           places: PlacesDep,
                           dialect: Annotated[Literal["comma", "semicolon"], Query(
                               description="'semicolon': ';' separator, decimal comma and a BOM")] = "comma",
                           ) -> StreamingResponse:
    """The same places as a list, one row each, most signals first; hints joined with ' | '.
    Comma: stable codes for machines; semicolon: German headers, place types and district
    names, decimal commas, for a German spreadsheet program."""
    sl.audit(storage, "export.fear_spaces_csv", "fear-spaces.csv", dialect=dialect)
    places.refresh()
    found = fear_spaces.collect(storage, sl.filter, since=sl.start, until=sl.end,
                                places=places.all())
    zone = ZoneInfo(settings.timezone)
    german = dialect == "semicolon"
    districts = ({d["id"]: d["name"] for d in map(json.loads, storage.district_bodies())}
                 if german else {})

    def num(x: float) -> str:
        text = repr(round(x, 7))
        return text.replace(".", ",") if german else text

    def chunks() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";" if german else ",", lineterminator="\r\n")
        if german:
            out.write("\ufeff")
        writer.writerow([CSV_HEADERS_DE[c] for c in CSV_COLUMNS] if german else CSV_COLUMNS)
        for fs in found:
            p = fs.place
            district = p.district_id or ""
            row = dict(place_id=p.id, place_name=p.name,
                       place_type=label("de", "t_", p.type.value) if german else p.type.value,
                       district_id=districts.get(district, district), lat=num(p.lat), lon=num(p.lon),
                       checks=fs.checks, reports_with_signal=fs.reports,
                       lighting_broken=fs.lighting_broken, lighting_none=fs.lighting_none,
                       poor_lighting=fs.poor_lighting,
                       first_seen_local=fear_spaces.local(fs.first_seen, zone),
                       last_seen_local=fear_spaces.local(fs.last_seen, zone),
                       hints=" | ".join(text for _, text in fs.hints))
            writer.writerow([neutralise(str(row[c])) if c in _TEXT else row[c] for c in CSV_COLUMNS])
        yield out.getvalue()

    return _download(chunks(), "text/csv; charset=utf-8", "fear-spaces.csv")
