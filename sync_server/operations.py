"""Joint operations ("Schwerpunkteinsatz"): the live feed and the summary of one operation, and
the operations a period held (for the steering group's report).

Which reports belong to an operation is a query (see ``storage/operations.py`` for why not a
tag stored at ingest): the storage finds the teams' reports in the window with the reader's
agency rule applied in SQL, and :func:`patrol_rules.operations.in_area` keeps those inside the
area. The feed pages by receipt, so a report that arrives late still shows up, at the end.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import patrol_wire as wire
from patrol_rules.operations import in_area

from .places import PlaceBook
from .storage import Storage

FEED_PAGE = 200
# A report's received_at is taken before its transaction commits, so a report received a
# moment before another can become visible after it. The feed's cursor therefore lags this far
# behind the newest receipt: a poll may bring the last seconds' reports again (clients keep
# them by id), never miss one that committed late.
FEED_SETTLE = timedelta(seconds=30)
_NO_ID = "00000000-0000-0000-0000-000000000000"  # sorts before every report id
_CURSOR = re.compile(r"^o1\.([0-9T:.Z-]{24})\.([0-9a-f-]{36})$")


def decode(body: str) -> wire.Operation:
    return wire.decode(wire.Operation, json.loads(body))


def status(op: wire.Operation, now: datetime) -> wire.OperationStatus:
    at = wire.format_timestamp(now)
    if at < op.starts_at:
        return wire.OperationStatus.PLANNED
    return wire.OperationStatus.RUNNING if at <= op.ends_at else wire.OperationStatus.ENDED


def parse_cursor(cursor: str | None) -> tuple[str, str] | None:
    """``o1.<received_at>.<report id>`` -> the key; None for no cursor; ValueError else."""
    if not cursor:
        return None
    m = _CURSOR.fullmatch(cursor)
    if m is None:
        raise ValueError("unknown cursor")
    return m.group(1), m.group(2)


def _rows(storage: Storage, op: wire.Operation, viewer_agency: str, *,
          after: tuple[str, str] | None = None, limit: int | None = None):
    """(rows in the area, rows scanned, key of the last scanned): the area is applied after
    SQL, so a page may hold fewer than it scanned and the cursor moves past both."""
    rows = storage.operation_reports(team_ids=op.team_ids, since=op.starts_at, until=op.ends_at,
                                     viewer_agency=viewer_agency, after=after, limit=limit)
    kept = [r for r in rows if in_area(op.place_ids, op.polygon, r[6], r[7], r[8])]
    last = (rows[-1][2], rows[-1][0]) if rows else after
    return kept, len(rows), last


def feed(storage: Storage, op: wire.Operation, places: PlaceBook, *, viewer_agency: str,
         after: tuple[str, str] | None, limit: int = FEED_PAGE,
         now: datetime | None = None) -> wire.OperationFeed:
    """The operation's reports received after ``after`` that the reader may see, oldest
    receipt first; polling with ``next_cursor`` costs one indexed read of the window. A full
    page moves the cursor to its last report; otherwise the cursor stays ``FEED_SETTLE``
    behind the present, so the next poll repeats the last seconds (keep items by id)."""
    kept, scanned, last = _rows(storage, op, viewer_agency, after=after, limit=limit)
    has_more = scanned == limit
    if not has_more and last is not None:
        settled = (wire.format_timestamp((now or datetime.now(timezone.utc)) - FEED_SETTLE), "")
        last = min(last, settled)
        if after is not None and after > last:  # never back before where the caller stood
            last = after
    teams = storage.team_names(sorted({r[5] for r in kept if r[5]}))
    items = []
    for (rid, observed, received, agency, author, team_id, place_id, _lat, _lon, severity,
         body, _nf, _nm) in kept:
        data = json.loads(body)
        place = places.get(place_id) if place_id else None
        items.append(wire.OperationFeedItem(
            rid, observed, received, agency, author, severity, team_id, teams.get(team_id),
            place_id, place.name if place else None, data.get("findings", []),
            data.get("measures", []), data.get("note", "")))
    cursor = f"o1.{last[0]}.{last[1] or _NO_ID}" if last else ""
    return wire.OperationFeed(items, cursor, has_more)


def summary(storage: Storage, op: wire.Operation, places: PlaceBook, *, viewer_agency: str,
            now: datetime) -> wire.OperationSummary:
    """Checks, findings and measures of the operation by agency and by place, findings and
    measures by kind: only of reports the reader may see."""
    kept, _, _ = _rows(storage, op, viewer_agency)
    agency: dict[str, list[int]] = {}
    place: dict[str | None, list[int]] = {}
    findings: Counter[str] = Counter()
    measures: Counter[str] = Counter()
    for (_id, _obs, _rec, ag, _author, _team, place_id, _lat, _lon, _sev, body, n_f,
         n_m) in kept:
        for tally in (agency.setdefault(ag, [0, 0, 0]), place.setdefault(place_id, [0, 0, 0])):
            tally[0] += 1
            tally[1] += n_f
            tally[2] += n_m
        data = json.loads(body)
        findings.update(data.get("findings", []))
        measures.update(data.get("measures", []))

    def name(pid: str | None) -> str:
        if pid is None:
            return "—"
        p = places.get(pid)
        return p.name if p else pid

    by_agency = sorted((wire.OperationAgencyTally(a, *v) for a, v in agency.items()),
                       key=lambda t: (-t.checks, t.agency))
    by_place = sorted((wire.OperationPlaceTally(pid, name(pid), *v) for pid, v in place.items()),
                      key=lambda t: (-t.checks, -t.findings, t.name))
    return wire.OperationSummary(
        op, status(op, now), len(kept), sum(v[1] for v in agency.values()),
        sum(v[2] for v in agency.values()), sum(1 for pid in place if pid is not None),
        by_agency, by_place, dict(sorted(findings.items(), key=lambda kv: (-kv[1], kv[0]))),
        dict(sorted(measures.items(), key=lambda kv: (-kv[1], kv[0]))))


@dataclass(frozen=True)
class HeldOperation:
    operation: wire.Operation
    checks: int


def held(storage: Storage, *, since: datetime, until: datetime, now: datetime,
         viewer_agency: str) -> list[HeldOperation]:
    """Operations that began in [since, until) and before ``now`` (held, not merely planned),
    earliest first, each with the checks the reader may see."""
    end = min(until, now)
    out = []
    for body in storage.list_operations(starting_from=wire.format_timestamp(since),
                                        starting_before=wire.format_timestamp(end)):
        op = decode(body)
        kept, _, _ = _rows(storage, op, viewer_agency)
        out.append(HeldOperation(op, len(kept)))
    return sorted(out, key=lambda h: (h.operation.starts_at, h.operation.id))
