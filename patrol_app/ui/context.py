"""What a screen may use, and nothing more: the contract between the views and the app shell.

A view receives a ``ViewContext`` instead of the shell itself, so reading one view file tells
what it depends on, and a view can be built and tested with any object that offers these
members (``tests/unit/test_view_context.py`` builds screens on a small context of its own around
a real device). ``PatrolApp`` (``app.py``) is the one implementation; a test checks that every
``self.ctx.<name>`` a view uses is declared here.

The members fall into five groups: words, the device core, shared field state, the page, and
navigation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol

if TYPE_CHECKING:
    import flet as ft

    import patrol_wire as wire
    from patrol_app.core.device import Device
    from patrol_app.core.store import LocalStore
    from patrol_app.core.sync import SyncResult
    from patrol_app.platform.connectivity import Connectivity
    from patrol_app.platform.picker import PhotoPicker
    from patrol_app.core.pin import PinLock

    from .i18n import Translator


class ViewContext(Protocol):
    # -- words: the translator of the language chosen now (it changes when the user switches)
    t: "Translator"

    # -- the device core: commands (login, save_check, answer_query, ...) on ``device``, and the
    #    local store's queries (history, places, reports, preferences) on ``store``
    device: "Device"
    store: "LocalStore"

    # -- shared field state
    fix: "wire.GpsFix | None"           # the latest GPS fix, shared by places, map and form
    sync_status: str                    # the last sync's outcome in words
    progress: "ft.Control"              # the one sync progress control (updated in place)
    view_state: dict[str, dict]         # screens' filters, kept across tab switches
    picker: "PhotoPicker"
    connectivity: "Connectivity"
    pin: "PinLock"

    async def update_fix(self) -> str | None: ...          # a fresh fix; the problem in words
    async def locate_and_redraw(self, _: Any = None) -> None: ...
    async def sync_now(self, _: Any = None) -> "SyncResult | None": ...
    def resend(self, report_id: str) -> None: ...
    def set_language(self, lang: str) -> None: ...
    def set_answers_waiting(self, n: int) -> None: ...

    # -- the page: redraw, dialogs, background tasks, messages, theme colours
    def update(self) -> None: ...
    def show_dialog(self, dialog: "ft.DialogControl") -> None: ...
    def pop_dialog(self) -> None: ...
    def run_task(self, handler: Callable[..., Awaitable[Any]], *args: Any) -> Any: ...
    def toast(self, message: str, *, error: bool = False, duration: int = 5000) -> None: ...
    def colour(self, value: str) -> str: ...               # a signal colour for the theme
    def is_shown(self, control: "ft.Control") -> bool: ...  # still the screen on display
    def page_size(self) -> tuple[float, float]: ...         # width, height in logical pixels

    # -- navigation
    def show_main(self, tab: int | None = None) -> None: ...
    def redraw_tabs(self) -> None: ...                      # the tab shown, unless a form is
    def show_tab(self, view_cls: type) -> None: ...        # the tab showing that screen
    def show_sub(self, view: Any) -> None: ...
    def show_check(self, place: Any) -> None: ...
    def show_correction(self, report_id: str) -> None: ...
    def show_answer(self, query: "wire.Query") -> None: ...
    def show_login(self) -> None: ...
    def lock_now(self) -> None: ...
    def resume(self) -> None: ...
    async def after_login(self) -> None: ...
    def logout_request(self, _: Any = None) -> None: ...
