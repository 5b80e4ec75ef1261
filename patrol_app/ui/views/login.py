"""Login screen: username and password; the server address the device was set up with is shown
as one line and opens for editing only on "Ändern" (an officer with gloves must not change it
by accident, the walk of issue 13 found it as a third open field)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

from patrol_app.core.client import (
    AuthRequired,
    ClientError,
    InsecureServer,
    Offline,
    Rejected,
)

from ..theme import big_button

if TYPE_CHECKING:
    from ..context import ViewContext


class LoginView:
    def __init__(self, ctx: "ViewContext") -> None:
        self.ctx = ctx
        t = ctx.t
        last = ctx.device.user  # after a lock that gave up, the same person logs in again
        self.username = ft.TextField(label=t("username"), autofocus=True, autocorrect=False,
                                     enable_suggestions=False, value=last.username if last else None)
        self.password = ft.TextField(label=t("password"), password=True, can_reveal_password=True,
                                     on_submit=self.submit)
        configured = bool(ctx.device.server_url)
        self.server = ft.TextField(label=t("server_url"), value=ctx.device.server_url,
                                   keyboard_type=ft.KeyboardType.URL, autocorrect=False,
                                   enable_suggestions=False, visible=not configured)
        self.server_line = ft.Row([
            ft.Text(t("server_is", host=_host(ctx.device.server_url)), expand=True,
                    color=ft.Colors.ON_SURFACE_VARIANT, size=13),
            ft.Semantics(identifier="server-change", content=ft.TextButton(
                t("server_change"), on_click=self._edit_server, height=48))],
            visible=configured)
        self.error = ft.Text("", color=ft.Colors.ERROR, visible=False)
        self.busy = ft.ProgressRing(visible=False, width=24, height=24)

    def build(self) -> ft.Control:
        t = self.ctx.t
        return ft.Container(
            ft.Column([
                ft.Icon(ft.Icons.SHIELD_OUTLINED, size=56, color=ft.Colors.PRIMARY),
                ft.Text(t("app_title"), size=26, weight=ft.FontWeight.BOLD),
                self.username, self.password, self.server_line, self.server, self.error,
                big_button(t("login"), self.submit, icon=ft.Icons.LOGIN, identifier="login-submit"),
                ft.Row([self.busy], alignment=ft.MainAxisAlignment.CENTER),
                ft.TextButton(t("language"), on_click=self._toggle_language),
            ], spacing=14, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, scroll=ft.ScrollMode.AUTO),
            padding=24, expand=True)

    def _edit_server(self, _=None) -> None:
        self.server_line.visible = False
        self.server.visible = True
        self.ctx.update()

    def _toggle_language(self, _=None) -> None:
        self.ctx.set_language("en" if self.ctx.t.lang == "de" else "de")
        self.ctx.show_login()

    async def submit(self, _=None) -> None:
        t = self.ctx.t
        if not (self.username.value or "").strip() or not self.password.value:
            self._fail(t("login_missing"))  # said here, not sent for the server to refuse
            return
        if self.busy.visible:
            return  # a second tap while the first login is on its way
        self.error.visible = False
        self.busy.visible = True
        self.ctx.update()
        try:
            await asyncio.to_thread(self.ctx.device.login, (self.username.value or "").strip(),
                                    self.password.value or "", (self.server.value or "").strip())
        except Offline:
            self._fail(t("login_offline"))
            return
        except InsecureServer:
            self._fail(t("login_insecure"))
            return
        except (Rejected, AuthRequired):
            self._fail(t("login_failed"))
            return
        except ClientError as exc:
            self._fail(t.error(exc.code, t("sync_server_error")))
            return
        except Exception:  # a bug must not leave the spinner turning over a dead button
            self._fail(t("login_problem"))
            raise
        await self.ctx.after_login()  # the spinner turns until the first screen replaces it
        self.busy.visible = False

    def _fail(self, message: str) -> None:
        """The error in words, and the spinner gone: it stopped turning when the answer came."""
        self.busy.visible = False
        self.error.value = message
        self.error.visible = True
        self.ctx.update()


def _host(url: str | None) -> str:
    """"streife.hamm.de" for "https://streife.hamm.de/": what a person recognises."""
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return parts.netloc or (url or "")
