"""The device side of review and planning: a question arrives, the answer goes back as an
amendment; the shift lead's route and team drafts; the Office client against the real app."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from patrol_app.core import planning
from patrol_app.core.checks import CheckDraft
from patrol_app.core.client import Rejected
from patrol_app.core.device import Device
from sync_server.app import create_app
from tests.conftest import add_place, add_user

PW = "correct horse battery"


@pytest.fixture
def server(settings, storage):
    add_user(storage, "pol")
    add_user(storage, "kod", agency="kod")
    add_user(storage, "sup", wire.Role.SUPERVISOR)
    add_user(storage, "lead", wire.Role.SHIFT_LEAD, "kod")
    add_place(storage, "pg-1")
    add_place(storage, "pg-2", lat=51.69)
    with TestClient(create_app(settings, storage)) as c:
        yield c


def device_for(server, tmp_path, username) -> Device:
    d = Device(tmp_path / f"dev-{username}", "http://testserver", transport=server._transport)
    d.login(username, PW)
    return d


def test_question_answer_round_trip_between_devices(server, tmp_path):
    officer = device_for(server, tmp_path, "pol")
    supervisor = device_for(server, tmp_path, "sup")
    officer.sync()
    place = officer.store.place("pg-1")
    fix = wire.GpsFix(place.lat, place.lon, 6.0, wire.format_timestamp(datetime.now(timezone.utc)))
    report = officer.save_check(CheckDraft(place=place, fix=fix, note="Glas im Sand"))
    assert officer.sync().reports_sent == 1

    office = supervisor.office()
    try:
        queue = office.reports(state="submitted")["items"]
        assert [i["report"]["id"] for i in queue] == [report.id]
        office.review(report.id, wire.ReviewAction.START)
        office.review(report.id, wire.ReviewAction.ASK, "Wie viel Glas?")
        with pytest.raises(Rejected) as err:
            office.review(report.id, wire.ReviewAction.APPROVE)  # needs_info: wait for the answer
        assert err.value.code == "invalid_transition"
    finally:
        office.close()

    officer.sync()
    (query,) = officer.open_queries()
    assert query.question == "Wie viel Glas?" and query.report_id == report.id
    amendment = officer.answer_query(query, "Etwa zehn Scherben, entfernt.")
    assert amendment.amends == report.id and amendment.place_id == "pg-1"
    assert officer.open_queries() == []  # answered here, even before it is sent
    officer.sync()

    office = supervisor.office()
    try:
        detail = office.report(report.id)
        assert detail["review_state"] == "in_review"
        assert detail["amendments"][0]["report"]["note"] == "Etwa zehn Scherben, entfernt."
        assert office.review(report.id, wire.ReviewAction.APPROVE) == "approved"
    finally:
        office.close()
    officer.sync()
    assert officer.open_queries() == []


def test_device_follows_team_changes_made_after_login(server, tmp_path):
    officer = device_for(server, tmp_path, "pol")
    assert officer.my_team_ids() == []
    lead = device_for(server, tmp_path, "lead")
    office = lead.office()
    try:
        office.save_team("t1", wire.TeamRequest("Mitte", ["pol", "kod"]))
        office.save_route(wire.RouteTemplate("r1", "Runde", [wire.TemplateStop("pg-1", 0, 600)]))
        now = datetime.now(timezone.utc)
        office.assign(wire.AssignRequest("r1", "t1", wire.format_timestamp(now - timedelta(hours=1)),
                                         wire.format_timestamp(now + timedelta(hours=7))))
    finally:
        office.close()
    officer.sync()
    assert officer.my_team_ids() == ["t1"]
    assignment, states = officer.route_today()
    assert assignment.team_id == "t1" and [s.status for s in states] == [wire.StopStatus.OPEN]
    office = lead.office()
    try:
        office.save_team("t1", wire.TeamRequest("Mitte", ["kod"]))
    finally:
        office.close()
    officer.sync()
    assert officer.my_team_ids() == [] and officer.route_today() is None


# ------------------------------------------------------------------ drafts (no server)


def place(pid, name, ptype=wire.PlaceType.PLAYGROUND, district="mitte"):
    return wire.Place(pid, name, ptype, 51.68, 7.82, 30.0, district_id=district)


def test_route_draft_windows_order_and_template():
    d = planning.RouteDraft()
    assert d.problems() == ["route_needs_name", "route_needs_stops"]
    a, b, c = place("a", "A"), place("b", "B"), place("c", "C")
    for p in (a, b, c):
        d.add(p)
    assert [(s.start_min, s.end_min) for s in d.stops] == [(0, 45), (45, 90), (90, 135)]
    d.move(2, -1)
    d.move(0, -1)  # no-op at the top
    assert [s.place.id for s in d.stops] == ["a", "c", "b"]
    assert d.set_window(1, 100, 90) == "window_invalid"
    assert d.set_window(1, 10, 2000) == "window_invalid"
    assert d.set_window(1, 10, 30) is None
    d.remove(0)
    d.name = "Südstraße spät"
    template = d.template()
    assert template.id == "route-sudstrasse-spat"
    assert [(s.place_id, s.start_min, s.end_min) for s in template.stops] == [("c", 10, 30), ("b", 45, 90)]  # windows stay with their stop
    assert planning.RouteDraft.from_template(template, {"b": b, "c": c}).stops[0].place.id == "c"


def test_place_search_folds_accents_and_filters():
    places = [place("s", "Südstraße (Kneipenmeile)", wire.PlaceType.NIGHTLIFE),
              place("p", "Spielplatz Am Bach", district="heessen"), place("q", "Spielplatz Ahornweg")]
    assert [p.id for p in planning.candidates(places, "sudstrasse")] == ["s"]
    assert [p.id for p in planning.candidates(places, "spielplatz", district="heessen")] == ["p"]
    assert [p.id for p in planning.candidates(places, "", place_type="playground")] == ["q", "p"]


def test_team_mix_and_shift_bounds():
    people = [wire.UserRecord("a", "A", wire.Role.OFFICER, "police"),
              wire.UserRecord("b", "B", wire.Role.OFFICER, "kod")]
    assert planning.is_mixed(["a", "b"], people) and not planning.is_mixed(["a"], people)
    start, end = planning.shift_bounds(date(2026, 11, 22), time(14), time(22), tz=timezone.utc)
    assert (start.hour, end.hour, end.day) == (14, 22, 22)
    night = planning.shift_bounds(date(2026, 11, 22), time(22), time(6), tz=timezone.utc)
    assert night[1] - night[0] == timedelta(hours=8) and night[1].day == 23  # ends the next day


def test_days_and_clock_times_as_people_type_them():
    today = date(2026, 11, 22)
    for typed in ("01.12.2026", "1.12.2026", "1.12.26", "1.12.", "2026-12-01", " 01.12.2026 "):
        assert planning.parse_day(typed, today=today) == date(2026, 12, 1), typed
    for bad in ("", "12/01/2026", "31.02.2026", "1.13.2026", "morgen"):
        with pytest.raises(ValueError):
            planning.parse_day(bad, today=today)
    for typed, hm in (("14:30", (14, 30)), ("14.30", (14, 30)), ("1430", (14, 30)),
                      ("9:05", (9, 5)), ("14", (14, 0)), ("14 Uhr", (14, 0)), ("0:00", (0, 0))):
        assert planning.parse_clock(typed) == time(*hm), typed
    for bad in ("", "25:00", "24:00", "14:75", "14-00", "halb drei"):
        with pytest.raises(ValueError):
            planning.parse_clock(bad)


def test_route_windows_as_clock_times_keep_minutes_after_shift_start():
    d = planning.RouteDraft(shift_start=time(14))
    d.add(place("a", "A"))
    d.add(place("b", "B"))
    assert [d.clock_window(i) for i in range(2)] == [(time(14), time(14, 45)),
                                                     (time(14, 45), time(15, 30))]
    assert d.set_clock_window(0, time(14, 30), time(15, 15)) is None
    assert (d.stops[0].start_min, d.stops[0].end_min) == (30, 75)
    d.shift_start = time(22)  # another start moves the clock times, not the windows
    assert d.clock_window(0) == (time(22, 30), time(23, 15))
    assert d.set_clock_window(1, time(23, 30), time(0, 15)) is None  # across midnight
    assert (d.stops[1].start_min, d.stops[1].end_min) == (90, 135)
    assert d.clock_window(1) == (time(23, 30), time(0, 15))
    assert d.set_clock_window(1, time(21, 30), time(22, 30)) == "window_too_long"  # before start
    assert (d.stops[1].start_min, d.stops[1].end_min) == (90, 135)  # unchanged
    assert [(s.start_min, s.end_min) for s in d.template().stops] == [(30, 75), (90, 135)]
    assert planning.clock_at(time(22), 150) == time(0, 30)


def test_logout_ends_the_session_on_the_server_too(server, tmp_path):
    """A token copied off the phone before logout must not work after it (it did, until its
    expiry); offline, logout still works locally and the session ends at its expiry."""
    officer = device_for(server, tmp_path, "pol")
    token = officer.store.get_meta("token")
    headers = {"Authorization": f"Bearer {token}"}
    assert server.get("/api/v1/sync", headers=headers).status_code == 200
    assert officer.logout() == token and not officer.logged_in
    assert officer.end_session(token) is True
    assert server.get("/api/v1/sync", headers=headers).status_code == 401

    offline = Device(tmp_path / "dev-offline", "http://127.0.0.1:9")
    assert offline.end_session("some-token") is False  # nobody answers: nothing raised
    assert offline.end_session(None) is False
