"""Shift planning without HTTP: teams, route templates made concrete, progress and missed stops.

A route template gives each stop a window in minutes after the shift start, so one template
serves every day; assigning it to a team for a shift turns the offsets into absolute times.
Progress uses the same stop rule as the device (``patrol_rules.stops``) on the server's own
presence verdicts, so a device cannot mark a stop done by claiming to be on site.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import patrol_wire as wire
from patrol_rules import stops as route_rules

from .storage import Storage, User


def team_of(storage: Storage, team_id: str) -> wire.Team | None:
    row = storage.team_row(team_id)
    if row is None:
        return None
    members = [wire.TeamMember(u.username, u.display_name, u.agency)
               for u in storage.team_members(team_id)]
    return wire.Team(row[0], row[1], members, row[2])


def concrete_assignment(template: wire.RouteTemplate, team_id: str, shift_start: str,
                        shift_end: str) -> wire.Assignment:
    start = wire.parse_timestamp(shift_start)
    stops = [wire.RouteStop(i + 1, s.place_id,
                            wire.format_timestamp(start + timedelta(minutes=s.start_min)),
                            wire.format_timestamp(start + timedelta(minutes=s.end_min)))
             for i, s in enumerate(template.stops)]
    return wire.Assignment(f"as-{uuid.uuid4().hex[:16]}", template.id, template.name, team_id,
                           shift_start, shift_end, stops)


def stop_states(storage: Storage, assignment: wire.Assignment, *, now: datetime, grace: timedelta,
                viewer_agency: str | None = None
                ) -> tuple[list[route_rules.StopState], list[tuple]]:
    """The stops' states (the shared rule on the server's verdicts) and the team's reports in
    the shift, (place_id, observed_at, server_verdict, shown), oldest first. ``shown``: the
    viewer of ``viewer_agency`` may read the report (None: a caller that shows no report)."""
    places = {pid: wire.decode(wire.Place, json.loads(body))
              for pid, body in storage.place_bodies(s.place_id for s in assignment.stops).items()}
    first, last = route_rules.checks_span(assignment, grace)
    rows = storage.team_checks(assignment.team_id, since=wire.format_timestamp(first),
                               until=wire.format_timestamp(last), viewer_agency=viewer_agency)
    checks = [route_rules.Check(pid, wire.parse_timestamp(at), verdict == wire.Verdict.ON_SITE.value,
                                bool(shown))
              for pid, at, verdict, shown in rows if pid is not None]
    return route_rules.stop_states(assignment, places, checks, now=now, grace=grace), rows


def progress(storage: Storage, assignment: wire.Assignment, *, now: datetime, grace: timedelta,
             viewer_agency: str) -> wire.TeamProgress:
    """One team's progress as the viewer may see it: every stop counts (see the agency rule in
    ``patrol_rules.stops``), but check times and the last report come only from reports the
    viewer may read."""
    states, rows = stop_states(storage, assignment, now=now, grace=grace,
                               viewer_agency=viewer_agency)
    team = team_of(storage, assignment.team_id) or wire.Team(assignment.team_id, "?", [])
    stops = [wire.StopProgress(
        st.stop.seq, st.stop.place_id, st.place.name if st.place else st.stop.place_id,
        st.stop.window_start, st.stop.window_end, st.status,
        wire.format_timestamp(st.checked_at) if st.checked_at else None) for st in states]
    count = {s: sum(1 for x in states if x.status is s) for s in wire.StopStatus}
    began = wire.format_timestamp(wire.parse_timestamp(assignment.shift_start))
    last = next((r for r in reversed(rows) if r[3] and r[1] >= began), None)
    last_place = None
    if last and last[0]:
        body = storage.place_bodies([last[0]]).get(last[0])
        last_place = json.loads(body)["name"] if body else last[0]
    return wire.TeamProgress(
        assignment.id, team.id, team.name, team.is_mixed, team.members, assignment.route_name,
        assignment.shift_start, assignment.shift_end, stops, count[wire.StopStatus.DONE],
        count[wire.StopStatus.OPEN], count[wire.StopStatus.MISSED],
        last[1] if last else None, last_place, late=count[wire.StopStatus.LATE])


def handover(storage: Storage, old: wire.Assignment, new_team_id: str, *, now: datetime,
             grace: timedelta) -> wire.Assignment | None:
    """The assignment for the new team: the stops still open, renumbered; None if none are.
    Every check counts here (the agency rule hides report details, not whether a stop is
    done), so both agencies' leads hand over the same stops."""
    states, _ = stop_states(storage, old, now=now, grace=grace)
    remaining = [st.stop for st in states if st.status is wire.StopStatus.OPEN]
    if not remaining:
        return None
    stops = [wire.RouteStop(i + 1, s.place_id, s.window_start, s.window_end)
             for i, s in enumerate(remaining)]
    return wire.Assignment(f"as-{uuid.uuid4().hex[:16]}", old.route_id, old.route_name,
                           new_team_id, old.shift_start, old.shift_end, stops)


def current_assignments(storage: Storage, now: datetime) -> list[wire.Assignment]:
    """Active assignments of shifts overlapping the 12 hours either side of ``now``."""
    bodies = storage.active_assignments(
        ending_after=wire.format_timestamp(now - timedelta(hours=12)),
        starting_before=wire.format_timestamp(now + timedelta(hours=12)))
    return [wire.decode(wire.Assignment, json.loads(b)) for b in bodies]


def directory(storage: Storage) -> list[wire.UserRecord]:
    return [user_record(u) for u in storage.list_users()]


def user_record(u: User) -> wire.UserRecord:
    return wire.UserRecord(u.username, u.display_name, u.role, u.agency, u.disabled)
