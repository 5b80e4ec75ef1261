"""The device store: a report and its outbox entries together or not at all."""

import sqlite3
from datetime import date, timezone
from zoneinfo import ZoneInfo

import pytest

import patrol_wire as wire
from patrol_app.core.store import ItemKind, LocalStore, OutboxState, StorageFullError, StoreError
from tests.conftest import make_report


def report(**over) -> wire.Report:
    return wire.decode(wire.Report, make_report(**over))


def test_save_writes_report_outbox_and_photo_together(store, photo):
    r = report(photos=[photo.sha256])
    store.save_report(r, [photo])
    assert store.get_report(r.id) == r
    items = store.outbox()
    assert [(i.kind, i.ref, i.state) for i in items] == [
        (ItemKind.REPORT, r.id, OutboxState.PENDING), (ItemKind.PHOTO, photo.sha256, OutboxState.PENDING)]
    assert store.photo_bytes(photo.sha256) == photo.data


def test_failure_inside_the_transaction_leaves_nothing(store, photo, monkeypatch):
    r = report(photos=[photo.sha256])
    original = store._enqueue
    calls = []

    def failing(db, kind, ref, report_id, now):
        calls.append(kind)
        if kind is ItemKind.PHOTO:
            raise sqlite3.OperationalError("simulated crash mid-transaction")
        original(db, kind, ref, report_id, now)

    monkeypatch.setattr(store, "_enqueue", failing)
    with pytest.raises(sqlite3.OperationalError):
        store.save_report(r, [photo])
    assert calls == [ItemKind.REPORT, ItemKind.PHOTO]
    assert store.get_report(r.id) is None
    assert store.outbox() == []


def test_disk_full_is_a_clear_error_and_keeps_earlier_reports(store, monkeypatch):
    first = report()
    store.save_report(first)

    def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_enqueue", full)
    with pytest.raises(StorageFullError, match="Speicher"):
        store.save_report(report())
    assert store.get_report(first.id) == first
    assert store.report_count() == 1


def test_saving_the_same_report_twice_is_refused(store):
    r = report()
    store.save_report(r)
    with pytest.raises(StoreError):
        store.save_report(r)
    assert len(store.outbox()) == 1


def test_photo_list_must_match_the_photos_given(store, photo):
    with pytest.raises(ValueError):
        store.save_report(report(), [photo])


def test_interrupted_sending_goes_back_to_pending_on_reopen(tmp_path):
    s = LocalStore(tmp_path)
    r = report()
    s.save_report(r)
    s.mark(ItemKind.REPORT, [r.id], OutboxState.SENDING)
    s.close()  # the app dies here
    s2 = LocalStore(tmp_path)
    assert s2.outbox()[0].state is OutboxState.PENDING
    assert s2.get_report(r.id) == r
    s2.close()


def test_due_items_are_oldest_first_and_respect_backoff(store):
    rs = [report(n=i) for i in range(3)]
    for r in rs:
        store.save_report(r)
    store.mark(ItemKind.REPORT, [rs[0].id], OutboxState.FAILED, next_attempt_at=1e12)
    assert [i.ref for i in store.due_items(ItemKind.REPORT)] == [rs[1].id, rs[2].id]
    assert [i.ref for i in store.due_items(ItemKind.REPORT, now=2e12)] == [r.id for r in rs]


def test_photos_wait_for_their_report(store, photo):
    r = report(photos=[photo.sha256])
    store.save_report(r, [photo])
    assert store.due_items(ItemKind.PHOTO, report_sent=True) == []
    store.mark(ItemKind.REPORT, [r.id], OutboxState.SENT)
    assert [i.ref for i in store.due_items(ItemKind.PHOTO, report_sent=True)] == [photo.sha256]


def test_sync_page_and_cursor_are_stored_together(store):
    place = wire.Place("p1", "Spielplatz", wire.PlaceType.PLAYGROUND, 51.6, 7.8, 30)
    store.apply_sync_page(wire.SyncPage("c1.5", False, places=[place]))
    assert store.places() == [place]
    assert store.get_meta("sync_cursor") == "c1.5"


def test_history_filters_by_day_place_and_state(store):
    a = report(n=1, observed_at="2026-11-20T10:00:00.000Z")
    b = report(n=2, observed_at="2026-11-21T10:00:00.000Z", place_id=None, fix=None,
               no_fix_reason="x", presence={"verdict": "no_fix"})
    for r in (a, b):
        store.save_report(r)
    store.apply_sync_page(wire.SyncPage("c1.1", False, places=[
        wire.Place("pg-1", "Spielplatz Ahornweg", wire.PlaceType.PLAYGROUND, 51.6, 7.8, 30)]))
    store.mark(ItemKind.REPORT, [a.id], OutboxState.SENT)
    assert [r["id"] for r, _ in store.history()] == [b.id, a.id]
    assert [r["id"] for r, _ in store.history(since="2026-11-20T00:00:00.000Z",
                                              until="2026-11-21T00:00:00.000Z")] == [a.id]
    assert [r["id"] for r, _ in store.history(place_query="ahorn")] == [a.id]
    assert [(r["id"], s) for r, s in store.history(state=OutboxState.PENDING)] == [(b.id, OutboxState.PENDING)]
    utc = timezone.utc
    assert store.report_days(utc) == [date(2026, 11, 21), date(2026, 11, 20)]


