"""Photo uploads keep a slow link busy: several in flight at once, never more than the bound,
each photo on the server exactly once -- a real uvicorn server behind a throttling loopback
proxy (tests/support/throttle.py), the uploads counted on the device's side."""

from __future__ import annotations

import threading

import pytest

from patrol_app.core.client import SyncClient
from patrol_app.core.sync import PHOTO_UPLOADS, Outcome, SyncEngine
from tests.integration.test_faults import assert_exactly_once, device_with_full_outbox
from tests.support.throttle import CountingTransport, Profile, ThrottledLink

pytestmark = pytest.mark.timeout(180)

LINK = Profile("8 Mbit/s, 40 ms", up_bps=8_000_000, down_bps=8_000_000, latency_s=0.040)


def test_photos_go_up_several_at_once_and_each_lands_once(live_server, tmp_path):
    device, before = device_with_full_outbox(live_server, tmp_path, "kod", 12, 9)
    # the first PHOTO_UPLOADS uploads are held until that many are in flight together: one
    # upload after another breaks the barrier (after its timeout) instead of passing it
    gate = threading.Barrier(PHOTO_UPLOADS, timeout=20)
    transport = CountingTransport(gate=gate)
    with ThrottledLink(live_server.port, LINK) as link:
        client = SyncClient(f"http://127.0.0.1:{link.port}", device.store.get_meta("token"),
                            transport=transport)
        result = SyncEngine(device.store, client).run()
        client.close()
    live_server.stop()
    assert result.outcome is Outcome.OK and (result.reports_sent, result.photos_sent) == (12, 9)
    assert not gate.broken, "the photo uploads did not overlap"
    assert transport.peak_photo_puts == PHOTO_UPLOADS  # in flight together, and no more
    assert transport.photo_puts == 9  # each once
    assert link.connections <= PHOTO_UPLOADS + 1  # kept alive, not one per upload
    assert_exactly_once(live_server, device, before, 12, 9)
    device.store.close()
