"""Admin: users (create, role, agency, disable, new password), place import with its row report,
checklist versions, and the audit log."""

from __future__ import annotations

import flet as ft

import patrol_wire as wire
from patrol_app.core.office import Office

from ..theme import big_button, section
from .online import OnlineView


def _roles(t) -> list[ft.DropdownOption]:
    return [ft.DropdownOption(key=r.value, text=t("role_" + r.value)) for r in wire.Role]


def _agencies(t) -> list[ft.DropdownOption]:
    return [ft.DropdownOption(key=a.value, text=t("agency_" + a.value)) for a in wire.Agency]


class UsersView(OnlineView):
    title_key = "users_title"

    def fetch(self, office: Office) -> list[wire.UserRecord]:
        return office.users()

    def render(self, users: list[wire.UserRecord]) -> list[ft.Control]:
        t = self.ctx.t
        out: list[ft.Control] = [big_button(t("new_user"), lambda e: self._new(), icon=ft.Icons.PERSON_ADD,
                                            identifier="new-user")]
        for u in users:
            out.append(ft.Card(ft.Container(ft.Column([
                ft.Row([ft.Text(u.display_name, weight=ft.FontWeight.BOLD, expand=True),
                        ft.Text(t("disabled"), color=ft.Colors.ERROR) if u.disabled else ft.Container()]),
                ft.Text(f"{u.username} · {t('role_' + u.role.value)} · {t('agency_' + u.agency.value)}", size=13),
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
        agency = ft.Dropdown(label=t("agency"), value="police", options=_agencies(t))
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

        self._dialog(t("new_user"), [username, name, role, agency, password, error], ok)

    def _edit(self, u: wire.UserRecord) -> None:
        t = self.ctx.t
        name = ft.TextField(label=t("display_name"), value=u.display_name)
        role = ft.Dropdown(label=t("role"), value=u.role.value, options=_roles(t))
        agency = ft.Dropdown(label=t("agency"), value=u.agency.value, options=_agencies(t))

        def ok(_):
            self.ctx.pop_dialog()
            self._update(u.username, wire.UserUpdate(display_name=(name.value or "").strip() or None,
                                                     role=wire.Role(role.value),
                                                     agency=wire.Agency(agency.value)))

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


class PlacesAdminView(OnlineView):
    """Districts (edit, add) and the place import; the import answer lists every rejected row
    with its reason."""

    title_key = "places_admin_title"

    def fetch(self, office: Office) -> list[dict]:
        return office.agencies()

    def render(self, agencies: list[dict]) -> list[ft.Control]:
        t = self.ctx.t
        store = self.ctx.store
        self.result = ft.Column(spacing=4)
        places = store.places(active_only=False)
        per_district: dict[str | None, int] = {}
        for p in places:
            per_district[p.district_id] = per_district.get(p.district_id, 0) + 1
        out: list[ft.Control] = [
            ft.Text(t("places_known", n=len(places))), ft.Text(t("import_help"), size=13),
            big_button(t("import_file"), self._pick, icon=ft.Icons.UPLOAD_FILE, identifier="import-places"),
            self.result, section(t("districts_title"))]
        for d in sorted(store.ref_items("district"), key=lambda d: d.name):
            out.append(ft.ListTile(
                title=ft.Text(d.name), min_height=48,
                subtitle=ft.Text(t("district_line", n=per_district.get(d.id, 0), km2=t.number(d.area_km2, 1))),
                trailing=ft.IconButton(ft.Icons.EDIT, tooltip=t("edit"), on_click=lambda e, d=d: self._district(d))))
        out.append(ft.OutlinedButton(t("new_district"), icon=ft.Icons.ADD, height=48,
                                     on_click=lambda e: self._district(None)))
        out.append(section(t("agencies_title")))
        out.append(ft.Text(", ".join(f"{t('agency_' + a['code'])}: {a['users']}" for a in agencies
                                     if a["users"]) or "—"))
        out.append(ft.Text(t("agencies_note"), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
        return out

    def _district(self, d: wire.District | None) -> None:
        t = self.ctx.t
        ident = ft.TextField(label="ID", value=d.id if d else "", disabled=d is not None)
        name = ft.TextField(label=t("district"), value=d.name if d else "")
        lat = ft.TextField(label=t("lat"), value=str(d.lat) if d else "")
        lon = ft.TextField(label=t("lon"), value=str(d.lon) if d else "")
        area = ft.TextField(label=t("area_km2"), value=str(d.area_km2) if d else "")
        error = ft.Text("", color=ft.Colors.ERROR)

        async def ok(_):
            try:
                district = wire.decode(wire.District, {
                    "id": (ident.value or "").strip(), "name": (name.value or "").strip(),
                    "lat": float((lat.value or "").replace(",", ".")),
                    "lon": float((lon.value or "").replace(",", ".")),
                    "area_km2": float((area.value or "").replace(",", "."))})
            except (ValueError, wire.WireError):
                error.value = t("district_invalid")
                self.ctx.update()
                return
            self.ctx.pop_dialog()
            if await self.call(lambda o: o.save_district(district), done_key="saved_ok"):
                await self.ctx.sync_now()
                await self.reload()

        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(d.name if d else t("new_district")),
            content=ft.Column([ident, name, lat, lon, area, error], tight=True, spacing=8),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.FilledButton(t("save"), on_click=ok)]))

    async def _pick(self, _=None) -> None:
        t = self.ctx.t
        files = await self.ctx.picker.pick_any(["csv", "geojson", "json"])
        if not files:
            return
        name, data = files[0]
        fmt = "csv" if name.lower().endswith(".csv") else "geojson"
        report = await self.call(lambda o: o.import_places(data, fmt))
        if not report:
            return
        lines: list[ft.Control] = [section(t("import_result", ok=len(report["imported"]),
                                             bad=len(report["rejected"])))]
        lines += [ft.Text(f"{r['row']}: {r['reason']}", color=ft.Colors.ERROR, size=13)
                  for r in report["rejected"]]
        self.result.controls = lines
        self.ctx.update()
        await self.ctx.sync_now()  # the new places into this device's list too


class ChecklistsView(OnlineView):
    """Each checklist's latest version; a new version adds a yes/no question. Reports keep the
    version they were filled with."""

    title_key = "checklists_title"

    def fetch(self, office: Office) -> list[wire.Checklist]:
        return office.checklists()

    def render(self, lists: list[wire.Checklist]) -> list[ft.Control]:
        t = self.ctx.t
        out: list[ft.Control] = []
        for c in lists:
            label = (lambda f: f.label_de) if t.lang == "de" else (lambda f: f.label_en)
            out.append(ft.Card(ft.Container(ft.Column([
                ft.Text(f"{t('t_' + c.place_type.value)} · {t('version', n=c.version)}",
                        weight=ft.FontWeight.BOLD),
                *[ft.Text(f"• {label(f)}", size=13) for f in c.fields],
                ft.OutlinedButton(t("add_question"), icon=ft.Icons.ADD, height=48,
                                  on_click=lambda e, c=c: self._add(c)),
            ], spacing=4), padding=12)))
        return out or [ft.Text(t("no_history"))]

    def _add(self, c: wire.Checklist) -> None:
        t = self.ctx.t
        de = ft.TextField(label=t("question_de"))
        en = ft.TextField(label=t("question_en"))

        async def ok(_):
            if not (de.value or "").strip():
                de.error = t("text_required")
                self.ctx.update()
                return
            self.ctx.pop_dialog()
            key = f"q{c.version + 1}_{len(c.fields) + 1}"
            field = wire.ChecklistField(key, wire.FieldKind.YES_NO, de.value.strip()[:200],
                                        ((en.value or "").strip() or de.value.strip())[:200])
            new = wire.replace(c, version=c.version + 1, fields=[*c.fields, field])
            if await self.call(lambda o: o.new_checklist_version(new), done_key="saved_ok"):
                await self.reload()

        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("add_question")), content=ft.Column([de, en], tight=True),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.FilledButton(t("save"), on_click=ok)]))


class AuditView(OnlineView):
    title_key = "audit_title"

    def fetch(self, office: Office) -> list[dict]:
        return office.audit(limit=200)

    def render(self, entries: list[dict]) -> list[ft.Control]:
        t = self.ctx.t
        return [ft.ListTile(
            title=ft.Text(f"{t('audit_' + e['action'].replace('.', '_'))} · {e['object_type']} {e['object_id'][:24]}",
                          size=14),
            subtitle=ft.Text(f"{t.datetime(wire.parse_timestamp(e['at']))} · {e['actor']}", size=12),
            min_height=48) for e in entries] or [ft.Text(t("no_history"))]
