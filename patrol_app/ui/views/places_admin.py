"""Admin: places -- import a file with its per-row report, the districts, and the citizen
complaints from the city's complaint system (imported the same way, counted, never listed: no
text or names reach this screen)."""

from __future__ import annotations

import flet as ft

import patrol_wire as wire
from patrol_app.core.office import Office

from ..theme import big_button, section
from .online import OnlineView


def row_label(t, row: str) -> str:
    """"Zeile 4" for the server's "line 4" ("Objekt 2" for "feature 2"): the row is named in
    the reader's language; the reason after it is the server's (English) sentence."""
    kind, _, n = row.partition(" ")
    key = {"line": "import_row_line", "feature": "import_row_feature"}.get(kind)
    return t(key, n=n) if key and n.isdigit() else row


class PlacesAdminView(OnlineView):
    """Districts (edit, add) and the place import; the import answer lists every rejected row
    with its reason."""

    title_key = "places_admin_title"

    def fetch(self, office: Office) -> None:
        """Nothing to fetch: districts and places are the device's pulled reference data (the
        agencies have their own screen now)."""

    def render(self, _: None) -> list[ft.Control]:
        t = self.ctx.t
        store = self.ctx.store
        self.result = ft.Column(spacing=4)
        self.complaint_result = ft.Column(spacing=4)
        places = store.places(active_only=False)
        per_district: dict[str | None, int] = {}
        for p in places:
            per_district[p.district_id] = per_district.get(p.district_id, 0) + 1
        out: list[ft.Control] = [
            ft.Text(t("places_known", n=len(places))), ft.Text(t("import_help"), size=13),
            big_button(t("import_file"), self._pick, icon=ft.Icons.UPLOAD_FILE, identifier="import-places"),
            self.result, section(t("districts_title"))]
        complaints = [
            section(t("complaints_import_title")), ft.Text(t("complaints_import_help"), size=13),
            big_button(t("import_file"), self._pick_complaints, icon=ft.Icons.UPLOAD_FILE,
                       identifier="import-complaints", filled=False),
            self.complaint_result]
        for d in sorted(store.ref_items("district"), key=lambda d: d.name):
            out.append(ft.ListTile(
                title=ft.Text(d.name), min_height=48,
                subtitle=ft.Text(t("district_line", n=per_district.get(d.id, 0), km2=t.number(d.area_km2, 1))),
                trailing=ft.IconButton(ft.Icons.EDIT, tooltip=t("edit"), on_click=lambda e, d=d: self._district(d))))
        out.append(ft.OutlinedButton(t("new_district"), icon=ft.Icons.ADD, height=48,
                                     on_click=lambda e: self._district(None)))
        return out + complaints

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

    async def _picked_file(self) -> tuple[bytes, str] | None:
        """The file the admin picked and its format (CSV by its name, else GeoJSON)."""
        files = await self.ctx.picker.pick_any(["csv", "geojson", "json"])
        if not files:
            return None
        name, data = files[0]
        return data, "csv" if name.lower().endswith(".csv") else "geojson"

    def _rejected(self, rows: list[dict]) -> list[ft.Control]:
        return [ft.Text(f"{row_label(self.ctx.t, r['row'])}: {r['reason']}",
                        color=ft.Colors.ERROR, size=13) for r in rows]

    async def _pick(self, _=None) -> None:
        t = self.ctx.t
        picked = await self._picked_file()
        if not picked:
            return
        data, fmt = picked
        report = await self.call(lambda o: o.import_places(data, fmt))
        if not report:
            return
        self.result.controls = [section(t("import_result", ok=len(report["imported"]),
                                          bad=len(report["rejected"]))),
                                *self._rejected(report["rejected"])]
        self.ctx.update()
        await self.ctx.sync_now()  # the new places into this device's list too

    async def _pick_complaints(self, _=None) -> None:
        """The city's complaint export: accepted, duplicates (a file imported twice counts
        nothing twice), rejected rows with their reason, and the columns left out on purpose."""
        t = self.ctx.t
        picked = await self._picked_file()
        if not picked:
            return
        data, fmt = picked
        report = await self.call(lambda o: o.import_complaints(data, fmt))
        if not report:
            return
        lines: list[ft.Control] = [section(t("complaints_import_result", ok=report["accepted"],
                                             dup=report["duplicates"], bad=report["rejected"]))]
        if report["ignored_columns"]:
            lines.append(ft.Text(t("complaints_ignored", cols=", ".join(
                c["column"] for c in report["ignored_columns"])), size=13))
        lines += self._rejected(report["rejected_rows"])
        self.complaint_result.controls = lines
        self.ctx.update()
