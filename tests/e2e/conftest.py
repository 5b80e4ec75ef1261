"""The demo stack for browser tests: a seeded server and the Flet web app, each its own process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM
from tests.support.servers import ROOT, free_port, server_cli, start_app, start_server

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def stack(tmp_path):
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the test command installs Debian's chromium")
    data = tmp_path / "server"
    server_cli(data, "init")
    server_cli(data, "seed-demo")
    sport, aport = free_port(), free_port()
    procs = {"server": start_server(data, sport, tmp_path / "server.log")}
    try:
        procs["app"] = start_app(tmp_path / "device", aport, f"http://127.0.0.1:{sport}",
                                 tmp_path / "app.log")

        class Stack:
            server_url = f"http://127.0.0.1:{sport}"
            app_url = f"http://127.0.0.1:{aport}"

            @staticmethod
            def stop_server() -> None:
                """The network between device and server is gone (the web app's own page
                connection must stay up, so the browser cannot simply go offline)."""
                procs.pop("server").stop()

            @staticmethod
            def start_server() -> None:
                procs["server"] = start_server(data, sport, tmp_path / "server.log")

            @staticmethod
            def another_device(name: str) -> str:
                """A second phone (its own app process and store) on the same server."""
                port = free_port()
                procs[f"app-{name}"] = start_app(tmp_path / f"device-{name}", port,
                                                 f"http://127.0.0.1:{sport}", tmp_path / f"app-{name}.log")
                return f"http://127.0.0.1:{port}"

        yield Stack()
    finally:
        for proc in procs.values():
            proc.stop()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def sample_photo(tmp_path) -> Path:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (4000, 3000), (90, 140, 60))
    ImageDraw.Draw(im).rectangle([500, 500, 1500, 1200], fill=(200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "IMG_0001.jpg"
    im.save(path, quality=90, exif=exif)
    return path
