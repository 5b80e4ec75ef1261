"""The web app's host page: Flet's own index.html, plus the guard that keeps it off the internet."""

from pathlib import Path

import flet_web

from patrol_app.platform.web_page import MARKER, SAME_ORIGIN_SCRIPTS, offline_assets_dir


def test_the_guard_runs_before_flets_settings_and_the_rest_is_flets_page():
    original = (Path(flet_web.get_package_web_dir()) / "index.html").read_text(encoding="utf-8")
    patched = (offline_assets_dir() / "index.html").read_text(encoding="utf-8")
    assert patched.replace(SAME_ORIGIN_SCRIPTS, "", 1) == original
    assert patched.index(SAME_ORIGIN_SCRIPTS) < patched.index(MARKER) < patched.index("flutter_bootstrap.js")
