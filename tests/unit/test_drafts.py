"""A half-filled check kept for its author: every field comes back as it was, photos included,
a correction stays a correction, and another person on the same phone gets nothing."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import patrol_wire as wire
from patrol_app.core import drafts
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import CorrectionDraft, Device
from patrol_app.core.photos import process_photo
from tests.conftest import jpeg_bytes

PLACE = wire.Place("pg-1", "Spielplatz Am Teich", wire.PlaceType.PLAYGROUND, 51.68, 7.82, 40.0)
FIX = wire.GpsFix(51.68, 7.82, 6.0, "2026-12-02T10:00:00Z")


def stored_place(store) -> None:
    store.db.execute("INSERT INTO ref_data (kind, id, body) VALUES ('place', ?, ?)",
                     [PLACE.id, wire.canonical_json(PLACE).decode()])


def full_draft(photo) -> CheckDraft:
    return CheckDraft(place=PLACE, answers={"gate_ok": True, "benches": 3}, note="Müll am Tor",
                      findings={wire.Finding.LITTER, wire.Finding.BROKEN_GLASS},
                      measures={wire.Measure.TALK}, severity=wire.Severity.MEDIUM, photos=[photo],
                      fix=FIX, agency_only=True, counts={"persons": 4})


def test_every_field_comes_back_as_it_was(store):
    stored_place(store)
    photo = process_photo(jpeg_bytes())
    draft = full_draft(photo)
    store.park_draft("pol", drafts.encode(draft), draft.photos)
    back = drafts.decode(store, *store.parked_draft("pol"))
    assert back == draft
    assert store.parked_draft("kod") is None  # per person
    store.drop_draft("pol")
    assert store.parked_draft("pol") is None


def test_a_correction_stays_a_correction(store):
    stored_place(store)
    at = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
    draft = CorrectionDraft(place=PLACE, note="korrigiert", supersedes="r-1", original_fix=FIX,
                            original_at=at, fix=FIX)
    back = drafts.decode(store, drafts.encode(draft), [])
    assert isinstance(back, CorrectionDraft) and back == draft
    assert back.check_time(datetime.now(timezone.utc)) == at  # same fix: the check's own time


def test_a_place_gone_meanwhile_leaves_the_draft_without_it(store):
    text = drafts.encode(CheckDraft(place=PLACE, note="x"))
    back = drafts.decode(store, text, [])  # the place was never pulled on this store
    assert back.place is None and back.note == "x"
    assert json.loads(text)["format"] == drafts.FORMAT


def test_an_untouched_form_is_not_kept(tmp_path):
    device = Device(tmp_path, "http://127.0.0.1:9")
    user = wire.UserInfo("pol", "PK Test", wire.Role.OFFICER, "police", [])
    device.store.set_meta("user", wire.canonical_json(user).decode())
    assert not device.park_draft(CheckDraft(place=PLACE, fix=FIX))  # only the app's own fix
    assert device.park_draft(CheckDraft(place=PLACE, fix=FIX, note="etwas"))
    assert device.take_parked_draft().note == "etwas"
    assert device.take_parked_draft() is None
