"""``patrol-app``: run the field app as a Flet web app on localhost (development, demo, tests).

On a phone the same ``main`` is packaged by ``flet build``; see ``patrol_app/main.py``.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
from pathlib import Path

MAX_PICKED_BYTES = 64 * 1024 * 1024  # far above any phone photo; a bound on what a page can send


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="patrol-app", description=__doc__)
    p.add_argument("--server", default=os.environ.get("PATROL_SERVER_URL", "http://127.0.0.1:8000"),
                   help="sync server URL (default $PATROL_SERVER_URL or http://127.0.0.1:8000)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8550)
    p.add_argument("--data", help="device data directory (default $PATROL_APP_DATA)")
    args = p.parse_args(argv)

    os.environ["FLET_WEB_NO_CDN"] = "1"  # the page must load with no internet at all
    # picked photos come from the browser through Flet's upload endpoint (with progress), whose
    # URLs are signed: a fresh key per run unless the operator sets one
    os.environ.setdefault("FLET_SECRET_KEY", secrets.token_hex(32))
    os.environ.setdefault("FLET_MAX_UPLOAD_SIZE", str(MAX_PICKED_BYTES))
    import flet as ft

    from patrol_app.core.device import Device
    from patrol_app.platform.web_page import offline_assets_dir
    from patrol_app.ui.app import default_data_dir, make_main

    logging.basicConfig(level=logging.INFO)
    from patrol_app.platform.picker import clean_uploads

    device = Device(Path(args.data) if args.data else default_data_dir(), args.server)
    uploads = device.store.data_dir / "uploads"
    uploads.mkdir(exist_ok=True)
    clean_uploads(uploads)  # what a killed app left half-received
    ft.run(make_main(device, uploads), view=ft.AppView.WEB_BROWSER, host=args.host, port=args.port,
           assets_dir=str(offline_assets_dir()), upload_dir=str(uploads), no_cdn=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
