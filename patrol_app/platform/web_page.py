"""The host page of the web app (development, demo, tests): Flet's own ``index.html`` with one
addition, so that the page never reaches for the internet.

Flet 1.0.5's web client loads everything locally with ``no_cdn`` except one thing: the Rive
runtime (``@rive-app/flutter-native-wasm``, for Rive animations, which this app does not use)
is fetched with a ``<script>`` element whose URL is compiled into the client as a jsDelivr
address. Offline the fetch fails harmlessly, but every page load still asks a public CDN —
a request that leaks the device's address and waits on networks that drop rather than refuse.
The page here refuses to set any script source outside its own origin: the element stays
empty, no request is made, and the client carries on as it does when the CDN is unreachable.

Flet copies ``index.html`` from the app's assets directory when one is there, before filling
in its own settings, so the patched copy goes into a directory of its own made at start-up.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import flet_web

MARKER = "<!-- fletAppConfig -->"

# Runs before Flutter's bootstrap: a script element's src may only name this origin.
SAME_ORIGIN_SCRIPTS = """<script>
  (function () {
    var d = Object.getOwnPropertyDescriptor(HTMLScriptElement.prototype, "src");
    Object.defineProperty(HTMLScriptElement.prototype, "src", {
      configurable: true, enumerable: d.enumerable,
      get: function () { return d.get.call(this); },
      set: function (v) {
        var url = new URL(String(v), document.baseURI);
        if (url.origin !== location.origin) {
          console.info("offline page: not loading", url.href);
          return;
        }
        d.set.call(this, v);
      }
    });
  })();
</script>
"""


def offline_assets_dir() -> Path:
    """A fresh assets directory holding the patched ``index.html``; pass it as ``assets_dir``."""
    index = Path(flet_web.get_package_web_dir()) / "index.html"
    html = index.read_text(encoding="utf-8")
    if MARKER not in html:
        raise RuntimeError(f"{index} has no {MARKER!r}: Flet's page changed, check web_page.py")
    out = Path(tempfile.mkdtemp(prefix="patrol-web-"))
    atexit.register(shutil.rmtree, out, True)
    (out / "index.html").write_text(html.replace(MARKER, SAME_ORIGIN_SCRIPTS + MARKER, 1),
                                    encoding="utf-8")
    return out
