"""The device's operation rules without a screen: which operation Today shows, the planning
form's default window, and the polygon typed as text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import patrol_wire as wire
from patrol_app.core.operations import (BRIEFING_AHEAD, current_operation, default_window,
                                        format_corners, parse_corners)

BERLIN = timezone(timedelta(hours=1))


def op(id_: str, start: datetime, hours: float, teams=("team-a",)) -> wire.Operation:
    return wire.Operation(id=id_, name=id_, starts_at=wire.format_timestamp(start),
                          ends_at=wire.format_timestamp(start + timedelta(hours=hours)),
                          agencies=["kod", "police"], team_ids=list(teams))


@pytest.mark.parametrize("now, start", [
    (datetime(2026, 12, 4, 9, 30, tzinfo=BERLIN), datetime(2026, 12, 4, 18, tzinfo=BERLIN)),
    (datetime(2026, 12, 4, 17, 59, tzinfo=BERLIN), datetime(2026, 12, 4, 18, tzinfo=BERLIN)),
    # once this evening's has begun, tomorrow's: a plan never proposes a start in the past
    (datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN), datetime(2026, 12, 5, 18, tzinfo=BERLIN)),
    (datetime(2026, 12, 4, 23, 45, tzinfo=BERLIN), datetime(2026, 12, 5, 18, tzinfo=BERLIN)),
    (datetime(2026, 12, 31, 21, 0, tzinfo=BERLIN), datetime(2027, 1, 1, 18, tzinfo=BERLIN)),
])
def test_a_new_operation_is_proposed_for_the_next_evening_not_the_past(now, start):
    assert default_window(now) == (start, start + timedelta(hours=5))
    assert default_window(now)[0] > now


def test_today_shows_my_running_operation_else_the_next_within_the_briefing_time():
    now = datetime(2026, 12, 4, 19, 0, tzinfo=BERLIN)
    ended = op("ended", now - timedelta(days=1), 5)
    running = op("running", now - timedelta(hours=1), 3)
    soon = op("soon", now + timedelta(hours=2), 3)
    far = op("far", now + BRIEFING_AHEAD + timedelta(minutes=1), 3)
    others = op("others", now - timedelta(hours=1), 3, teams=("team-b",))
    assert current_operation([ended, far, others], ["team-a"], now) is None
    assert current_operation([ended, soon, far], ["team-a"], now) is soon
    assert current_operation([soon, running, others], ["team-a"], now) is running  # earliest
    assert current_operation([running], [], now) is None  # no team, no operation
    # the comparison is of instants, whatever offset the device's clock is in
    assert current_operation([soon], ["team-a"], (now - timedelta(minutes=1)).astimezone(
        timezone.utc)) is soon


def test_corners_typed_one_per_line_in_german_or_english_spelling():
    assert parse_corners("") is None and parse_corners("\n  \n") is None
    assert parse_corners("51.6775, 7.8065\n51.6795; 7,8065\n 51.6795 7.8095 \n") == [
        [51.6775, 7.8065], [51.6795, 7.8065], [51.6795, 7.8095]]
    with pytest.raises(ValueError, match="line 2"):
        parse_corners("51.6775, 7.8065\nneben dem Brunnen\n51.6795, 7.8095")
    with pytest.raises(ValueError, match="three"):
        parse_corners("51.6775, 7.8065\n51.6795, 7.8065")
    with pytest.raises(ValueError, match="shape"):  # all on one line: no area
        parse_corners("51.1, 7.1\n51.2, 7.2\n51.3, 7.3")
    corners = [[51.6775, 7.8065], [51.6795, 7.8065], [51.6795, 7.8095]]
    assert parse_corners(format_corners(corners)) == corners
