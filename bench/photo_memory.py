"""Peak memory of a real server under concurrent worst-case photo uploads, trees side by side.

Each tree gets its own data directory (init + seed-demo) and its own server process on
loopback; the demo officer ``kod`` sends one report listing every photo, then all uploads go
at once, each on its own connection. Printed per tree: the answers, the time, and the server
process's resident memory before and at its peak (VmHWM, the kernel's high-water mark).

The uploads are images that decode big from small files, at the sizes the server accepts:
40-megapixel PNGs (about 130 KB), 12-megapixel WebPs (38 bytes), 40-megapixel JPEGs, and
incompressible PNGs at the 10 MB body limit. Each is distinct (its own hash), as 32 phones'
photos would be.

Run: .venv/bin/python bench/photo_memory.py [--smoke] [--uploads 32] [--against OTHER_TREE] [--port 8201]
e.g. with main's tree exported beside this one: git archive main | tar -x -C /tmp/main
"""

from __future__ import annotations

import argparse
import socket
import hashlib
import io
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
MAX_BODY = 10 * 1024 * 1024
PER_REPORT = 20  # photos a report may list


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def distinct_png(png: bytes, n: int) -> bytes:
    """The same picture with a text chunk of its own before IEND: another hash, same pixels."""
    return png[:-12] + _png_chunk(b"tEXt", b"n\x00" + str(n).encode()) + png[-12:]


def distinct_jpeg(jpeg: bytes, n: int) -> bytes:
    """A comment segment after SOI: another hash, same pixels."""
    text = f"photo {n}".encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


def encoded(size: tuple[int, int], fmt: str, colour=(40, 90, 140), **kw) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **kw)
    return out.getvalue()


def worst_case(n: int) -> list[tuple[str, bytes]]:
    """``n`` uploads, a quarter of each kind, every one distinct."""
    png40 = encoded((8000, 5000), "PNG")
    jpeg40 = encoded((12000, 3333), "JPEG", quality=30)
    side = 1800  # incompressible RGB: just under the body limit as PNG
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=0)
    max_body = out.getvalue()
    assert len(max_body) < MAX_BODY - 100
    kinds = [
        ("png 40 MP", lambda i: distinct_png(png40, i)),
        ("webp 12 MP", lambda i: encoded((4000, 3000), "WEBP", (i % 256, 7, 7), lossless=True,
                                         method=0)),
        ("jpeg 40 MP", lambda i: distinct_jpeg(jpeg40, i)),
        ("png 10 MB", lambda i: distinct_png(max_body, i)),
    ]
    return [(kinds[i % 4][0], kinds[i % 4][1](i)) for i in range(n)]


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def run_tree(tree: Path, port: int, uploads: list[tuple[str, bytes]]) -> str:
    with tempfile.TemporaryDirectory() as d:
        for cmd in ("init", "seed-demo"):
            subprocess.run([sys.executable, "-m", "sync_server", "--data", d, cmd], cwd=tree,
                           check=True, capture_output=True)
        log = open(Path(d) / "server.log", "wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "sync_server", "--data", d, "serve", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"], cwd=tree, stdout=log,
            stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((Path(d) / "server.log").read_text()[-3000:])
                time.sleep(0.2)
            token = httpx.post(f"{url}/api/v1/auth/login", json={
                "username": "kod", "password": "streife2026"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            shas = [hashlib.sha256(data).hexdigest() for _, data in uploads]
            reports = [report([*shas[i:i + PER_REPORT]]) for i in range(0, len(shas), PER_REPORT)]
            r = httpx.post(f"{url}/api/v1/reports/batch", json={"reports": reports},
                           headers=headers, timeout=60)
            assert {x["status"] for x in r.json()["results"]} == {"created"}, r.text
            idle = memory(server.pid)["VmRSS"]
            answers: list[int | str] = [0] * len(uploads)

            def send(i: int) -> None:
                try:
                    answers[i] = httpx.put(
                        f"{url}/api/v1/photos/{shas[i]}", content=uploads[i][1], timeout=600,
                        headers={**headers, "Content-Type": "application/octet-stream"}).status_code
                except httpx.HTTPError as exc:
                    answers[i] = type(exc).__name__
            start = time.perf_counter()
            threads = [threading.Thread(target=send, args=(i,)) for i in range(len(uploads))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            took = time.perf_counter() - start
            peak = memory(server.pid)["VmHWM"]
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    counts = {a: answers.count(a) for a in sorted(set(answers), key=str)}
    return (f"{tree}:\n  {len(uploads)} concurrent uploads in {took:.1f} s, answers {counts}\n"
            f"  server RSS idle {idle} MB, peak {peak} MB")


def report(photos: list[str]) -> dict:
    """A report without a fix that lists the photos (the server takes only listed photos)."""
    from datetime import datetime, timedelta, timezone

    from uuid6 import uuid7

    now = datetime.now(timezone.utc)
    stamp = lambda t: t.isoformat(timespec="milliseconds").replace("+00:00", "Z")  # noqa: E731
    return {"id": str(uuid7()), "observed_at": stamp(now - timedelta(seconds=30)),
            "severity": "low", "visibility": "cooperation",
            "presence": {"verdict": "no_fix"}, "place_id": None,
            "fix": None, "no_fix_reason": "bench", "photos": photos}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--uploads", type=int, default=32)
    p.add_argument("--against", type=Path, help="another tree to measure beside this one")
    p.add_argument("--port", type=int, default=8201, help="loopback port (the next one for --against)")
    p.add_argument("--smoke", action="store_true",
                   help="CI: the same path with 4 uploads on a free port (seconds)")
    args = p.parse_args()
    if args.smoke:
        args.uploads, args.port = 4, free_port()
    t = time.perf_counter()
    uploads = worst_case(args.uploads)
    sizes = {}
    for kind, data in uploads:
        sizes.setdefault(kind, len(data))
    print(f"{len(uploads)} uploads made in {time.perf_counter() - t:.1f} s: "
          + ", ".join(f"{k} ({v / 1024:,.0f} KB)" for k, v in sizes.items()))
    trees = [ROOT] + ([args.against] if args.against else [])
    for i, tree in enumerate(trees):
        print(run_tree(tree, args.port + i, uploads), flush=True)


if __name__ == "__main__":
    main()
