"""Entry point for ``flet build`` (phone/desktop packages): the app with on-device storage."""

import os

import flet as ft

from patrol_app.core.device import Device
from patrol_app.ui.app import default_data_dir, make_main

ft.run(make_main(Device(default_data_dir(), os.environ.get("PATROL_SERVER_URL", "http://127.0.0.1:8000"))))
