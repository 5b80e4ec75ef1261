"""The sync engine against the real server app (in-process transport), with network faults."""

import threading
import time

import httpx
import pytest

import patrol_wire as wire
from patrol_app.core.client import SyncClient
from patrol_app.core.store import OutboxState
from patrol_app.core.sync import Backoff, Outcome, SyncEngine
from patrol_app.core.photos import process_photo
from tests.conftest import jpeg_bytes, make_report


class Flaky(httpx.BaseTransport):
    """Wraps the real transport; fails requests on demand like a dead or broken network.

    Photo uploads come from several threads at once: the in-process app is called one request
    at a time (TestClient's portal fails now and again under threads, see test_views_headless);
    a real uvicorn serves them side by side in tests/integration/test_slow_link.py.
    ``before(request, n)`` runs before the n-th request (from 1) is forwarded."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.offline = False
        self.fail_next: list[int] = []  # status codes to answer instead of forwarding
        self.requests: list[str] = []
        self.before = None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(f"{request.method} {request.url.path}")
            if self.before:
                self.before(request, len(self.requests))
            if self.offline:
                raise httpx.ConnectError("network unreachable", request=request)
            if self.fail_next:
                return httpx.Response(self.fail_next.pop(0), json=wire.error_body(
                    wire.ErrorCode.UNAVAILABLE, "busy"))
            response = self.inner.handle_request(request)
            response.read()
            return response


@pytest.fixture
def net(client):
    return Flaky(client._transport)


@pytest.fixture
def engine(store, net, client):
    c = SyncClient("http://testserver", client.token, transport=net)
    return SyncEngine(store, c, backoff=Backoff(base_s=0.001, cap_s=0.01), sleep=lambda s: None)


def save(store, n=0, photo=None):
    r = wire.decode(wire.Report, make_report(n, photos=[photo.sha256] if photo else []))
    store.save_report(r, [photo] if photo else [])
    return r


def test_push_photos_pull_in_one_run(store, engine, client, photo):
    save(store, 1, photo)
    save(store, 2)
    result = engine.run()
    assert result.outcome is Outcome.OK
    assert (result.reports_sent, result.photos_sent) == (2, 1)
    assert all(i.state is OutboxState.SENT for i in store.outbox())
    assert client.app_storage.report_count() == 2 and client.app_storage.photo_count() == 1
    assert [p.id for p in store.places()] == ["pg-1"]


def test_offline_stops_and_keeps_everything_pending(store, engine, net):
    save(store)
    net.offline = True
    result = engine.run()
    assert result.outcome is Outcome.OFFLINE
    assert [i.state for i in store.outbox()] == [OutboxState.PENDING]
    assert len(net.requests) == 1  # no hammering a dead network


def test_server_errors_retry_with_backoff_then_succeed(store, engine, net, client):
    save(store)
    net.fail_next = [503, 502]
    assert engine.run().outcome is Outcome.OK
    assert client.app_storage.report_count() == 1


def test_persistent_server_error_marks_failed_with_a_later_attempt(store, engine, net):
    save(store)
    net.fail_next = [500] * 10
    assert engine.run().outcome is Outcome.SERVER_ERROR
    item = store.outbox()[0]
    assert item.state is OutboxState.FAILED and item.next_attempt_at > 0 and item.attempts == 1


def test_rejected_item_is_marked_and_the_rest_still_go(store, engine, client):
    bad = wire.decode(wire.Report, make_report(place_id="pg-1"))
    store.save_report(bad)
    good = save(store, 2)
    client.put(f"/api/v1/reports/{bad.id}", json={**make_report(), "id": bad.id, "note": "other"},
               headers={"Authorization": f"Bearer {client.token}"})
    result = engine.run()
    assert result.rejected == 1 and result.reports_sent == 1
    states = {i.ref: i for i in store.outbox()}
    assert states[bad.id].state is OutboxState.REJECTED and states[bad.id].error_code == "report_conflict"
    assert states[good.id].state is OutboxState.SENT


def test_auth_error_stops_without_losing_anything(store, engine, net, client):
    save(store)
    engine.client.token = "expired"
    assert engine.run().outcome is Outcome.AUTH_NEEDED
    assert store.outbox()[0].state is OutboxState.PENDING


def test_photo_the_server_already_has_is_not_sent_again(store, engine, net, client, photo):
    save(store, 1, photo)
    engine.run()
    net.requests.clear()
    save(store, 2, photo)  # the same picture in a second report
    engine.run()
    assert not any(r.startswith("PUT /api/v1/photos") for r in net.requests)


def test_batches_are_oldest_first(store, net, client):
    ids = [save(store, i).id for i in range(7)]
    eng = SyncEngine(store, SyncClient("http://testserver", client.token, transport=net), batch_size=3)
    assert eng.run().reports_sent == 7
    assert sum(r == "POST /api/v1/reports/batch" for r in net.requests) == 3
    listed = client.get("/api/v1/reports", params={"limit": 10},
                        headers={"Authorization": f"Bearer {client.token}"}).json()["items"]
    assert [x["report"]["id"] for x in listed] == sorted(ids, reverse=True)


def test_a_photo_shared_with_a_rejected_report_still_goes_with_the_good_one(store, engine, client, photo):
    """The same picture on two checks; the first is refused by the server (an unknown place),
    the second is fine: the photo belongs to the second as much as to the first."""
    bad = wire.decode(wire.Report, make_report(1, place_id="nowhere", photos=[photo.sha256]))
    store.save_report(bad, [photo])
    good = save(store, 2, photo)
    result = engine.run()
    assert result.outcome is Outcome.OK
    assert (result.reports_sent, result.photos_sent, result.rejected) == (1, 1, 1)
    states = {(i.kind.value, i.ref): i.state for i in store.outbox()}
    assert states[("report", bad.id)] is OutboxState.REJECTED
    assert states[("report", good.id)] is OutboxState.SENT
    assert states[("photo", photo.sha256)] is OutboxState.SENT
    assert client.app_storage.photo_count() == 1


def test_a_photo_only_rejected_reports_carry_is_rejected_with_them(store, engine, photo):
    bad = wire.decode(wire.Report, make_report(1, place_id="nowhere", photos=[photo.sha256]))
    store.save_report(bad, [photo])
    engine.run()
    states = {(i.kind.value, i.ref): (i.state, i.error_code) for i in store.outbox()}
    assert states[("photo", photo.sha256)] == (OutboxState.REJECTED, "report_rejected")


def test_the_server_recognises_what_the_device_sends(store, engine, client, monkeypatch):
    """Devices send their stored canonical texts as they are, so the server's shortcut for
    canonical text (no second parse for duplicate keys) serves real devices, full-precision GPS
    fixes included; the stored bytes are the device's."""
    from patrol_wire import decoding

    seen, slow = [], []
    monkeypatch.setattr(decoding, "_refuse_duplicates", lambda raw: slow.append(raw))
    real = decoding.decode_batch

    def spy(raw):
        seen.append(real(raw))
        return seen[-1]

    monkeypatch.setattr(wire, "decode_batch", spy)
    reports = [save(store, n) for n in range(3)]
    reports.append(wire.decode(wire.Report, make_report(
        9, fix={"lat": 51.680723512345671, "lon": 7.8105532489712345, "accuracy_m": 12.345678901,
                "fixed_at": wire.format_timestamp(wire.utc_now()), "source": "gps"})))
    store.save_report(reports[-1])
    assert engine.run().outcome is Outcome.OK
    assert len(seen) == 1 and slow == []
    assert [item.text for item in seen[0]] == [wire.canonical_json(r) for r in reports]
    assert client.app_storage.report_count() == 4


