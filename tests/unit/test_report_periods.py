"""The app offers the steering group's report for the running and the last complete quarter and
half-year, in the device's local time; a running period ends now."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from patrol_app.core.periods import report_periods
from patrol_app.ui.i18n import Translator
from patrol_app.ui.views.steering_report import period_label

BERLIN = ZoneInfo("Europe/Berlin")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize("now, expected", [
    (at(2026, 12, 2, 15), {"quarter_now": (at(2026, 10, 1), at(2026, 12, 2, 15), "4. Quartal 2026 (bis heute)"),
                           "quarter_last": (at(2026, 7, 1), at(2026, 10, 1), "3. Quartal 2026"),
                           "half_now": (at(2026, 7, 1), at(2026, 12, 2, 15), "2. Halbjahr 2026 (bis heute)"),
                           "half_last": (at(2026, 1, 1), at(2026, 7, 1), "1. Halbjahr 2026")}),
    (at(2026, 2, 10, 9), {"quarter_now": (at(2026, 1, 1), at(2026, 2, 10, 9), "1. Quartal 2026 (bis heute)"),
                          "quarter_last": (at(2025, 10, 1), at(2026, 1, 1), "4. Quartal 2025"),
                          "half_now": (at(2026, 1, 1), at(2026, 2, 10, 9), "1. Halbjahr 2026 (bis heute)"),
                          "half_last": (at(2025, 7, 1), at(2026, 1, 1), "2. Halbjahr 2025")}),
])
def test_running_and_last_quarter_and_half_year(now, expected):
    t = Translator("de")
    got = {p.key: (p.start, p.end, period_label(t, p)) for p in report_periods(now)}
    assert got == expected


def test_the_labels_in_english():
    t = Translator("en")
    labels = [period_label(t, p) for p in report_periods(at(2026, 12, 2, 15))]
    assert labels == ["Q4 2026 (to date)", "Q3 2026", "H2 2026 (to date)", "H1 2026"]


def test_a_fixed_offset_from_the_system_clock_gives_local_midnights_across_summer_time(monkeypatch):
    """The app passes ``datetime.now().astimezone()``: in December that is UTC+01:00, but the
    3rd quarter began at midnight summer time (22:00 UTC)."""
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        now = datetime(2026, 12, 2, 15).astimezone()
        got = {p.key: p.start for p in report_periods(now)}
        assert got["quarter_last"] == at(2026, 7, 1) and got["quarter_now"] == at(2026, 10, 1)
        assert got["quarter_last"].utcoffset().total_seconds() == 7200
    finally:
        monkeypatch.undo()
        time.tzset()
