"""A phone whose clock is wrong, against a real server on loopback (uvicorn sends the Date
header the phone learns the server's clock from): the report arrives, is not refused, counts
at the time it really happened, and the reviewer sees the skew."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.core.sync import Outcome

DEMO_PASSWORD = "streife2026"


@pytest.mark.parametrize("offset", [timedelta(minutes=15), timedelta(hours=-2)],
                         ids=["15 min fast", "2 h slow"])
def test_a_phone_with_a_wrong_clock_delivers_and_the_reviewer_sees_the_skew(live_server, tmp_path,
                                                                            offset):
    live_server.start()

    def phone_clock() -> datetime:
        return datetime.now(timezone.utc) + offset

    phone = Device(tmp_path / "phone", live_server.url, clock=phone_clock)
    phone.login("kod", DEMO_PASSWORD)
    assert phone.sync().outcome is Outcome.OK
    assert phone.clock_offset() == pytest.approx(-offset.total_seconds(), abs=2)

    place = phone.store.place("westentor")
    fix = wire.GpsFix(place.lat, place.lon, 6.0, wire.format_timestamp(phone_clock()))
    report = phone.save_check(CheckDraft(place=place, fix=fix, note="Gruppe am Brunnen"))
    true_time = datetime.now(timezone.utc)
    result = phone.sync()
    assert result.outcome is Outcome.OK
    assert (result.reports_sent, result.rejected) == (1, 0)
    assert phone.queue_state().refused == 0
    # the officer hears about the clock once
    assert phone.clock_notice() == pytest.approx(-offset.total_seconds(), abs=2)
    assert phone.clock_notice() is None

    reviewer = Device(tmp_path / "supervisor", live_server.url)
    reviewer.login("lagebild", DEMO_PASSWORD)
    office = reviewer.office()
    try:
        detail = office.report(report.id)
    finally:
        office.close()
    times = detail["times"]
    assert times["claimed_at"] == report.observed_at
    assert times["clock_skew_s"] == pytest.approx(offset.total_seconds(), abs=2)
    counted = wire.parse_timestamp(times["observed_at"])
    assert abs((counted - true_time).total_seconds()) < 3
    assert detail["server_presence"]["verdict"] == "on_site"  # fix and check: one clock
    assert times["fix_age_s"] is not None and times["fix_age_s"] < 5