def test_history_days_are_local_days(store):
    late = report(n=1, observed_at="2026-11-20T23:30:00.000Z")  # 00:30 on the 21st in Hamm
    store.save_report(late)
    assert store.report_days(ZoneInfo("Europe/Berlin")) == [date(2026, 11, 21)]
    assert store.report_days(timezone.utc) == [date(2026, 11, 20)]


# ------------------------------------------------------------ orphans, refusals, corrections


def test_orphan_photo_files_and_temp_files_are_removed_on_start_only_when_old(tmp_path, photo):
    """What a killed app leaves: a photo written but its report never committed, a temp file
    from a write cut short. Files a row refers to, and anything younger than a minute (a save
    in progress), stay."""
    import os
    import time

    s = LocalStore(tmp_path)
    kept = report(photos=[photo.sha256])
    s.save_report(kept, [photo])
    s.close()
    photos = tmp_path / "photos"
    old = time.time() - 3600
    files = {
        "orphan": photos / ("ab" * 32 + ".jpg"),
        "temp": photos / ("cd" * 32 + ".tmp4242"),
        "fresh_orphan": photos / ("ef" * 32 + ".jpg"),
        "fresh_temp": photos / ("12" * 32 + ".tmp7"),
        "other": photos / "README.txt",
    }
    for name, path in files.items():
        path.write_bytes(b"x" * 10)
        if not name.startswith("fresh"):
            os.utime(path, (old, old))
    referenced = photos / f"{photo.sha256}.jpg"
    os.utime(referenced, (old, old))  # an old file that a row refers to
    s = LocalStore(tmp_path)
    try:
        assert not files["orphan"].exists() and not files["temp"].exists()
        assert files["fresh_orphan"].exists() and files["fresh_temp"].exists()
        assert files["other"].exists()  # not ours to judge
        assert s.photo_bytes(photo.sha256) == photo.data
    finally:
        s.close()


def test_a_moved_data_folder_keeps_its_photos(tmp_path, photo):
    import shutil

    s = LocalStore(tmp_path / "a")
    r = report(photos=[photo.sha256])
    s.save_report(r, [photo])
    s.close()
    shutil.move(tmp_path / "a", tmp_path / "b")
    s = LocalStore(tmp_path / "b")  # the orphan sweep matches by name, not by stored path
    try:
        assert s.photo_bytes(photo.sha256) == photo.data
    finally:
        s.close()


def refuse(store, r, code="unknown_place"):
    store.mark(ItemKind.REPORT, [r.id], OutboxState.REJECTED, error_code=code, error="no")
    store.mark(ItemKind.PHOTO, r.photos, OutboxState.REJECTED, error_code="report_rejected",
               error="no")


def test_a_correction_supersedes_the_refused_report_and_takes_its_photos(store, photo):
    bad = report(photos=[photo.sha256])
    store.save_report(bad, [photo])
    refuse(store, bad)
    fixed = report(photos=[photo.sha256], note="corrected")
    store.save_report(fixed, store.photos_of(bad.id), supersedes=bad.id)
    items = {(i.kind, i.ref): i for i in store.outbox()}
    old = items[(ItemKind.REPORT, bad.id)]
    assert old.state is OutboxState.SUPERSEDED and old.superseded_by == fixed.id
    assert items[(ItemKind.PHOTO, photo.sha256)].state is OutboxState.PENDING
    assert store.refused_count() == 0
    assert [i.ref for i in store.due_items(ItemKind.REPORT)] == [fixed.id]  # the old never goes
    assert store.get_report(bad.id) == bad  # kept on the device


def test_only_a_refused_report_can_be_superseded(store):
    sent = report()
    store.save_report(sent)
    store.mark(ItemKind.REPORT, [sent.id], OutboxState.SENT)
    correction = report()
    with pytest.raises(StoreError, match="inzwischen"):
        store.save_report(correction, supersedes=sent.id)
    assert store.get_report(correction.id) is None  # all or nothing


def test_resend_puts_a_refused_report_and_its_photos_back_in_the_queue(store, photo):
    bad = report(photos=[photo.sha256])
    store.save_report(bad, [photo])
    refuse(store, bad)
    assert store.refused_count() == 1
    assert store.resend(bad.id)
    assert {i.state for i in store.outbox()} == {OutboxState.PENDING}
    assert not store.resend(bad.id)
