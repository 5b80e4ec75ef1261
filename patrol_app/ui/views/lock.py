"""The lock screen (PIN) and the dialog that sets a PIN before the first lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from patrol_app.core.pin import PinError

from ..theme import big_button

if TYPE_CHECKING:
    from ..context import ViewContext


def pin_field(label: str, on_submit=None) -> ft.TextField:
    return ft.TextField(label=label, password=True, can_reveal_password=True, max_length=8,
                        keyboard_type=ft.KeyboardType.NUMBER,
                        input_filter=ft.NumbersOnlyInputFilter(), on_submit=on_submit)


class LockView:
    def __init__(self, ctx: "ViewContext") -> None:
        self.ctx = ctx
        self.pin = pin_field(ctx.t("pin"), on_submit=self.unlock)
        self.error = ft.Text("", color=ft.Colors.ERROR, visible=False)

    def build(self) -> ft.Control:
        t = self.ctx.t
        user = self.ctx.device.user
        return ft.Container(ft.Column([
            ft.Icon(ft.Icons.LOCK, size=64, color=ft.Colors.PRIMARY),
            ft.Text(t("locked_title"), size=24, weight=ft.FontWeight.BOLD),
            ft.Text(t("logged_in_as", name=user.display_name if user else "?")),
            self.pin, self.error,
            big_button(t("unlock"), self.unlock, icon=ft.Icons.LOCK_OPEN, identifier="unlock"),
            ft.TextButton(t("forgot_pin_logout"), on_click=self.ctx.logout_request),
        ], spacing=14, horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=24, expand=True)

    def unlock(self, _=None) -> None:
        try:
            self.ctx.pin.unlock(self.pin.value or "")
        except PinError as err:
            if err.key == "pin_login_required":  # the token is gone: the password decides
                self.ctx.show_login()
                self.ctx.toast(self.ctx.t(err.key), error=True)
                return
            self.error.value = self.ctx.t(err.key)
            self.error.visible = True
            self.pin.value = ""
            self.ctx.update()
            return
        self.ctx.resume()  # with the check its author had open, if one was kept


def set_pin_dialog(ctx: "ViewContext") -> ft.AlertDialog:
    t = ctx.t
    field = pin_field(t("new_pin"))
    error = ft.Text("", color=ft.Colors.ERROR, visible=False)

    def confirm(_=None) -> None:
        try:
            ctx.pin.set_pin(field.value or "")
        except PinError as err:
            error.value = t(err.key)
            error.visible = True
            ctx.update()
            return
        ctx.pop_dialog()
        ctx.lock_now()

    field.on_submit = confirm
    return ft.AlertDialog(modal=True, title=ft.Text(t("set_pin_title")),
                          content=ft.Column([ft.Text(t("set_pin_text")), field, error], tight=True),
                          actions=[ft.TextButton(t("cancel"), on_click=lambda e: ctx.pop_dialog()),
                                   ft.Semantics(identifier="set-pin", content=ft.FilledButton(
                                       t("set_pin_and_lock"), on_click=confirm))])
