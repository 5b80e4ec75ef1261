"""Admin: the cooperation's agencies -- list, add, edit names and kind, deactivate, reactivate.

An agency is never deleted (its people and reports name it); deactivated, it takes no new
users. The code is chosen once. Devices learn every change at their next sync.
"""

from __future__ import annotations

import flet as ft

import patrol_wire as wire
from patrol_app.core.office import Office

from ..agency_words import name_in
from ..theme import big_button
from .online import OnlineView


class AgenciesAdminView(OnlineView):
    title_key = "agencies_admin_title"

    def fetch(self, office: Office) -> list[dict]:
        return office.agencies()

    def render(self, agencies: list[dict]) -> list[ft.Control]:
        t = self.ctx.t
        lang = t.lang
        out: list[ft.Control] = [
            ft.Text(t("agencies_admin_help"), size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            big_button(t("new_agency"), lambda e: self._form(None), icon=ft.Icons.ADD_BUSINESS,
                       identifier="new-agency")]
        for a in sorted(agencies, key=lambda a: (not a["active"], name_in(a, lang).casefold())):
            other = a["name_de"] if lang == "en" else a["name_en"]
            state = ([ft.Text(t("agency_deactivated"), color=ft.Colors.ERROR)]
                     if not a["active"] else [])
            out.append(ft.Semantics(identifier=f"agency-{a['code']}", content=ft.Card(ft.Container(
                ft.Column([
                    ft.Row([ft.Text(name_in(a, lang), weight=ft.FontWeight.BOLD, expand=True),
                            *state]),
                    ft.Text(f"{other} · {a['code']} · {t('kind_' + a['kind'])} · "
                            f"{t('agency_users', n=a['users'])}", size=13),
                    *([ft.Text(t("agency_deactivated_note"), size=12,
                               color=ft.Colors.ON_SURFACE_VARIANT)] if not a["active"] else []),
                    ft.Row([
                        ft.Semantics(identifier=f"edit-agency-{a['code']}", content=ft.OutlinedButton(
                            t("edit"), icon=ft.Icons.EDIT, height=48,
                            on_click=lambda e, a=a: self._form(a))),
                        ft.Semantics(identifier=f"toggle-agency-{a['code']}", content=ft.OutlinedButton(
                            t("agency_deactivate") if a["active"] else t("agency_reactivate"),
                            icon=ft.Icons.BLOCK if a["active"] else ft.Icons.CHECK_CIRCLE_OUTLINE,
                            height=48, on_click=lambda e, a=a: self._save(
                                a["code"], wire.AgencyUpdate(active=not a["active"])))),
                    ], wrap=True)], spacing=4), padding=12))))
        return out

    def _form(self, agency: dict | None) -> None:
        """The dialog for a new agency (``agency`` None) or an existing one's names and kind."""
        t = self.ctx.t
        code = ft.TextField(label=t("agency_code"), helper=t("agency_code_help"), helper_max_lines=3,
                            value=agency["code"] if agency else "", disabled=agency is not None)
        name_de = ft.TextField(label=t("agency_name_de"), value=agency["name_de"] if agency else "")
        name_en = ft.TextField(label=t("agency_name_en"), value=agency["name_en"] if agency else "")
        kind = ft.Dropdown(label=t("agency_kind"), value=agency["kind"] if agency else "partner",
                           options=[ft.DropdownOption(key=k.value, text=t("kind_" + k.value))
                                    for k in wire.AgencyKind])
        error = ft.Text("", color=ft.Colors.ERROR)
        fields = {"code": code, "name_de": name_de, "name_en": name_en}

        async def ok(_):
            body = {"name_de": (name_de.value or "").strip(), "name_en": (name_en.value or "").strip(),
                    "kind": kind.value}
            try:
                if agency is None:
                    req = wire.decode(wire.AgencyCreate, {**body, "code": (code.value or "").strip()})
                else:
                    req = wire.decode(wire.AgencyUpdate, body)
            except wire.WireError as err:
                field = err.path if err.path in fields or err.path == "kind" else None
                error.value = t("field_invalid", field=t("agency_" + field) if field else "?")
                for name, control in fields.items():
                    control.error = t("field_invalid", field=control.label) if name == field else None
                self.ctx.update()
                return
            self.ctx.pop_dialog()
            if agency is None:
                done = await self.call(lambda o: o.create_agency(req), done_key="saved_ok")
            else:
                done = await self.call(lambda o: o.update_agency(agency["code"], req),
                                       done_key="saved_ok")
            if done:
                await self._changed()

        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(name_in(agency, t.lang) if agency else t("new_agency")),
            content=ft.Column([ft.Semantics(identifier="agency-code", content=code),
                               ft.Semantics(identifier="agency-name-de", content=name_de),
                               ft.Semantics(identifier="agency-name-en", content=name_en),
                               ft.Semantics(identifier="agency-kind", content=kind), error],
                              tight=True, spacing=8, scroll=ft.ScrollMode.AUTO),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.Semantics(identifier="save-agency", content=ft.FilledButton(
                         t("save"), on_click=ok))]))

    def _save(self, code: str, req: wire.AgencyUpdate) -> None:
        async def go() -> None:
            if await self.call(lambda o: o.update_agency(code, req), done_key="saved_ok"):
                await self._changed()
        self.ctx.run_task(go)

    async def _changed(self) -> None:
        await self.ctx.sync_now()  # this device's names (other screens) follow at once
        await self.reload()
