"""The reviewer sees a report's times: claimed, received, counted, the device clock's skew in
words, and why a verdict is "zu alt" (the fix's age at save against the gate)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.ui.app import PatrolApp
from patrol_app.ui.clock_words import duration, phone_clock_notice
from patrol_app.ui.i18n import Translator
from patrol_app.ui.views.report_detail import ReportDetailView
from patrol_app.ui.views.review_parts import time_lines
from tests.support.flet_session import Harness
from tests.unit.test_views_headless import PW, demo_server  # noqa: F401  (the fixture)

T = Translator("de")
CLAIM = "2026-05-04T16:03:00.000Z"


def facts(**over) -> dict:
    times = {"claimed_at": CLAIM, "received_at": "2026-05-04T18:07:00.000Z",
             "observed_at": CLAIM, "clock_skew_s": 0.4, "fix_age_s": 20.0, "max_fix_age_s": 120.0}
    return {"times": {**times, **over}}


def test_durations_read_like_a_person_says_them():
    assert [duration(T, s) for s in (45, -45, 900, 3600, 7380, -7380)] == [
        "45 s", "45 s", "15 min", "1 h", "2 h 3 min", "2 h 3 min"]
    assert "geht 15 min vor" in phone_clock_notice(T, -900)  # server - phone < 0: phone fast
    assert "geht 2 h nach" in phone_clock_notice(T, 7200)


def test_a_right_clock_and_a_fresh_fix_are_not_notable():
    lines, notable = time_lines(T, facts())
    assert not notable
    assert lines == ["Laut Gerät: " + T.datetime(wire.parse_timestamp(CLAIM)),
                     "Eingang beim Server: " + T.datetime(wire.parse_timestamp("2026-05-04T18:07:00.000Z")),
                     "Position beim Speichern 20 s alt (Grenze 2 min)."]


def test_a_clock_two_hours_behind_is_shown_with_the_corrected_time():
    lines, notable = time_lines(T, facts(clock_skew_s=-7380.0, observed_at="2026-05-04T18:06:00.000Z"))
    assert notable
    assert "Geräteuhr ging 2 h 3 min nach." in lines
    assert "Gezählt als: " + T.datetime(wire.parse_timestamp("2026-05-04T18:06:00.000Z")) in lines


def test_why_a_verdict_is_too_old():
    lines, notable = time_lines(T, facts(fix_age_s=200.0))
    assert notable and lines[-1] == "Position beim Speichern 3 min alt – über der Grenze von 2 min, daher „zu alt“."
    lines, _ = time_lines(T, facts(fix_age_s=-600.0))
    assert lines[-1].startswith("Position 10 min nach dem Speichern datiert")


def test_an_old_client_and_a_time_after_the_receipt_are_said_so():
    lines, notable = time_lines(T, facts(clock_skew_s=None, observed_at="2026-05-04T18:07:00.000Z"))
    assert notable
    assert "Die Gerätezeit lag nach dem Eingang; gezählt wird die Eingangszeit." in lines
    assert "Die App hat ihre Uhrzeit nicht mitgeschickt (ältere Version)." in lines


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_the_supervisor_sees_a_phone_two_hours_behind(demo_server, tmp_path):  # noqa: F811
    offset = -timedelta(hours=2, minutes=3)

    def phone_clock() -> datetime:
        return datetime.now(timezone.utc) + offset

    phone = Device(tmp_path / "kod", "http://testserver", transport=demo_server._transport,
                   clock=phone_clock)
    phone.login("kod", PW)
    phone.sync()
    place = phone.store.place("westentor")
    fix = wire.GpsFix(place.lat, place.lon, 5.0, wire.format_timestamp(phone_clock()))
    report = phone.save_check(CheckDraft(place=place, fix=fix, note="Uhr falsch"))
    assert phone.sync().rejected == 0

    supervisor = Device(tmp_path / "sup", "http://testserver", transport=demo_server._transport)
    supervisor.login("lagebild", PW)
    supervisor.sync()
    h = Harness()
    app = PatrolApp(h.page, supervisor)
    await app.start()
    try:
        await h.until(lambda: app.sync_status != "")  # its first sync done (one request at a time)
        app.show_sub(ReportDetailView(app, report.id))
        await h.until(lambda: h.has_id("detail-times"))
        assert h.text_shown("Geräteuhr ging 2 h 3 min nach.")
        assert h.text_shown("Gezählt als:")
        assert h.text_shown("Position beim Speichern")
    finally:
        h.close()


def test_a_stale_verdict_says_how_old_the_fix_was_when_saved():
    from patrol_app.ui.views.review_parts import verdict_words

    times = facts(fix_age_s=312.0)["times"]
    assert verdict_words(T, {"verdict": "stale", "distance_m": 4.0}, times) == \
        "zu alt (Position beim Speichern 5 min alt)"
    assert verdict_words(T, {"verdict": "on_site", "distance_m": 4.0}, times) == "vor Ort (4 m)"
    assert verdict_words(T, {"verdict": "stale", "distance_m": 4.0}, None) == "zu alt (4 m)"
