"""Route stops: done / late / open / missed (shared rules), next stop and direction (device)."""

from datetime import datetime, timedelta, timezone

import patrol_wire as wire
from patrol_app.core import route
from patrol_rules import stops
from patrol_rules.stops import Check
from patrol_wire import StopStatus

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
    return [s.status for s in stops.stop_states(ASSIGNMENT, PLACES, checks, now=T0 + timedelta(minutes=minutes))]


def test_on_site_check_in_the_window_marks_the_stop_done():
    checks = [Check("a", T0 + timedelta(minutes=30), True)]
    assert states(checks, 31) == [StopStatus.DONE, StopStatus.OPEN, StopStatus.OPEN]


def test_missed_only_after_the_grace_period():
    assert states([], 60 + 15) == [StopStatus.OPEN, StopStatus.OPEN, StopStatus.OPEN]
    assert states([], 60 + 15.1) == [StopStatus.MISSED, StopStatus.OPEN, StopStatus.OPEN]


def test_off_site_or_early_checks_do_not_count():
    # off site at a; at b 50 minutes before its window opens: a check before the window is
    # not one for the stop (the place was not watched when the plan said)
    checks = [Check("a", T0 + timedelta(minutes=30), False), Check("b", T0 + timedelta(minutes=10), True)]
    assert states(checks, 200) == [StopStatus.MISSED, StopStatus.MISSED, StopStatus.MISSED]
    late_but_in_grace = [Check("b", T0 + timedelta(minutes=135), True)]
    assert states(late_but_in_grace, 200)[1] is StopStatus.DONE


def full(checks, minutes):
    return stops.stop_states(ASSIGNMENT, PLACES, checks, now=T0 + timedelta(minutes=minutes))


def test_a_check_after_window_and_grace_is_late_not_missed():
    at = T0 + timedelta(minutes=135, milliseconds=1)  # b's window ends at 120, grace 15
    st = full([Check("b", at, True)], 200)[1]
    assert st.status is StopStatus.LATE and st.checked_at == at
    # missed until someone gets there; late once they did, within the shift (+ grace)
    assert full([], 200)[1].status is StopStatus.MISSED
    end = T0 + timedelta(minutes=480 + 15)
    assert full([Check("b", end, True)], 500)[1].status is StopStatus.LATE
    assert full([Check("b", end + timedelta(milliseconds=1), True)], 500)[1].status is StopStatus.MISSED


def test_an_earlier_check_that_syncs_later_turns_late_into_done():
    late, in_time = T0 + timedelta(minutes=170), T0 + timedelta(minutes=100)
    st = full([Check("b", late, True), Check("b", in_time, True)], 200)[1]
    assert st.status is StopStatus.DONE and st.checked_at == in_time


def test_a_check_the_viewer_may_not_read_counts_without_its_time():
    hidden = Check("a", T0 + timedelta(minutes=20), True, shown=False)
    st = full([hidden], 200)[0]
    assert st.status is StopStatus.DONE and st.checked_at is None
    # of two checks at the same instant the visible one decides: its time can be shown
    shown = Check("a", hidden.observed_at, True)
    assert full([hidden, shown], 200)[0].checked_at == hidden.observed_at
    assert full([shown, hidden], 200)[0].checked_at == hidden.observed_at
    late_hidden = Check("b", T0 + timedelta(minutes=150), True, shown=False)
    assert (full([late_hidden], 200)[1].status, full([late_hidden], 200)[1].checked_at) == (
        StopStatus.LATE, None)


def test_next_stop_is_the_first_open_one():
    sts = stops.stop_states(ASSIGNMENT, PLACES, [Check("a", T0, True)], now=T0 + timedelta(minutes=90))
    assert route.next_stop(sts).stop.place_id == "b"


def test_direction_and_distance():
    fix = wire.GpsFix(51.680, 7.810, 5, ts(0))
    dist, compass = route.direction(fix, PLACES["b"])
    assert compass == "N" and 1100 < dist < 1120
    assert route.direction(fix, PLACES["c"], "de")[1] == "O"
    assert route.direction(fix, PLACES["c"], "en")[1] == "E"


def test_current_assignment_is_the_running_shift_of_my_team():
    other = wire.Assignment("as2", "r2", "X", "other-team", ts(0), ts(480), [])
    assert stops.current_assignment([other, ASSIGNMENT], ["team"], T0 + timedelta(hours=1)) == ASSIGNMENT
    # ended an hour ago: still this shift (its missed stops stay visible); a day later: gone
    assert stops.current_assignment([ASSIGNMENT], ["team"], T0 + timedelta(hours=9)) == ASSIGNMENT
    assert stops.current_assignment([ASSIGNMENT], ["team"], T0 + timedelta(hours=30)) is None
    # ahead: a late shift seen in the morning (or just after midnight), not one two days off
    assert stops.current_assignment([ASSIGNMENT], ["team"], T0 - timedelta(hours=1)) == ASSIGNMENT
    assert stops.current_assignment([ASSIGNMENT], ["team"], T0 - timedelta(hours=15)) == ASSIGNMENT
    assert stops.current_assignment([ASSIGNMENT], ["team"], T0 - timedelta(hours=40)) is None
    later = wire.Assignment("as3", "r", "L", "team", ts(24 * 60), ts(32 * 60), [])
    assert stops.current_assignment([ASSIGNMENT, later], ["team"], T0 + timedelta(hours=4)) == ASSIGNMENT


