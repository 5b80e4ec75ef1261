"""The server's disk really fills up: its photo folder is a 320 KB tmpfs in a mount namespace of
its own (unshare). Photo uploads get 507 storage_full, the phone keeps them and says why, and
they go once there is room again -- nothing is lost, nothing is half-written."""

from __future__ import annotations

import hashlib
import io
import random
import subprocess
import sys

import pytest
from PIL import Image

from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.core.photos import process_photo
from patrol_app.core.store import ItemKind, OutboxState
from patrol_app.core.sync import PHOTO_UPLOADS, Outcome
from tests.support.servers import Proc, free_port, server_cli

DEMO_PASSWORD = "streife2026"


def unshare_prefix() -> list[str]:
    """A private mount namespace (root, or an unprivileged user namespace where allowed)."""
    for args in (["unshare", "--mount", "--propagation", "private"],
                 ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"]):
        try:
            ok = subprocess.run([*args, "true"], capture_output=True, timeout=10).returncode == 0
        except (FileNotFoundError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return args
    pytest.skip("no private mount namespace here (unshare): the in-process 507 tests still run")


def noisy_photo(seed: int):
    """Camera-like content that does not compress: ~100 KB after the pipeline."""
    rng = random.Random(seed)
    im = Image.frombytes("RGB", (560, 420), bytes(rng.getrandbits(8) for _ in range(560 * 420 * 3)))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return process_photo(buf.getvalue())


def test_photos_that_find_the_server_disk_full_wait_and_go_when_there_is_room(tmp_path):
    prefix = unshare_prefix()
    data = tmp_path / "server"
    server_cli(data, "init")
    server_cli(data, "seed-demo")
    photos_dir = data / "photos"
    photos_dir.mkdir(exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    proc = Proc([*prefix, "sh", "-c", 'mount -t tmpfs -o size=320k tmpfs "$0" && exec "$@"',
                 str(photos_dir), sys.executable, "-m", "sync_server", "--data", str(data), "serve",
                 "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], log)
    try:
        proc.wait_http(f"{url}/healthz")
        phone = Device(tmp_path / "phone", url)
        phone.login("kod", DEMO_PASSWORD)
        assert phone.sync().outcome is Outcome.OK
        place = phone.store.place("westentor")
        photos = [noisy_photo(i) for i in range(5)]
        assert sum(len(p.data) for p in photos) > 320 * 1024
        for i, p in enumerate(photos):
            draft = CheckDraft(place=place, note=f"check {i}", no_fix_reason="drinnen")
            draft.add_photo(p)
            phone.save_check(draft)

        result = phone.sync()
        assert result.outcome is Outcome.SERVER_ERROR and result.code == "storage_full"
        assert result.reports_sent == 5 and 0 < result.photos_sent < 5
        waiting = [i for i in phone.store.outbox() if i.kind is ItemKind.PHOTO
                   and i.state is not OutboxState.SENT]
        failed = [i for i in waiting if i.state is OutboxState.FAILED]
        # those in flight when the disk filled (up to PHOTO_UPLOADS at once) said why and are
        # retried later; none started after
        assert 1 <= len(failed) <= PHOTO_UPLOADS
        assert all(i.error_code == "storage_full" for i in failed)
        assert all(i.state is OutboxState.PENDING for i in waiting if i not in failed)
        assert not list(photos_dir.rglob(".incoming-*"))  # the host sees the folder beneath
        server_log = log.read_text()
        assert "storage full on PUT /api/v1/photos/" in server_log
        assert "Traceback" not in server_log

        subprocess.run(["nsenter", "-t", str(proc.proc.pid), "-m", "mount", "-o",
                        "remount,size=8m", str(photos_dir)], check=True, capture_output=True)
        phone.store.db.execute("UPDATE outbox SET next_attempt_at = 0")  # the backoff is over
        again = phone.sync()
        assert again.outcome is Outcome.OK, again
        assert {i.state for i in phone.store.outbox()} == {OutboxState.SENT}
        root = f"/proc/{proc.proc.pid}/root"  # the server's view of its photo folder
        for p in photos:
            stored = f"{root}{photos_dir}/{p.sha256[:2]}/{p.sha256}.jpg"
            with open(stored, "rb") as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == p.sha256
    finally:
        proc.stop()  # the tiny disk lives and dies with the server's mount namespace
