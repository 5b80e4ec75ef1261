"""Check drafts: what stops saving, event counters, and the report a draft becomes."""

from datetime import datetime, timezone

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft, build_report

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
PLACE = wire.Place("ev", "Weihnachtsmarkt", wire.PlaceType.EVENT, 51.68, 7.82, 150)


def test_event_counters_never_go_negative_and_end_up_in_the_report():
    draft = CheckDraft(place=PLACE, no_fix_reason="drinnen")
    assert draft.bump("persons", 5) == 5
    assert draft.bump("persons", -10) == 0
    draft.bump("incidents", 2)
    report = build_report(draft, team_id=None, now=NOW)
    assert report.counts == {"incidents": 2}


def test_a_check_needs_a_fix_or_a_reason():
    draft = CheckDraft(place=PLACE)
    assert draft.problems() == ["need_fix_or_reason"]
    draft.no_fix_reason = "  "
    assert draft.problems() == ["need_fix_or_reason"]
    draft.no_fix_reason = "Tiefgarage"
    assert draft.problems() == []


def test_report_from_draft_is_valid_wire_and_time_ordered():
    fix = wire.GpsFix(51.68, 7.82, 9, wire.format_timestamp(NOW))
    draft = CheckDraft(place=PLACE, fix=fix, findings={wire.Finding.NOISE, wire.Finding.ALCOHOL},
                       agency_only=True, note="  laut  ")
    first = build_report(draft, team_id="team-1", now=NOW)
    second = build_report(draft, team_id="team-1", now=NOW)
    assert first.id < second.id  # uuid7: later ids sort later
    assert wire.decode(wire.Report, wire.encode(first)) == first
    assert first.visibility is wire.Visibility.AGENCY and first.note == "laut"
    assert first.findings == [wire.Finding.ALCOHOL, wire.Finding.NOISE]
    assert first.presence.verdict is wire.Verdict.ON_SITE


def test_duplicate_photo_is_attached_once(photo):
    draft = CheckDraft(place=PLACE)
    assert draft.add_photo(photo) and not draft.add_photo(photo)
    draft.remove_photo(photo.sha256)
    assert draft.photos == []


# ------------------------------------------------------------ shown verdict = saved verdict

from datetime import timedelta  # noqa: E402

from patrol_app.core.checks import SaveStep, first_findings  # noqa: E402
from patrol_rules.presence import PresenceRules  # noqa: E402

PLAYGROUND = wire.Place("pg", "Spielplatz Kurpark", wire.PlaceType.PLAYGROUND, 51.68, 7.82, 60)


def fix_at(moment: datetime) -> wire.GpsFix:
    return wire.GpsFix(PLAYGROUND.lat, PLAYGROUND.lon, 8, wire.format_timestamp(moment))


def test_the_verdict_the_draft_shows_at_a_moment_is_the_one_the_report_saved_then_carries():
    draft = CheckDraft(place=PLAYGROUND, fix=fix_at(NOW))
    for later in (timedelta(seconds=30), timedelta(seconds=119), timedelta(seconds=121), timedelta(minutes=9)):
        shown = draft.presence(NOW + later)
        saved = build_report(draft, team_id=None, now=NOW + later).presence
        assert (saved.verdict, saved.distance_m) == (shown.verdict, shown.distance_m)
    assert draft.presence(NOW + timedelta(seconds=119)).verdict is wire.Verdict.ON_SITE
    assert draft.presence(NOW + timedelta(seconds=121)).verdict is wire.Verdict.STALE


def test_save_asks_once_the_fix_turns_stale_unless_the_officer_chose_to_save_it_so():
    draft = CheckDraft(place=PLAYGROUND, fix=fix_at(NOW))
    assert draft.save_step(NOW + timedelta(seconds=60)) is SaveStep.SAVE
    assert draft.save_step(NOW + timedelta(minutes=3)) is SaveStep.ASK_STALE
    assert draft.stale_at(NOW + timedelta(minutes=3)).age_s == 180.0
    assert draft.save_step(NOW + timedelta(minutes=3), stale_ok=True) is SaveStep.SAVE
    strict = PresenceRules(max_fix_age=timedelta(seconds=30))
    assert draft.save_step(NOW + timedelta(seconds=60), rules=strict) is SaveStep.ASK_STALE
    no_fix = CheckDraft(place=PLAYGROUND, no_fix_reason="Tiefgarage")
    assert no_fix.save_step(NOW + timedelta(hours=1)) is SaveStep.SAVE  # nothing to grow old


def test_save_waits_for_every_picked_photo_before_it_judges_the_fix(photo):
    draft = CheckDraft(place=PLAYGROUND, fix=fix_at(NOW))
    first = draft.photo_picked("IMG_1.jpg", 6_000_000)
    second = draft.photo_picked("IMG_2.jpg", 5_000_000)
    # the fix is stale by now, but photos come first: the question is asked once they are in
    assert draft.save_step(NOW + timedelta(minutes=5)) is SaveStep.WAIT_FOR_PHOTOS
    assert draft.photo_done(first, photo) is True
    assert draft.save_step(NOW + timedelta(minutes=5)) is SaveStep.WAIT_FOR_PHOTOS
    assert draft.photo_done(second, None) is False  # unreadable: not attached, no longer awaited
    assert draft.save_step(NOW + timedelta(minutes=5)) is SaveStep.ASK_STALE
    assert [p.sha256 for p in draft.photos] == [photo.sha256] and draft.pending == []


def test_the_same_picture_picked_twice_is_awaited_twice_and_attached_once(photo):
    draft = CheckDraft(place=PLAYGROUND, no_fix_reason="drinnen")
    a, b = draft.photo_picked("a.jpg"), draft.photo_picked("a.jpg")
    assert draft.photo_done(a, photo) and not draft.photo_done(b, photo)
    assert len(draft.photos) == 1 and draft.save_step(NOW) is SaveStep.SAVE


# ------------------------------------------------------------ numbers in words

def test_a_count_that_is_not_a_number_blocks_save_with_its_reason_instead_of_vanishing():
    draft = CheckDraft(place=PLAYGROUND, no_fix_reason="drinnen")
    assert draft.set_count("persons", "ca. 10") == "count_not_a_number"
    assert "persons" not in draft.answers and draft.bad_counts == {"persons": "ca. 10"}
    assert draft.problems() == ["counts_invalid"]
    assert draft.save_step(NOW) is SaveStep.FIX_PROBLEMS
    assert draft.set_count("persons", "-3") == "count_not_a_number"
    assert draft.set_count("persons", "２") == "count_not_a_number"  # a full-width digit is no number here
    assert draft.set_count("persons", "99999999") == "count_too_large"
    assert draft.set_count("persons", " 10 ") is None
    assert draft.answers == {"persons": 10} and draft.problems() == []
    assert draft.set_count("persons", "") is None and draft.answers == {}  # emptied: no answer


# ------------------------------------------------------------ the first screen

def test_first_screen_findings_are_the_officers_own_topped_up_with_the_usual_ones_in_a_fixed_order():
    usual = first_findings(wire.PlaceType.PLAYGROUND, [])
    assert len(usual) == 6 and wire.Finding.SYRINGES in usual
    mine = first_findings(wire.PlaceType.PLAYGROUND, [["weapons"], ["weapons", "noise"], ["bogus"]])
    assert wire.Finding.WEAPONS in mine and wire.Finding.NOISE in mine and len(mine) == 6
    order = list(wire.Finding)
    assert mine == sorted(mine, key=order.index)  # a finding keeps its place between checks
    assert wire.Finding.OTHER not in first_findings(None, [["other"]] * 9)
