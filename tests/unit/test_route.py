"""Route progress on the device: done / open / missed, next stop, direction."""

from datetime import datetime, timedelta, timezone

import patrol_wire as wire
from patrol_app.core import route
from patrol_app.core.route import Check, StopStatus

T0 = datetime(2026, 11, 22, 13, 0, tzinfo=timezone.utc)
PLACES = {p.id: p for p in [
    wire.Place("a", "A", wire.PlaceType.HOTSPOT, 51.680, 7.810, 50),
    wire.Place("b", "B", wire.PlaceType.PLAYGROUND, 51.690, 7.810, 30),
    wire.Place("c", "C", wire.PlaceType.PLAYGROUND, 51.680, 7.830, 30),
]}


def ts(minutes: float) -> str:
    return wire.format_timestamp(T0 + timedelta(minutes=minutes))


ASSIGNMENT = wire.Assignment(
    "as1", "r1", "Innenstadt", "team", ts(0), ts(480),
    [wire.RouteStop(1, "a", ts(0), ts(60)), wire.RouteStop(2, "b", ts(60), ts(120)),
     wire.RouteStop(3, "c", ts(120), ts(180))])


def states(checks, minutes):
    return [s.status for s in route.stop_states(ASSIGNMENT, PLACES, checks, now=T0 + timedelta(minutes=minutes))]


def test_on_site_check_in_the_window_marks_the_stop_done():
    checks = [Check("a", T0 + timedelta(minutes=30), True)]
    assert states(checks, 31) == [StopStatus.DONE, StopStatus.OPEN, StopStatus.OPEN]


def test_missed_only_after_the_grace_period():
    assert states([], 60 + 15) == [StopStatus.OPEN, StopStatus.OPEN, StopStatus.OPEN]
    assert states([], 60 + 15.1) == [StopStatus.MISSED, StopStatus.OPEN, StopStatus.OPEN]


def test_off_site_or_out_of_window_checks_do_not_count():
    checks = [Check("a", T0 + timedelta(minutes=30), False), Check("b", T0 + timedelta(minutes=10), True)]
    assert states(checks, 200) == [StopStatus.MISSED, StopStatus.MISSED, StopStatus.MISSED]
    late_but_in_grace = [Check("b", T0 + timedelta(minutes=130), True)]
    assert states(late_but_in_grace, 200)[1] is StopStatus.DONE


def test_next_stop_is_the_first_open_one():
    sts = route.stop_states(ASSIGNMENT, PLACES, [Check("a", T0, True)], now=T0 + timedelta(minutes=90))
    assert route.next_stop(sts).stop.place_id == "b"


def test_direction_and_distance():
    fix = wire.GpsFix(51.680, 7.810, 5, ts(0))
    dist, compass = route.direction(fix, PLACES["b"])
    assert compass == "N" and 1100 < dist < 1120
    assert route.direction(fix, PLACES["c"], "de")[1] == "O"
    assert route.direction(fix, PLACES["c"], "en")[1] == "E"


def test_current_assignment_is_the_running_shift_of_my_team():
    other = wire.Assignment("as2", "r2", "X", "other-team", ts(0), ts(480), [])
    assert route.current_assignment([other, ASSIGNMENT], ["team"], T0 + timedelta(hours=1)) == ASSIGNMENT
    assert route.current_assignment([ASSIGNMENT], ["team"], T0 + timedelta(hours=9)) is None
    assert route.current_assignment([ASSIGNMENT], ["team"], T0 - timedelta(hours=1)) == ASSIGNMENT
