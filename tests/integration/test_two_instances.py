"""Two ``patrol-server serve`` processes on two ports, one PostgreSQL: devices spread over both
by a round-robin balancer (the fault proxy), one instance killed and restarted mid-sync. Every
report and photo arrives exactly once; a token from one instance is good (and revoked) on the
other; failed logins count across both; concurrent replays of one id are 201 once, 200 else."""

from __future__ import annotations

import hashlib
import json
import signal
import threading
import time

import httpx
import pytest

from patrol_app.core.device import Device
from patrol_app.core.store import OutboxState
from patrol_app.core.sync import Outcome
from sync_server.config import Settings
from sync_server.storage import open_photos, open_storage
from tests.conftest import make_report
from tests.integration.test_faults import fill_outbox, fresh_client, sync_until_empty
from tests.integration.test_offline_then_sync import DEMO_PASSWORD
from tests.support.fault_proxy import FaultProxy
from tests.support.servers import free_port, server_cli, start_server


class Instance:
    def __init__(self, tmp_path, name: str, db: str) -> None:
        self.data, self.db, self.port = tmp_path / name, db, free_port()
        self.log = tmp_path / f"{name}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self) -> None:
        self.proc = start_server(self.data, self.port, self.log, db=self.db)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc:
            self.proc.stop(sig)
            self.proc = None


@pytest.fixture
def pair(tmp_path, pg_url):
    server_cli(tmp_path / "a", "init", db=pg_url)
    server_cli(tmp_path / "a", "seed-demo", db=pg_url)
    a, b = Instance(tmp_path, "a", pg_url), Instance(tmp_path, "b", pg_url)
    a.start()
    b.start()
    yield a, b
    a.stop()
    b.stop()


def stored(pg_url: str, tmp_path) -> tuple[list[tuple], dict[str, bytes]]:
    settings = Settings(data_dir=tmp_path / "check", database_url=pg_url)
    with open_storage(settings) as storage:
        rows = storage.db.query("SELECT id, author_id FROM reports")
        files = open_photos(settings, storage)
        photos = {sha: files.read(sha) for (sha,) in storage.db.query("SELECT sha256 FROM photos")}
    return rows, photos


def test_devices_over_both_instances_with_one_killed_deliver_everything_exactly_once(
        pair, pg_url, tmp_path):
    a, b = pair
    before, _ = stored(pg_url, tmp_path)
    with FaultProxy([a.port, b.port], seed=7, stall_s=2.0) as proxy:
        url = f"http://127.0.0.1:{proxy.port}"
        devices = []
        for user, n, photos, first in (("kod", 300, 30, 0), ("polizei", 300, 30, 100)):
            device = Device(tmp_path / f"device-{user}", url)
            device.login(user, DEMO_PASSWORD)
            assert device.sync().outcome is Outcome.OK
            fill_outbox(device, n, photos, first)  # photos of its own: each stored once
            devices.append((device, n, photos))
        proxy.fault_rate = 0.1  # from here on the network misbehaves as well
        errors: list[BaseException] = []

        def run(device: Device) -> None:
            client = fresh_client(url, device.store.get_meta("token"))
            try:
                sync_until_empty(device, client, deadline_s=180)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
            finally:
                client.close()

        threads = [threading.Thread(target=run, args=(d,)) for d, _, _ in devices]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30  # kill instance a once reports are on their way
        while time.monotonic() < deadline and not any(
                d.store.outbox_counts()[OutboxState.SENT] for d, _, _ in devices):
            time.sleep(0.01)
        a.stop(signal.SIGKILL)
        time.sleep(1.0)  # b alone serves both devices meanwhile
        a.start()
        for t in threads:
            t.join(240)
    assert not errors, errors
    assert proxy.per_target[a.port] and proxy.per_target[b.port]  # both served
    rows, photos = stored(pg_url, tmp_path)
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)) == len(before) + sum(n for _, n, _ in devices)
    for device, n, n_photos in devices:
        assert device.unsent_count() == 0
        mine = {r["id"] for r, _ in device.store.history(limit=n + 10)}
        assert len(mine) == n and mine <= set(ids)
    assert len(photos) == sum(p for _, _, p in devices)
    for sha, data in photos.items():
        assert hashlib.sha256(data).hexdigest() == sha
    for device, _, _ in devices:
        device.store.close()


def login(base: str, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": password})


def test_a_token_from_one_instance_holds_on_the_other_until_revoked_there(pair):
    a, b = pair
    token = login(a.url, "kod", DEMO_PASSWORD).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{b.url}/api/v1/sync", headers=headers).status_code == 200
    assert httpx.post(f"{b.url}/api/v1/auth/logout", headers=headers).status_code == 204
    assert httpx.get(f"{a.url}/api/v1/sync", headers=headers).status_code == 401


def test_failed_logins_on_both_instances_count_together(pair):
    a, b = pair
    for i in range(5):  # login_max_per_user, spread over both
        assert login((a, b)[i % 2].url, "polizei", "wrong").status_code == 401
    for inst in (a, b):  # then the right password waits, on either
        r = login(inst.url, "polizei", DEMO_PASSWORD)
        assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_attempts", r.text


def test_concurrent_replays_of_one_report_on_both_instances_are_stored_once(pair, pg_url, tmp_path):
    a, b = pair
    token = login(a.url, "kod", DEMO_PASSWORD).json()["token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    before, _ = stored(pg_url, tmp_path)
    for round_ in range(15):
        body = json.dumps(make_report(round_, place_id="westentor"))
        rid = json.loads(body)["id"]
        start, answers = threading.Barrier(2), []

        def put(inst: Instance, content: str = body) -> None:
            start.wait()
            answers.append(httpx.put(f"{inst.url}/api/v1/reports/{rid}", content=content,
                                     headers=headers).status_code)

        threads = [threading.Thread(target=put, args=(inst,)) for inst in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(answers) == [200, 201], answers
        changed = json.dumps({**json.loads(body), "note": "other content"})
        for inst in (a, b):
            assert httpx.put(f"{inst.url}/api/v1/reports/{rid}", content=changed,
                             headers=headers).status_code == 409
    rows, _ = stored(pg_url, tmp_path)
    assert len(rows) == len(before) + 15
