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
