"""Load: 50 simulated devices syncing concurrently against a real server on loopback.

Each device (its own store, its own login) saves a few checks -- every fourth with a photo --
and syncs, again and again, for ``--seconds``. Every HTTP request is timed at the transport.
Prints reports/s, photos/s, p50/p99 per request kind, errors (must be zero), and the CPU each
side used, to say where the bottleneck is.

Run: .venv/bin/python bench/load.py [--devices 50] [--seconds 60] [--workers 2] [--smoke]
Exits non-zero when a request failed or a sync run did not end OK.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patrol_app.core.checks import CheckDraft  # noqa: E402
from patrol_app.core.device import Device  # noqa: E402
from patrol_app.core.photos import process_photo  # noqa: E402
from patrol_app.core.sync import Outcome  # noqa: E402
from tests.support.servers import free_port, server_cli, start_server  # noqa: E402

from cpu import CpuClock  # noqa: E402  (bench/cpu.py)

OFFICERS = ["polizei", "kod", "polizei2", "kod2"]


class Timed(httpx.HTTPTransport):
    def __init__(self, sink: dict, lock: threading.Lock) -> None:
        super().__init__()
        self.sink, self.lock = sink, lock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        kind = request.url.path.split("/")[3] if request.url.path.startswith("/api/") else "other"
        kind = f"{request.method} {kind}"
        t = time.perf_counter()
        try:
            resp = super().handle_request(request)
            resp.read()
        except Exception:
            with self.lock:
                self.sink["errors"].append(kind)
            raise
        with self.lock:
            self.sink[kind].append(time.perf_counter() - t)
            if resp.status_code >= 400:
                self.sink["errors"].append(f"{kind} {resp.status_code}")
        return resp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--smoke", action="store_true",
                    help="seconds on tiny data, the same code paths (CI runs this)")
    args = ap.parse_args()
    if args.smoke:
        args.devices, args.seconds, args.workers = 2, 3, 1

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "server"
        server_cli(data, "init")
        server_cli(data, "seed-demo")
        port = free_port()
        server = start_server(data, port, Path(tmp) / "server.log", workers=args.workers)
        url = f"http://127.0.0.1:{port}"
        sink: dict[str, list] = defaultdict(list)
        lock = threading.Lock()
        devices = []
        for i in range(args.devices):
            d = Device(Path(tmp) / f"device-{i}", url, transport=Timed(sink, lock))
            d.login(OFFICERS[i % len(OFFICERS)], "streife2026")
            assert d.sync().outcome is Outcome.OK
            devices.append(d)
        sink.clear()
        photos = []  # distinct pictures (a repeated one is deduplicated, not uploaded again)
        for i in range(args.devices * 12):
            buf = io.BytesIO()
            Image.effect_noise((800, 600), 20 + i % 60).convert("RGB").save(buf, "JPEG", quality=85)
            photos.append(process_photo(buf.getvalue()))
        next_photo = iter(range(10**9))
        place = devices[0].store.place("westentor")
        counts = defaultdict(int)
        stop = time.monotonic() + args.seconds

        def work(n: int, d: Device) -> None:
            k = 0
            while time.monotonic() < stop:
                for _ in range(1 + (n + k) % 8):
                    draft = CheckDraft(place=place, note=f"load {n}/{k}", no_fix_reason="drinnen")
                    if k % 4 == 0:
                        with lock:
                            j = next(next_photo)
                        draft.add_photo(photos[j % len(photos)])
                    d.save_check(draft)
                    k += 1
                result = d.sync()
                with lock:
                    counts["reports"] += result.reports_sent
                    counts["photos"] += result.photos_sent
                    counts["runs"] += 1
                    if result.outcome is not Outcome.OK:
                        counts["failed_runs"] += 1
                time.sleep(0.05)

        clock = CpuClock(server.proc.pid)
        t0 = time.perf_counter()
        threads = [threading.Thread(target=work, args=(n, d)) for n, d in enumerate(devices)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t0
        cpu = clock.stop(elapsed)
        left = sum(d.unsent_count() for d in devices)
        server.stop()

    print(f"{args.devices} devices, {elapsed:.0f} s, server with {args.workers} worker(s)")
    print(f"  reports: {counts['reports']:,} ({counts['reports'] / elapsed:,.0f}/s);"
          f" photos: {counts['photos']:,} ({counts['photos'] / elapsed:,.1f}/s);"
          f" sync runs {counts['runs']:,}, not OK {counts['failed_runs']}; still queued at the end {left}")
    for kind, xs in sorted(sink.items()):
        if kind == "errors" or not xs:
            continue
        xs = sorted(xs)
        print(f"  {kind:22} n={len(xs):6,}  p50 {statistics.median(xs) * 1000:7.1f} ms"
              f"  p99 {xs[int(len(xs) * 0.99) - 1] * 1000:7.1f} ms")
    print(f"  errors: {len(sink['errors'])} {sorted(set(sink['errors']))[:5]}")
    print("  " + cpu.describe(client="devices"))
    if sink["errors"] or counts["failed_runs"]:
        raise SystemExit(f"{len(sink['errors'])} failed requests, {counts['failed_runs']} sync runs not OK")


if __name__ == "__main__":
    main()
