"""The demo works at any hour: its shift runs when it is seeded, with open stops ahead."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import patrol_wire as wire
from patrol_rules import stops as route_rules
from sync_server import planning
from sync_server.demo import seed_demo

BERLIN = ZoneInfo("Europe/Berlin")
GRACE = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def no_basemap(settings):
    """The generated basemap (2 s) has nothing to do with the shift: a placeholder skips it."""
    settings.tiles_file.parent.mkdir(parents=True, exist_ok=True)
    settings.tiles_file.touch()


def demo_progress(storage, now: datetime) -> wire.TeamProgress:
    assignments = planning.current_assignments(storage, now)
    mine = route_rules.current_assignment(assignments, ["team-mitte-1"], now)  # as the phone picks
    assert mine is not None
    return planning.progress(storage, mine, now=now, grace=GRACE, viewer_agency="police")


@pytest.mark.parametrize("clock", [
    datetime(2026, 11, 22, 0, 5), datetime(2026, 11, 22, 7, 59), datetime(2026, 11, 22, 14, 0),
    datetime(2026, 11, 22, 18, 47), datetime(2026, 11, 22, 23, 30), datetime(2026, 11, 22, 23, 59),
    datetime(2026, 3, 29, 3, 10),  # an hour after the clocks went forward
    datetime(2026, 10, 25, 2, 40, fold=1),  # in the hour that happens twice
])
def test_seeded_demo_has_a_running_shift_with_open_stops_ahead(storage, settings, clock):
    now = clock.replace(tzinfo=BERLIN)
    seed_demo(storage, settings, now=now)
    p = demo_progress(storage, now)
    start, end = wire.parse_timestamp(p.shift_start), wire.parse_timestamp(p.shift_end)
    assert start <= now <= end and timedelta(minutes=30) <= now - start < timedelta(minutes=45)
    assert (p.done, p.late, p.missed, p.open) == (0, 0, 0, len(p.stops)) and len(p.stops) >= 5
    first = p.stops[0]
    assert wire.parse_timestamp(first.window_start) <= now <= wire.parse_timestamp(first.window_end)
    assert all(wire.parse_timestamp(s.window_start) > now for s in p.stops[1:])


def test_seeding_again_later_moves_the_one_demo_shift_to_then(storage, settings):
    morning = datetime(2026, 11, 22, 8, 0, tzinfo=BERLIN)
    night = datetime(2026, 11, 22, 23, 30, tzinfo=BERLIN)
    seed_demo(storage, settings, now=morning)
    seed_demo(storage, settings, now=night)
    around = storage.active_assignments(ending_after=wire.format_timestamp(morning - timedelta(days=1)),
                                        starting_before=wire.format_timestamp(night + timedelta(days=1)))
    assert len(around) == 1
    p = demo_progress(storage, night)
    assert (p.missed, p.open) == (0, len(p.stops))


@pytest.mark.parametrize("clock", [datetime(2026, 11, 22, 0, 5), datetime(2026, 11, 22, 14, 0),
                                   datetime(2026, 11, 21, 21, 30), datetime(2026, 3, 29, 3, 10)])
def test_the_demo_operations_one_held_one_running_with_three_agencies(storage, settings, clock):
    """Whenever the demo starts: the Christmas-market evening was yesterday (its summary has
    checks of every team), the Südstraße night is running now; three agencies each."""
    from sync_server import operations
    from sync_server.places import PlaceBook

    now = clock.replace(tzinfo=BERLIN)
    seed_demo(storage, settings, now=now)
    ops = {o.id: o for o in map(operations.decode, storage.list_operations())}
    market, night = ops["op-demo-weihnachtsmarkt"], ops["op-demo-suedstrasse"]
    assert operations.status(market, now) is wire.OperationStatus.ENDED
    assert operations.status(night, now) is wire.OperationStatus.RUNNING
    for op in (market, night):
        assert len(op.agencies) == 3 and len(op.team_ids) == 2 and op.briefing
        s = operations.summary(storage, op, PlaceBook(storage), viewer_agency="police", now=now)
        assert s.checks >= 8 and s.findings > 0 and s.measures > 0, op.id
        assert len({a.agency for a in s.by_agency}) >= 3, op.id
