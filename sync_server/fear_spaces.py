"""Fear spaces ("Angsträume") from the checklists: where patrols noted missing or broken lighting
or left a fear-space hint (lighting, sight lines), per place, for the city's planning office.

The signals are checklist answers and one finding, named here once (the default checklists'
keys; a city whose checklists use other keys adds them to these tables):

- ``lighting`` answered "defekt" (broken) or "keine" (none) -- the playground checklist;
- the finding ``poor_lighting``;
- a non-empty ``fear_space_issue`` text -- the hotspot checklist's hint on lighting and sight
  lines, passed on as written (it is the hint the field asks for; no author is named).

A place is listed when at least one report in the window that the reader may see (the agency
rule) carries a signal; beside the signal counts stands the number of checks at the place in
the window, so "2 of 40 checks" reads differently from "2 of 2". Rows come from the export's
stream of reports (``Storage.export_rows``), so memory stays flat over long windows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import patrol_wire as wire

from . import situation
from .storage import PictureFilter, Storage

LIGHTING_ANSWERS = {"lighting": {"defekt": "lighting_broken", "keine": "lighting_none"}}
HINT_FIELDS = ("fear_space_issue",)
FINDING = "poor_lighting"
MAX_HINTS = 5


@dataclass
class FearSpace:
    place: wire.Place
    checks: int = 0  # all checks at the place in the window (the reader's)
    reports: int = 0  # checks with at least one fear-space signal
    lighting_broken: int = 0
    lighting_none: int = 0
    poor_lighting: int = 0
    hints: list[tuple[str, str]] = field(default_factory=list)  # (observed_at, text), newest first
    first_seen: str = ""
    last_seen: str = ""


def signals(body: dict) -> tuple[dict[str, int], str | None]:
    """A report's fear-space signals: counts by kind and the hint text, if any."""
    answers = body.get("answers") or {}
    out: dict[str, int] = {}
    for key, kinds in LIGHTING_ANSWERS.items():
        kind = kinds.get(answers.get(key)) if isinstance(answers.get(key), str) else None
        if kind:
            out[kind] = 1
    if FINDING in (body.get("findings") or []):
        out["poor_lighting"] = 1
    hint = next((answers[k].strip() for k in HINT_FIELDS
                 if isinstance(answers.get(k), str) and answers[k].strip()), None)
    return out, hint


def collect(storage: Storage, f: PictureFilter, *, since: datetime, until: datetime,
            places: dict[str, wire.Place]) -> list[FearSpace]:
    """Places with fear-space signals in the window, most signals first."""
    s, u = wire.format_timestamp(since), wire.format_timestamp(until)
    found: dict[str, FearSpace] = {}
    for body, *_rest in storage.export_rows(f, since=s, until=u):
        if '"poor_lighting"' not in body and not any(k in body for k in (*LIGHTING_ANSWERS, *HINT_FIELDS)):
            continue  # most reports: no need to decode
        r = json.loads(body)
        counts, hint = signals(r)
        p = places.get(r.get("place_id") or "")
        if p is None or not (counts or hint):
            continue
        fs = found.setdefault(p.id, FearSpace(p))
        fs.reports += 1
        for kind, n in counts.items():
            setattr(fs, kind, getattr(fs, kind) + n)
        if hint:
            fs.hints.insert(0, (r["observed_at"], hint))
            del fs.hints[MAX_HINTS:]
        fs.first_seen = fs.first_seen or r["observed_at"]
        fs.last_seen = r["observed_at"]
    if found:
        checks = situation.by_place(storage, f, since, until)
        for pid, fs in found.items():
            fs.checks = checks.get(pid, (0, 0, 0))[0]
    return sorted(found.values(), key=lambda x: (-x.reports, -x.checks, x.place.id))


def local(ts: str, zone: ZoneInfo) -> str:
    return wire.parse_timestamp(ts).astimezone(zone).strftime("%Y-%m-%d %H:%M") if ts else ""
