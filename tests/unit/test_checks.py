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