# ------------------------------------------------------------ refused is never a dead end


@pytest.fixture
def small_batches(tmp_path, settings):
    """The real app with a 4 KB batch limit: a batch of a few reports is refused as a whole
    (413), one report with a long note is too large even alone."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from sync_server.app import create_app
    from sync_server.storage import SqliteStorage
    from tests.conftest import add_place, add_user, login

    tight = replace(settings, data_dir=tmp_path / "tight", max_batch_body=4096)
    storage = SqliteStorage(tight.db_path)
    add_user(storage, "officer")
    add_place(storage)
    with TestClient(create_app(tight, storage)) as c:
        c.app_storage = storage
        c.token = login(c, "officer")
        yield c


def test_a_batch_refused_as_a_whole_is_halved_and_only_the_culprit_is_refused(store, small_batches, photo):
    net = Flaky(small_batches._transport)
    eng = SyncEngine(store, SyncClient("http://testserver", small_batches.token, transport=net),
                     backoff=Backoff(base_s=0.001, cap_s=0.01), sleep=lambda s: None)
    good = [save(store, i) for i in range(6)]
    big = wire.decode(wire.Report, make_report(99, note="x" * 4000, photos=[photo.sha256]))
    store.save_report(big, [photo])
    good.append(save(store, 7))
    result = eng.run()
    assert result.outcome is Outcome.OK and result.reports_sent == 7 and result.rejected == 1
    states = {(i.kind.value, i.ref): i for i in store.outbox()}
    assert states[("report", big.id)].state is OutboxState.REJECTED
    assert states[("report", big.id)].error_code == "body_too_large"
    assert states[("photo", photo.sha256)].state is OutboxState.REJECTED  # held back with it
    assert all(states[("report", r.id)].state is OutboxState.SENT for r in good)
    batches = sum(r == "POST /api/v1/reports/batch" for r in net.requests)
    assert batches <= 2 * 8 - 1  # bounded: halving, never a retry of the same batch
    net.requests.clear()
    assert eng.run().reports_sent == 0 and net.requests == ["GET /api/v1/sync"]  # not retried


def test_a_refused_report_is_sent_again_after_the_server_changed(store, engine, client, photo):
    from tests.conftest import add_place

    r = wire.decode(wire.Report, make_report(1, place_id="pg-new", photos=[photo.sha256]))
    store.save_report(r, [photo])
    assert engine.run().rejected == 1
    assert store.refused_count() == 1  # the photo waits with its report, not counted twice
    add_place(client.app_storage, "pg-new")  # the administration adds the place
    assert store.resend(r.id)
    result = engine.run()
    assert (result.reports_sent, result.photos_sent, result.rejected) == (1, 1, 0)
    assert store.refused_count() == 0 and client.app_storage.photo_count() == 1
    assert not store.resend(r.id)  # only a refused report can be resent


def test_a_persistent_server_error_after_days_of_attempts_does_not_overflow(store, engine, net):
    """Backoff.delay raised OverflowError from attempt 1024 on (2**1024 is no float), which
    ended the auto-sync loop until the next login."""
    save(store)
    store.db.execute("UPDATE outbox SET attempts = 5000")
    net.fail_next = [500] * 10
    assert engine.run().outcome is Outcome.SERVER_ERROR
    item = store.outbox()[0]
    assert item.state is OutboxState.FAILED and item.attempts == 5001
    assert 0 < item.next_attempt_at <= time.time() + engine.backoff.cap_s


@pytest.mark.parametrize("attempt", [0, 1, 10, 1023, 1024, 10**6])
def test_backoff_is_capped_for_any_attempt(attempt):
    b = Backoff(base_s=1.0, cap_s=300.0)
    assert all(0 <= b.delay(attempt) <= min(300.0, 2 ** min(attempt, 64)) for _ in range(50))


def test_a_full_server_disk_is_transient_and_kept_with_its_code(store, engine, client):
    """The real server's database refuses writes (SQLITE_FULL through a low max_page_count):
    507 storage_full; the report waits with a backoff and goes once there is room."""
    from tests.support.full_disk import fill_database, make_room

    store.save_report(wire.decode(wire.Report, make_report(note="long " * 800)))
    fill_database(client.app_storage)
    result = engine.run()
    assert result.outcome is Outcome.SERVER_ERROR and result.code == "storage_full"
    item = store.outbox()[0]
    assert item.state is OutboxState.FAILED and item.error_code == "storage_full"
    make_room(client.app_storage)
    store.db.execute("UPDATE outbox SET next_attempt_at = 0")  # its backoff is over
    assert engine.run().reports_sent == 1
    assert client.app_storage.report_count() == 1


# ------------------------------------------------------------ photos, several at once


def distinct_photos(n: int):
    return [process_photo(jpeg_bytes(320, 240, (20 * i, 200 - 10 * i, 90))) for i in range(n)]


def photo_puts(net) -> int:
    return sum(r.startswith("PUT /api/v1/photos/") for r in net.requests)


def test_offline_in_the_middle_of_the_photos_starts_no_further_upload(store, engine, net, client):
    """The network goes after the second photo: the uploads then in flight come back pending,
    none starts after, nothing stays "sending"; the next run sends only what is left."""
    pics = distinct_photos(7)
    for i, p in enumerate(pics):
        save(store, i, p)

    def drop_after_two_photos(request, n):
        if request.method == "PUT" and photo_puts(net) == 3:
            net.offline = True

    net.before = drop_after_two_photos
    result = engine.run()
    assert result.outcome is Outcome.OFFLINE and result.photos_sent == 2
    states = [i.state for i in store.outbox() if i.kind.value == "photo"]
    assert states.count(OutboxState.SENT) == 2 and OutboxState.SENDING not in states
    assert photo_puts(net) <= 2 + engine.photo_uploads  # those in flight when it went; no more
    net.before, net.offline = None, False
    net.requests.clear()
    result = engine.run()
    assert result.outcome is Outcome.OK and result.photos_sent == 5 and photo_puts(net) == 5
    assert client.app_storage.photo_count() == 7


def fill_photo_pages(storage) -> None:
    """fill_database takes the free pages; the photos table's own pages still have room for
    a few rows: fill those too, so the next photo row needs a page there is none of."""
    import sqlite3

    try:
        for i in range(100_000):
            storage.db.write_conn.execute(
                "INSERT INTO photos VALUES (?, 0, 1, 1, 'filler', 0, '')", [f"filler-{i:06d}"])
    except sqlite3.OperationalError as exc:
        assert exc.sqlite_errorcode == sqlite3.SQLITE_FULL, exc


@pytest.mark.sqlite_only  # fills SQLite's pages (tests/support/full_disk.py); PostgreSQL's disk-full
# answer is the same storage_full code, tested in tests/unit/test_storage_full.py
def test_a_full_server_disk_stops_the_photo_uploads_and_keeps_their_code(store, engine, net, client):
    """The server's disk fills as the photos begin: each upload in flight retries and fails
    with storage_full, no further one starts, the rest wait untouched; with room, all go."""
    from tests.support.full_disk import fill_database, make_room

    for i, p in enumerate(distinct_photos(5)):
        save(store, i, p)

    def fill_at_first_photo(request, n):
        if request.method == "PUT" and photo_puts(net) == 1:
            fill_database(client.app_storage)
            fill_photo_pages(client.app_storage)

    net.before = fill_at_first_photo
    result = engine.run()
    assert result.outcome is Outcome.SERVER_ERROR and result.code == "storage_full"
    photos = [i for i in store.outbox() if i.kind.value == "photo"]
    failed = [i for i in photos if i.state is OutboxState.FAILED]
    waiting = [i for i in photos if i.state is OutboxState.PENDING]
    assert len(failed) == engine.photo_uploads and len(waiting) == 5 - engine.photo_uploads
    assert all(i.error_code == "storage_full" and i.attempts == 1 for i in failed)
    assert all(i.attempts == 0 for i in waiting)
    assert photo_puts(net) == engine.photo_uploads * engine.backoff.tries_per_run  # bounded
    net.before = None
    make_room(client.app_storage)
    client.app_storage.db.write_conn.execute("DELETE FROM photos WHERE format = 'filler'")
    store.db.execute("UPDATE outbox SET next_attempt_at = 0")  # their backoff is over
    assert engine.run().photos_sent == 5
    assert client.app_storage.photo_count() == 5


def test_photo_uploads_are_bounded_and_one_at_a_time_on_request(store, net, client):
    for i, p in enumerate(distinct_photos(4)):
        save(store, i, p)
    eng = SyncEngine(store, SyncClient("http://testserver", client.token, transport=net),
                     photo_uploads=1)
    assert eng.run().photos_sent == 4
    assert client.app_storage.photo_count() == 4
    assert SyncEngine(store, eng.client, photo_uploads=0).photo_uploads == 1  # never none
