"""Base for screens whose data lives on the server (shift lead, supervisor, admin).

They show a spinner, fetch in a worker thread, and say in words what went wrong when the
server cannot be reached -- these screens need a network; the officer's field screens do not.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Callable

import flet as ft

from patrol_app.core.client import (
    AuthRequired,
    ClientError,
    InsecureServer,
    Offline,
    Rejected,
)
from patrol_app.core.office import Office

from ..theme import big_button

if TYPE_CHECKING:
    from ..context import ViewContext

log = logging.getLogger("patrol_app")


def problem_text(ctx: "ViewContext", exc: ClientError) -> str:
    t = ctx.t
    if isinstance(exc, Offline):
        return t("online_needed")
    if isinstance(exc, InsecureServer):
        return t("login_insecure")
    if isinstance(exc, AuthRequired):
        return t("sync_auth")
    if isinstance(exc, Rejected):
        return t.error(exc.code, str(exc))
    return t("sync_server_error")


def filter_dropdown(ctx: "ViewContext", identifier: str, label: str, value: str,
                    options: list[tuple[str, str]], on_select: Callable[[str], None], *,
                    with_all: bool = True) -> ft.Control:
    """A filter for an online list: "all" first (unless ``with_all`` is False), expands in a
    Row, tagged for tests."""
    return ft.Semantics(identifier=identifier, expand=True, content=ft.Dropdown(
        label=label, value=value, dense=True, expand=True,
        options=[*([ft.DropdownOption(key="", text=ctx.t("all"))] if with_all else []),
                 *[ft.DropdownOption(key=k, text=v) for k, v in options]],
        on_select=lambda e: on_select(e.control.value or "")))


class OnlineView:
    title_key = ""
    # Long lists go out in two updates: the first ``first_screen`` controls (what a phone
    # shows), then the rest one turn of the loop later. Appending keeps the first ones as
    # they are, so a tap on them is not lost. (Showing the last answer at once and asking
    # the server behind it was tried: the answer-read banner and states were stale for a
    # moment, and a tap in the screen's first frame was lost -- bench/taps.py saw both.)
    first_screen: int | None = None
    # A sub-screen's header (back arrow, title, reload) stays above the scrolling content:
    # after the review steps at the bottom of a long report the way back was scrolled away.
    pinned_title = False

    def __init__(self, ctx: "ViewContext") -> None:
        self.ctx = ctx
        self.body = ft.Column(expand=True, scroll=ft.ScrollMode.AUTO, spacing=8,
                              horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.root: ft.Control | None = None  # what build() returned: on screen while is_shown
        self._drawn = 0  # renders so far: a second half belongs to the render that began it

    # subclasses: fetch(office) -> data (worker thread); render(data) -> controls (UI thread)
    def fetch(self, office: Office) -> Any:
        raise NotImplementedError

    def render(self, data: Any) -> list[ft.Control]:
        raise NotImplementedError

    def build(self) -> ft.Control:
        self._show([ft.ProgressRing()])
        self.ctx.run_task(self.reload)
        content = ft.Column([self._title(), self.body], expand=True, spacing=8,
                            horizontal_alignment=ft.CrossAxisAlignment.STRETCH) \
            if self.pinned_title else self.body
        self.root = ft.Container(content, padding=ft.Padding.symmetric(horizontal=12, vertical=6),
                                 expand=True)
        return self.root

    def _show(self, controls: list[ft.Control]) -> None:
        """The screen's content below its title (the title scrolls with it unless pinned)."""
        self.body.controls = controls if self.pinned_title else [self._title(), *controls]

    def _title(self) -> ft.Control:
        return ft.Row([ft.Text(self.ctx.t(self.title_key), size=20, weight=ft.FontWeight.BOLD,
                               expand=True),
                       ft.IconButton(ft.Icons.REFRESH, tooltip=self.ctx.t("reload"),
                                     on_click=self.reload)])

    async def reload(self, _=None) -> None:
        try:
            data = await asyncio.to_thread(self._with_office, self.fetch)
        except ClientError as exc:
            self._show([ft.Text(problem_text(self.ctx, exc), color=ft.Colors.ERROR),
                        big_button(self.ctx.t("retry"), self.reload, filled=False)])
            self.ctx.update()
            return
        shown = self._render(data)
        n = self.first_screen
        first, rest = (shown, []) if n is None else (shown[:n], shown[n:])
        self._drawn += 1
        drawn = self._drawn
        self._show(first)
        self.ctx.update()
        if rest:
            await asyncio.sleep(0)  # the first update is sent before this
            if drawn == self._drawn:  # not reloaded meanwhile (left: a detached list, harmless)
                self.body.controls.extend(rest)
                self.ctx.update()

    def _render(self, data: Any) -> list[ft.Control]:
        try:
            return self.render(data)
        except Exception:  # a bug in drawing must not leave the spinner turning forever
            log.exception("rendering %s failed", type(self).__name__)
            return [ft.Text(self.ctx.t("render_failed"), color=ft.Colors.ERROR)]

    def _with_office(self, fn: Callable[[Office], Any]) -> Any:
        return with_office(self.ctx, fn)

    async def call(self, fn: Callable[[Office], Any], *, done_key: str | None = None) -> Any:
        return await call(self.ctx, fn, done_key=done_key)


def with_office(ctx: "ViewContext", fn: Callable[[Office], Any]) -> Any:
    """Run ``fn`` with a fresh Office client (blocking: call from a worker thread)."""
    office = ctx.device.office()
    try:
        return fn(office)
    finally:
        office.close()


async def call(ctx: "ViewContext", fn: Callable[[Office], Any], *, done_key: str | None = None) -> Any:
    """One server call from any screen (lists and forms alike); a toast says how it went.
    None when it failed."""
    try:
        result = await asyncio.to_thread(with_office, ctx, fn)
    except ClientError as exc:
        ctx.toast(problem_text(ctx, exc), error=True)
        return None
    if done_key:
        ctx.toast(ctx.t(done_key))
    return result if result is not None else True