def test_device_route_today_uses_its_own_on_site_reports(tmp_path):
    from patrol_app.core.checks import CheckDraft
    from patrol_app.core.device import Device

    device = Device(tmp_path, "http://127.0.0.1:9")
    device.store.set_meta("user", wire.canonical_json(wire.UserInfo(
        "kod", "K", wire.Role.OFFICER, "kod", ["team"])).decode())
    device.store.apply_sync_page(wire.SyncPage("c1.1", False, places=list(PLACES.values()),
                                               assignments=[ASSIGNMENT]))
    at_a = wire.GpsFix(51.680, 7.810, 5, ts(29.9))
    device.save_check(CheckDraft(place=PLACES["a"], fix=at_a), now=T0 + timedelta(minutes=30))
    assignment, states = device.route_today(T0 + timedelta(minutes=130))
    assert assignment == ASSIGNMENT
    assert [s.status for s in states] == [StopStatus.DONE, StopStatus.OPEN, StopStatus.OPEN]


def test_a_phone_two_hours_slow_still_sees_its_check_done(tmp_path):
    """Route windows are on the server's clock, the phone's checks on its own: with the offset
    learned from the server, Today compares like with like (it showed the stop missed)."""
    from patrol_app.core.checks import CheckDraft
    from patrol_app.core.device import Device

    slow = timedelta(hours=-2)
    device = Device(tmp_path, "http://127.0.0.1:9", clock=lambda: T0 + timedelta(minutes=130) + slow)
    device.store.set_meta("clock_offset_s", repr(-slow.total_seconds()))  # learned from a Date
    device.store.set_meta("user", wire.canonical_json(wire.UserInfo(
        "kod", "K", wire.Role.OFFICER, "kod", ["team"])).decode())
    device.store.apply_sync_page(wire.SyncPage("c1.1", False, places=list(PLACES.values()),
                                               assignments=[ASSIGNMENT]))
    checked = T0 + timedelta(minutes=30) + slow  # what the phone's clock read at stop a
    at_a = wire.GpsFix(51.680, 7.810, 5, wire.format_timestamp(checked))
    report = device.save_check(CheckDraft(place=PLACES["a"], fix=at_a), now=checked)
    assert report.team_id == "team"  # the shift is found on the server's clock too
    assignment, states = device.route_today()
    assert [s.status for s in states] == [StopStatus.DONE, StopStatus.OPEN, StopStatus.OPEN]


def test_device_route_today_tells_late_from_missed(tmp_path):
    from patrol_app.core.checks import CheckDraft
    from patrol_app.core.device import Device

    device = Device(tmp_path, "http://127.0.0.1:9")
    device.store.set_meta("user", wire.canonical_json(wire.UserInfo(
        "kod", "K", wire.Role.OFFICER, "kod", ["team"])).decode())
    device.store.apply_sync_page(wire.SyncPage("c1.1", False, places=list(PLACES.values()),
                                               assignments=[ASSIGNMENT]))
    at_a = wire.GpsFix(51.680, 7.810, 5, ts(99.9))  # a's window ended at 60 (+15 grace)
    device.save_check(CheckDraft(place=PLACES["a"], fix=at_a), now=T0 + timedelta(minutes=100))
    _, states = device.route_today(T0 + timedelta(minutes=140))
    assert [s.status for s in states] == [StopStatus.LATE, StopStatus.MISSED, StopStatus.OPEN]
    assert states[0].checked_at == T0 + timedelta(minutes=100)


def test_events_are_offered_only_while_they_run(tmp_path):
    from patrol_app.core.device import Device

    device = Device(tmp_path, "http://127.0.0.1:9")
    fair = wire.Place("fair", "Kirmes", wire.PlaceType.EVENT, 51.68, 7.82, 100,
                      active_from=ts(60), active_until=ts(120))
    device.store.apply_sync_page(wire.SyncPage("c1.1", False, places=[fair, PLACES["a"]]))
    assert [p.id for p in device.current_places(T0)] == ["a"]
    assert [p.id for p in device.current_places(T0 + timedelta(minutes=90))] == ["a", "fair"]
    assert [p.id for p in device.current_places(T0 + timedelta(minutes=121))] == ["a"]
