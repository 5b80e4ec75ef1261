"""Faults between device and server, on loopback; every test bounded in time.

1,000 reports and 200 photos through a proxy that resets, cuts, drops, truncates, stalls and
delays about 20 % of the connections; the server killed with SIGKILL in the middle of a batch
and restarted. Afterwards every report and photo is on the server exactly once (photo hashes
verified) and the device's outbox is empty.
"""

from __future__ import annotations

import hashlib
import io
import signal
import threading
import time

import httpx
import pytest
from PIL import Image

from patrol_app.core.checks import CheckDraft
from patrol_app.core.client import SyncClient
from patrol_app.core.device import Device
from patrol_app.core.photos import process_photo
from patrol_app.core.store import OutboxState
from patrol_app.core.sync import Backoff, Outcome, SyncEngine
from tests.integration.test_offline_then_sync import DEMO_PASSWORD, SEEDED, server_photos, server_rows
from tests.support.fault_proxy import FaultProxy

pytestmark = pytest.mark.timeout(300)


def small_photo(i: int):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (i % 256, (i * 7) % 256, (i * 13) % 256)).save(buf, "JPEG")
    return process_photo(buf.getvalue())


def fill_outbox(device: Device, reports: int, photos: int, first_photo: int = 0) -> None:
    place = device.store.place("westentor")
    pics = [small_photo(first_photo + i) for i in range(photos)]
    for i in range(reports):
        draft = CheckDraft(place=place, note=f"check {i}", no_fix_reason="drinnen")
        if i < photos:
            draft.add_photo(pics[i])
        device.save_check(draft)


def fresh_client(url: str, token: str) -> SyncClient:
    """One connection per request, short waits: each fault hits a request, stalls end soon."""
    return SyncClient(url, token, timeout=httpx.Timeout(2.0, connect=2.0),
                      transport=httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0)))


def sync_until_empty(device: Device, client: SyncClient, deadline_s: float) -> int:
    engine = SyncEngine(device.store, client, backoff=Backoff(base_s=0.01, cap_s=0.1))
    deadline = time.monotonic() + deadline_s
    runs = 0
    while device.unsent_count() and time.monotonic() < deadline:
        result = engine.run()
        runs += 1
        assert result.outcome in (Outcome.OK, Outcome.OFFLINE, Outcome.SERVER_ERROR), result
        assert result.rejected == 0, result  # a fault must never look like a bad report
    return runs


def assert_exactly_once(live_server, device: Device, before: int, reports: int, photos: int) -> None:
    assert device.unsent_count() == 0
    assert all(i.state is OutboxState.SENT for i in device.store.outbox())
    ids = [r["id"] for r, _ in device.store.history(limit=reports + 10)]
    assert len(ids) == reports
    total, distinct = server_rows(live_server, "SELECT count(*), count(DISTINCT id) FROM reports")[0]
    assert total == distinct == before + reports
    found = 0
    for i in range(0, len(ids), 500):  # ids are uuids: safe to inline
        chunk = ", ".join(f"'{x}'" for x in ids[i:i + 500])
        found += server_rows(live_server, f"SELECT count(*) FROM reports WHERE id IN ({chunk})")[0][0]
    assert found == reports
    stored = server_photos(live_server)
    assert len(stored) == photos
    for sha, data in stored.items():
        assert hashlib.sha256(data).hexdigest() == sha


def device_with_full_outbox(live_server, tmp_path, user: str, reports: int, photos: int
                            ) -> tuple[Device, int]:
    """A device logged in to the running server, its outbox filled; and the server's report
    count before (the demo's seeded history)."""
    (before,) = server_rows(live_server, SEEDED)[0]
    live_server.start()
    device = Device(tmp_path / "device", live_server.url)
    device.login(user, DEMO_PASSWORD)
    assert device.sync().outcome is Outcome.OK
    fill_outbox(device, reports, photos)
    return device, before


def test_1000_reports_and_200_photos_through_20_percent_faults(live_server, tmp_path):
    device, before = device_with_full_outbox(live_server, tmp_path, "kod", 1000, 200)
    with FaultProxy(live_server.port, fault_rate=0.2, seed=42, stall_s=3.0) as proxy:
        client = fresh_client(f"http://127.0.0.1:{proxy.port}", device.store.get_meta("token"))
        runs = sync_until_empty(device, client, deadline_s=200)
        client.close()
    live_server.stop()
    print(f"\n{proxy.connections} connections, faults {dict(proxy.faults)}, {runs} sync runs")
    assert sum(proxy.faults.values()) >= 0.1 * proxy.connections  # the faults did happen
    assert {"reset", "cut_request", "drop", "truncate", "stall"} <= set(proxy.faults)
    assert_exactly_once(live_server, device, before, 1000, 200)
    device.store.close()


def test_server_killed_mid_batch_then_restarted(live_server, tmp_path):
    device, before = device_with_full_outbox(live_server, tmp_path, "polizei", 600, 30)
    client = fresh_client(live_server.url, device.store.get_meta("token"))

    def kill_when_busy() -> None:  # SIGKILL as soon as the first batch is on its way
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if device.store.outbox_counts()[OutboxState.SENDING]:
                live_server.stop(signal.SIGKILL)
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    first = SyncEngine(device.store, client, backoff=Backoff(base_s=0.01, cap_s=0.05)).run()
    killer.join()
    assert live_server.proc is None  # it was killed
    assert first.outcome is Outcome.OFFLINE and device.unsent_count() > 0  # ... mid-run
    device.store.recover_interrupted()
    live_server.start()
    sync_until_empty(device, client, deadline_s=120)
    client.close()
    live_server.stop()
    assert_exactly_once(live_server, device, before, 600, 30)
    device.store.close()
