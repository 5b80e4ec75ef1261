"""Admin: users -- create, role, agency (one of the active agencies), disable, a new password."""

from __future__ import annotations

import flet as ft

import patrol_wire as wire
from patrol_app.core.office import Office

from ..agency_words import name_in
from ..theme import big_button
from .online import OnlineView


def _roles(t) -> list[ft.DropdownOption]:
    return [ft.DropdownOption(key=r.value, text=t("role_" + r.value)) for r in wire.Role]


class UsersView(OnlineView):
    title_key = "users_title"

    def fetch(self, office: Office) -> tuple[list[wire.UserRecord], list[dict]]:
        return office.users(), office.agencies()

    def _agencies(self, keep: str | None = None) -> list[ft.DropdownOption]:
        """The active agencies by name (and ``keep``, a person's deactivated one)."""
        lang = self.ctx.t.lang
        return [ft.DropdownOption(key=a["code"], text=name_in(a, lang))
                for a in sorted(self.agencies, key=lambda a: name_in(a, lang).casefold())
                if a["active"] or a["code"] == keep]

    def _agency_name(self, code: str) -> str:
        found = next((a for a in self.agencies if a["code"] == code), None)
        return code if found is None else name_in(found, self.ctx.t.lang)

    def render(self, data: tuple[list[wire.UserRecord], list[dict]]) -> list[ft.Control]:
        users, self.agencies = data
        t = self.ctx.t
        out: list[ft.Control] = [big_button(t("new_user"), lambda e: self._new(), icon=ft.Icons.PERSON_ADD,
                                            identifier="new-user")]
        for u in users:
            out.append(ft.Card(ft.Container(ft.Column([
                ft.Row([ft.Text(u.display_name, weight=ft.FontWeight.BOLD, expand=True),
                        ft.Text(t("disabled"), color=ft.Colors.ERROR) if u.disabled else ft.Container()]),
                ft.Text(f"{u.username} · {t('role_' + u.role.value)} · {self._agency_name(u.agency)}", size=13),
                ft.Row([
                    ft.OutlinedButton(t("edit"), icon=ft.Icons.EDIT, height=48,
                                      on_click=lambda e, u=u: self._edit(u)),
                    ft.OutlinedButton(t("enable") if u.disabled else t("disable"), height=48,
                                      icon=ft.Icons.LOCK_OPEN if u.disabled else ft.Icons.BLOCK,
                                      on_click=lambda e, u=u: self._update(u.username, wire.UserUpdate(disabled=not u.disabled))),
                    ft.OutlinedButton(t("new_password"), icon=ft.Icons.PASSWORD, height=48,
                                      on_click=lambda e, u=u: self._password(u)),
                ], wrap=True)], spacing=4), padding=12)))
        return out

    def _update(self, username: str, req: wire.UserUpdate) -> None:
        async def go() -> None:
            if await self.call(lambda o: o.update_user(username, req), done_key="saved_ok"):
                await self.reload()
        self.ctx.run_task(go)

    def _dialog(self, title: str, fields: list[ft.Control], on_ok) -> None:
        t = self.ctx.t
        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(title),
            content=ft.Column(fields, tight=True, spacing=8, scroll=ft.ScrollMode.AUTO),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.FilledButton(t("save"), on_click=on_ok)]))

    def _new(self) -> None:
        t = self.ctx.t
        username = ft.TextField(label=t("username"))
        name = ft.TextField(label=t("display_name"))
        role = ft.Dropdown(label=t("role"), value="officer", options=_roles(t))
        options = self._agencies()
        agency = ft.Dropdown(label=t("agency"), value=options[0].key if options else None,
                             options=options)
        password = ft.TextField(label=t("password_min"), password=True, can_reveal_password=True)
        error = ft.Text("", color=ft.Colors.ERROR)

        async def ok(_):
            try:
                req = wire.decode(wire.UserCreate, {
                    "username": (username.value or "").strip(), "display_name": (name.value or "").strip(),
                    "role": role.value, "agency": agency.value, "password": password.value or ""})
            except wire.WireError as err:
                error.value = t("field_invalid", field=t(err.path) if err.path else "?")
                self.ctx.update()
                return
            self.ctx.pop_dialog()
            if await self.call(lambda o: o.create_user(req), done_key="saved_ok"):
                await self.reload()

        self._dialog(t("new_user"), [username, name, role,
                                     ft.Semantics(identifier="user-agency", content=agency),
                                     password, error], ok)

    def _edit(self, u: wire.UserRecord) -> None:
        t = self.ctx.t
        name = ft.TextField(label=t("display_name"), value=u.display_name)
        role = ft.Dropdown(label=t("role"), value=u.role.value, options=_roles(t))
        agency = ft.Dropdown(label=t("agency"), value=u.agency, options=self._agencies(keep=u.agency))

        def ok(_):
            self.ctx.pop_dialog()
            self._update(u.username, wire.UserUpdate(display_name=(name.value or "").strip() or None,
                                                     role=wire.Role(role.value),
                                                     agency=agency.value))

        self._dialog(u.username, [name, role, agency, ft.Text(t("role_change_note"), size=12)], ok)

    def _password(self, u: wire.UserRecord) -> None:
        t = self.ctx.t
        password = ft.TextField(label=t("password_min"), password=True, can_reveal_password=True)

        async def ok(_):
            if len(password.value or "") < 10:
                password.error = t("password_min")
                self.ctx.update()
                return
            self.ctx.pop_dialog()
            await self.call(lambda o: o.reset_password(u.username, password.value), done_key="saved_ok")

        self._dialog(t("new_password") + f": {u.username}", [password], ok)
