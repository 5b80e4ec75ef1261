"""The field promise on a real server: saved offline, delivered exactly once."""

from __future__ import annotations

import hashlib
import io

from PIL import Image

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.client import Offline, SyncClient
from patrol_app.core.device import Device
from patrol_app.core.photos import process_photo
from patrol_app.core.store import OutboxState
from patrol_app.core.sync import Backoff, Outcome, SyncEngine
from sync_server.config import Settings
from sync_server.storage import open_photos, open_storage
from tests.support.fault_proxy import FaultProxy

DEMO_PASSWORD = "streife2026"


def photo(i: int):
    im = Image.new("RGB", (640, 480), ((i * 37) % 256, (i * 91) % 256, (i * 13) % 256))
    buf = io.BytesIO()
    im.save(buf, "JPEG")
    return process_photo(buf.getvalue())


def server_settings(live) -> Settings:
    return Settings(data_dir=live.data, database_url=live.db)


def server_rows(live, sql):
    with open_storage(server_settings(live)) as storage:
        return [tuple(r) for r in storage.db.query(sql)]


def server_photos(live) -> dict[str, bytes]:
    """Every photo the server stored, by its name: the rows and their bytes (files or blobs)."""
    settings = server_settings(live)
    with open_storage(settings) as storage:
        files = open_photos(settings, storage)
        return {sha: files.read(sha) for (sha,) in storage.db.query("SELECT sha256 FROM photos")}


SEEDED = "SELECT count(*) FROM reports"  # the demo's fortnight of history is there before us


def test_200_reports_and_50_photos_saved_offline_arrive_exactly_once(live_server, tmp_path):
    (before,) = server_rows(live_server, SEEDED)[0]
    live_server.start()
    device = Device(tmp_path / "device", live_server.url)
    device.login("kod", DEMO_PASSWORD)
    assert device.sync().outcome is Outcome.OK  # places, team, route
    place = device.store.place("westentor")
    live_server.stop()  # the network is gone for the rest of the shift

    photos = [photo(i) for i in range(50)]
    for i in range(200):
        draft = CheckDraft(place=place, note=f"check {i}", no_fix_reason="drinnen")
        if i < 50:
            draft.add_photo(photos[i])
        device.save_check(draft)
    offline = device.sync()
    assert offline.outcome is Outcome.OFFLINE
    assert device.unsent_count() == 250

    live_server.start()
    result = device.sync()
    assert result.outcome is Outcome.OK, result.message
    assert (result.reports_sent, result.photos_sent) == (200, 50)
    assert device.unsent_count() == 0
    assert all(i.state is OutboxState.SENT for i in device.store.outbox())

    live_server.stop()
    assert server_rows(live_server, "SELECT count(*), count(DISTINCT id) FROM reports") == \
        [(before + 200, before + 200)]
    assert server_rows(live_server, "SELECT count(*) FROM photos") == [(50,)]
    for sha, data in server_photos(live_server).items():
        assert hashlib.sha256(data).hexdigest() == sha
    device.store.close()


def test_lost_response_then_retry_gives_200_not_a_duplicate(live_server, tmp_path):
    (before,) = server_rows(live_server, SEEDED)[0]
    live_server.start()
    with FaultProxy(live_server.port) as proxy:
        url = f"http://127.0.0.1:{proxy.port}"
        device = Device(tmp_path / "device", url)
        device.login("polizei", DEMO_PASSWORD)
        report = device.save_check(CheckDraft(place=None, no_fix_reason="kein GPS"))

        client = SyncClient(url, device.store.get_meta("token"))
        proxy.drop_responses = 1
        try:
            client.put_report(report)
            raise AssertionError("the answer should have been lost")
        except Offline as exc:
            lost = str(exc)
        # the proxy counts a dropped answer when the server's first bytes reach it; a client
        # that gave up before the server answered (a timeout) is another failure, named here
        assert proxy.dropped == 1, "\n".join([
            lost, f"server exit: {live_server.proc.proc.poll()}", proxy.explain(),
            "server log:", live_server.proc.log_path.read_text()[-2000:]])
        # the server has it; the device does not know. The retry must be an identical replay.
        res = client.put_report(report)
        assert res.status is wire.ItemStatus.IDENTICAL
        raw = client._http.put(f"/api/v1/reports/{report.id}", content=wire.canonical_json(report),
                               headers={"Authorization": f"Bearer {client.token}",
                                        "Content-Type": "application/json"})
        assert raw.status_code == 200
        client.close()

        # and through the engine: the outbox still says pending, the batch replays as identical
        proxy.drop_responses = 1
        engine = SyncEngine(device.store, device.client(), backoff=Backoff(base_s=0.01, cap_s=0.05))
        assert engine.run().outcome is Outcome.OFFLINE
        assert engine.run().outcome is Outcome.OK
        assert device.unsent_count() == 0
    live_server.stop()
    assert server_rows(live_server, "SELECT count(*) FROM reports") == [(before + 1,)]
    device.store.close()
