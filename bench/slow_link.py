"""A shift's backlog over a slow mobile link: 150 reports and 60 camera-like photos from one
device, through a throttling loopback proxy (tests/support/throttle.py: a shared uplink and
downlink at the profile's rate, a one-way latency, a round trip per new connection) to a real
uvicorn server on a free port (fresh data, the Hamm demo, for every run).

Per link profile, in the same run, each with a fresh server:
- sync: the sync engine as the app runs it (report batches, then photos, PHOTO_UPLOADS at once);
- sync, one photo at a time: the same engine with ``photo_uploads=1`` (how it was);
- one request per item: PUT each report, then PUT each photo, one after another.
``--before`` adds the old photo pipeline (quality 80, no budget) with one upload at a time: the
figures this bench started from.

Printed per run: time, bytes up/down, requests, the floor and time/floor. The floor is what
the link cannot beat for these bytes: the upload's bytes at the uplink's rate (or the answers'
at the downlink's, the larger) plus three round trips (the connection's handshake; the reports'
answer, since the server takes a photo only for a report it knows; the last photo's answer).
The pull that ends a sync in the app is left out: the backlog is what goes up.

Target: sync within 1.05x of its floor at both profiles.
Run: .venv/bin/python bench/slow_link.py [--smoke] [--before] [--profile 3g|edge|both]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import patrol_wire as wire  # noqa: E402
from patrol_app.core.checks import CheckDraft  # noqa: E402
from patrol_app.core.client import SyncClient  # noqa: E402
from patrol_app.core.device import Device  # noqa: E402
from patrol_app.core.photos import ProcessedPhoto, process_photo  # noqa: E402
from patrol_app.core.store import ItemKind, OutboxState  # noqa: E402
from patrol_app.core.sync import PHOTO_UPLOADS, Outcome, SyncEngine  # noqa: E402
from tests.support.camera import SCENES, scene, sensor_noise  # noqa: E402
from tests.support.servers import free_port, server_cli, start_server  # noqa: E402
from tests.support.throttle import CountingTransport, Profile, ThrottledLink  # noqa: E402

PASSWORD = "streife2026"  # the demo's
PROFILES = {
    "3g": Profile("1 Mbit/s, 150 ms", up_bps=1_000_000, down_bps=1_000_000, latency_s=0.150),
    "edge": Profile("384 kbit/s, 300 ms", up_bps=384_000, down_bps=384_000, latency_s=0.300),
    "smoke": Profile("20 Mbit/s, 20 ms", up_bps=20_000_000, down_bps=20_000_000, latency_s=0.020),
}
OLD_BUDGET = 300 * 1024  # the old pipeline: quality 80 up to 300 KB
FLOOR_ROUND_TRIPS = 3


def camera_photos(n: int) -> list[bytes]:
    """n distinct camera-like pictures as the pipeline receives them: 1600x1200 phone JPEGs
    (scenes of tests/support/camera.py; the noise a 12 MP sensor keeps after scaling to
    1600 px, so quality 80 gives the ~250 KB that real phone photos gave)."""
    out = []
    for i in range(n):
        kind = SCENES[i % len(SCENES)]
        img = sensor_noise(scene(kind, 100 + i, (1600, 1200)), random.Random(i),
                           2.8 * (1.6 if kind == "dusk" else 1.0))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=92)
        out.append(buf.getvalue())
    return out


@dataclass
class Run:
    label: str
    seconds: float
    up: int
    down: int
    requests: int
    peak_photo_uploads: int
    profile: Profile

    @property
    def floor(self) -> float:
        p = self.profile
        return max(self.up * 8 / p.up_bps, self.down * 8 / p.down_bps) + FLOOR_ROUND_TRIPS * p.rtt_s


def fill(device: Device, reports: int, photos: list[ProcessedPhoto]) -> None:
    """The shift's checks at one place, every n-th with a photo (60 photos on 150 reports)."""
    place = device.store.place("westentor")
    every = max(1, reports // max(1, len(photos)))
    pics = iter(photos)
    for i in range(reports):
        draft = CheckDraft(place=place, note=f"Kontrolle {i}: Gruppe am Brunnen, ruhig",
                           no_fix_reason="drinnen")
        if i % every == 0 and (pic := next(pics, None)) is not None:
            draft.add_photo(pic)
        device.save_check(draft)
    rest = list(pics)
    assert not rest, f"{len(rest)} photos found no report"


def one_request_per_item(device: Device, client: SyncClient) -> None:
    store = device.store
    reports = store.due_items(ItemKind.REPORT, limit=1_000_000)
    for item, body in zip(reports, store.report_bodies([it.ref for it in reports])):
        client.put_report(wire.decode(wire.Report, json.loads(body)))
    store.mark(ItemKind.REPORT, [it.ref for it in reports], OutboxState.SENT)
    for item in store.due_items(ItemKind.PHOTO, limit=1_000_000, report_sent=True):
        client.put_photo(item.ref, store.photo_bytes(item.ref))
        store.mark(ItemKind.PHOTO, [item.ref], OutboxState.SENT)


def measure(label: str, how: str, profile: Profile, reports: int, photos: list[ProcessedPhoto],
            work: Path) -> Run:
    data = work / f"server-{label.replace(' ', '-')}-{profile.up_bps:.0f}"
    server_cli(data, "init")
    server_cli(data, "seed-demo")
    port = free_port()
    server = start_server(data, port, work / "server.log")
    try:
        device = Device(work / f"device-{data.name}", f"http://127.0.0.1:{port}")
        device.login("kod", PASSWORD)
        assert device.sync().outcome is Outcome.OK  # reference data, on the fast path
        fill(device, reports, photos)
        with ThrottledLink(port, profile) as link:
            transport = CountingTransport()
            client = SyncClient(f"http://127.0.0.1:{link.port}", device.store.get_meta("token"),
                                transport=transport)
            start = time.perf_counter()
            if how == "per_item":
                one_request_per_item(device, client)
            else:
                uploads = PHOTO_UPLOADS if how == "sync" else 1
                result = SyncEngine(device.store, client, photo_uploads=uploads).run(pull=False)
                assert result.outcome is Outcome.OK, result
                assert (result.reports_sent, result.photos_sent) == (reports, len(photos)), result
            seconds = time.perf_counter() - start
            client.close()
        assert device.unsent_count() == 0
        device.store.close()
        return Run(label, seconds, link.bytes_up, link.bytes_down, transport.requests,
                   transport.peak_photo_puts, profile)
    finally:
        server.stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--smoke", action="store_true",
                   help="seconds on tiny data, the same code paths (CI runs this)")
    p.add_argument("--before", action="store_true",
                   help="also the old photos (quality 80) sent one at a time")
    p.add_argument("--profile", choices=["3g", "edge", "both"], default="both")
    p.add_argument("--reports", type=int, default=150)
    p.add_argument("--photos", type=int, default=60)
    args = p.parse_args()
    if args.smoke:
        args.reports, args.photos, profiles = 10, 4, [PROFILES["smoke"]]
    else:
        profiles = [PROFILES[k] for k in (("3g", "edge") if args.profile == "both" else (args.profile,))]
    t = time.perf_counter()
    raw = camera_photos(args.photos)
    new = [process_photo(r) for r in raw]
    old = [process_photo(r, budget=OLD_BUDGET) for r in raw] if args.before else []
    print(f"backlog: {args.reports} reports, {args.photos} photos ({sum(len(x.data) for x in new) / 1e6:.2f} MB"
          + (f"; old pipeline {sum(len(x.data) for x in old) / 1e6:.2f} MB" if old else "")
          + f"), made in {time.perf_counter() - t:.0f} s")
    plan = [("sync", "sync", new), ("sync, one photo at a time", "serial", new),
            ("one request per item", "per_item", new)]
    if old:
        plan.append(("before: old photos, one at a time", "serial", old))
    with tempfile.TemporaryDirectory(prefix="slow-link-") as tmp:
        for profile in profiles:
            print(f"\nlink: {profile.name} each way (round trip {profile.rtt_s * 1000:.0f} ms)")
            print(f"  {'':34} {'time':>7} {'up MB':>6} {'down KB':>7} {'requests':>8} "
                  f"{'in flight':>9} {'floor':>7} {'ratio':>6}")
            runs = []
            for label, how, photos in plan:
                run = measure(label, how, profile, args.reports, photos, Path(tmp))
                runs.append(run)
                print(f"  {label:34} {run.seconds:6.1f}s {run.up / 1e6:6.2f} {run.down / 1e3:7.0f} "
                      f"{run.requests:8} {run.peak_photo_uploads:9} {run.floor:6.1f}s "
                      f"{run.seconds / run.floor:5.2f}x", flush=True)
            sync, serial, per_item = runs[:3]
            print(f"  sync is {per_item.seconds / sync.seconds:.2f}x faster than one request per item, "
                  f"{serial.seconds / sync.seconds:.2f}x faster than one photo at a time"
                  + (f", {runs[3].seconds / sync.seconds:.2f}x faster than before" if old else ""))
            if not args.smoke:
                print(f"  target (sync <= 1.05x its floor):",
                      "met" if sync.seconds <= 1.05 * sync.floor else "NOT met")


if __name__ == "__main__":
    main()
