"""The check form: GPS + presence verdict, checklist, findings, measures, severity, note, photos.

All state lives in a :class:`CheckDraft` (UI-free, tested on its own); the controls only edit it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import flet as ft

from patrol_app.core.checks import CheckDraft
from patrol_app.core.photos import PhotoError, make_thumbnail, process_photo
from patrol_app.core.store import StoreError
from patrol_app.platform.camera import Camera, CameraUnavailable
from patrol_wire import FieldKind, Finding, Measure, PlaceType, Severity, Verdict

from ..theme import OK, TOUCH, WARN, big_button, colour, section, sub_header

if TYPE_CHECKING:
    from ..app import PatrolApp


EVENT_COUNTERS = ("persons", "incidents", "measures")


def verdict_text(t, result) -> str:
    """The presence verdict in words: "vor Ort, 12 m", "Position zu ungenau: 140 m"."""
    v = result.verdict
    d = t.number(result.distance_m or 0)
    acc = t.number(result.accuracy_m or 0)
    age = t.number(result.age_s or 0)
    return t(f"verdict_{v.value}", d=d, acc=acc, age=age)


_VERDICT_COLOURS = {Verdict.ON_SITE: OK, Verdict.OFF_SITE: WARN, Verdict.INACCURATE: WARN,
                    Verdict.STALE: WARN}


class CheckFormView:
    def __init__(self, app: "PatrolApp", place, draft: CheckDraft | None = None) -> None:
        """``draft``: a prefilled one (a correction of a refused report), shown as it is."""
        self.app = app
        store = app.device.store
        self.draft = draft or CheckDraft(
            place=place, checklist=store.checklist_for(place.type) if place else None, fix=app.fix)
        t = app.t
        self.verdict = ft.Text("", size=16, weight=ft.FontWeight.W_600)
        self.no_fix = ft.TextField(label=t("no_fix_reason"), value=self.draft.no_fix_reason,
                                   on_change=self._no_fix_changed,
                                   max_length=200)
        self.photo_row = ft.Row(wrap=True, spacing=8)
        self.photo_count = ft.Semantics(identifier="photo-count", content=ft.Text(""))
        self.message = ft.Text("", color=ft.Colors.ERROR, visible=False)
        self.saving = False
        for p in self.draft.photos:  # prefilled photos show as if just attached
            self.photo_row.controls.append(self._thumb(p.sha256, make_thumbnail(p.data)))
        if self.draft.photos:
            self.photo_count.content.value = app.t("photos_attached", n=len(self.draft.photos))

    # ------------------------------------------------------------ layout

    def build(self) -> ft.Control:
        t = self.app.t
        d = self.draft
        title = d.place.name if d.place else "—"
        controls: list[ft.Control] = [
            sub_header(t("check_title", place=title), lambda e: self.app.show_main(), t("cancel")),
            section(t("gps")),
            big_button(t("locate"), self.locate, icon=ft.Icons.MY_LOCATION, identifier="check-locate",
                       filled=False),
            self.verdict, self.no_fix,
        ]
        if getattr(d, "supersedes", None):
            controls.insert(1, ft.Text(t("correcting_note"), color=ft.Colors.ON_SURFACE_VARIANT))
        if d.place is not None and d.place.type is PlaceType.EVENT:
            controls.append(section(t("event_counters")))
            controls += [self._counter(key) for key in EVENT_COUNTERS]
        if d.checklist:
            controls.append(section(t("checklist")))
            controls += [self._field(f) for f in d.checklist.fields]
        controls.append(section(t("findings")))
        controls.append(self._multi(Finding, d.findings, "f"))
        controls.append(section(t("measures")))
        controls.append(self._multi(Measure, d.measures, "m"))
        controls.append(section(t("severity")))
        controls.append(ft.Dropdown(
            value=d.severity.value, label=t("severity"),
            options=[ft.DropdownOption(key=s.value, text=t(f"sev_{s.value}")) for s in Severity],
            on_select=lambda e: setattr(d, "severity", Severity(e.control.value))))
        controls.append(ft.TextField(label=t("note"), value=d.note, multiline=True, min_lines=3,
                                     max_length=4000,
                                     on_change=lambda e: setattr(d, "note", e.control.value or "")))
        controls.append(section(t("photos")))
        controls.append(ft.ResponsiveRow([
            ft.Container(big_button(t("take_photo"), self.take_photo, icon=ft.Icons.PHOTO_CAMERA,
                                    identifier="take-photo", filled=False), col={"xs": 6}),
            ft.Container(big_button(t("add_photo"), self.add_photo, icon=ft.Icons.ADD_PHOTO_ALTERNATE,
                                    identifier="add-photo", filled=False), col={"xs": 6}),
        ], spacing=8))
        controls.append(self.photo_count)
        controls.append(self.photo_row)
        controls.append(ft.Switch(label=t("agency_only"), value=d.agency_only,
                                  on_change=lambda e: setattr(d, "agency_only", bool(e.control.value))))
        controls.append(self.message)
        controls.append(big_button(t("save"), self.save, icon=ft.Icons.SAVE, identifier="save-report"))
        self._show_verdict()
        return ft.Container(ft.Column(controls, scroll=ft.ScrollMode.AUTO, expand=True, spacing=8,
                                      horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)

    def _counter(self, key: str) -> ft.Control:
        """A big counter for event mode: one large tap target each way, gloves included."""
        t = self.app.t
        value = ft.Text(str(self.draft.counts.get(key, 0)), size=32, weight=ft.FontWeight.BOLD,
                        width=64, text_align=ft.TextAlign.CENTER)

        def bump(delta: int) -> None:
            value.value = str(self.draft.bump(key, delta))
            self.app.page.update()

        def button(icon, delta, ident):
            return ft.Semantics(identifier=ident, content=ft.IconButton(
                icon, on_click=lambda e: bump(delta), icon_size=36, width=72, height=72,
                style=ft.ButtonStyle(bgcolor=ft.Colors.SECONDARY_CONTAINER)))

        return ft.Row([ft.Text(t(f"count_{key}"), size=17, expand=True),
                       button(ft.Icons.REMOVE, -1, f"count-{key}-minus"), value,
                       button(ft.Icons.ADD, 1, f"count-{key}-plus")],
                      vertical_alignment=ft.CrossAxisAlignment.CENTER)

    def _field(self, f) -> ft.Control:
        t = self.app.t
        label = f.label_de if t.lang == "de" else f.label_en
        answers = self.draft.answers
        if f.kind is FieldKind.YES_NO:
            return ft.Checkbox(label=label, value=bool(answers.get(f.key, False)),
                               on_change=lambda e: answers.__setitem__(f.key, bool(e.control.value)))
        if f.kind is FieldKind.COUNT:
            def set_count(e, key=f.key):
                text = (e.control.value or "").strip()
                if text.isdigit():
                    answers[key] = int(text)
                else:
                    answers.pop(key, None)
            return ft.TextField(label=label, keyboard_type=ft.KeyboardType.NUMBER,
                                value=str(answers[f.key]) if f.key in answers else None,
                                input_filter=ft.NumbersOnlyInputFilter(), on_change=set_count)
        if f.kind is FieldKind.CHOICE:
            return ft.Dropdown(label=label, options=[ft.DropdownOption(key=c, text=c) for c in f.choices],
                               value=answers.get(f.key),
                               on_select=lambda e: answers.__setitem__(f.key, e.control.value))
        return ft.TextField(label=label, max_length=500, value=answers.get(f.key),
                            on_change=lambda e: answers.__setitem__(f.key, e.control.value or ""))

    def _multi(self, enum_cls, chosen: set, prefix: str) -> ft.Control:
        t = self.app.t

        def toggle(e, item):
            (chosen.add if e.control.value else chosen.discard)(item)

        return ft.Row(wrap=True, spacing=0, controls=[
            ft.Container(ft.Checkbox(label=t(f"{prefix}_{item.value}"), value=item in chosen,
                                     on_change=lambda e, item=item: toggle(e, item)),
                         width=175, height=TOUCH)
            for item in enum_cls])

    # ------------------------------------------------------------ GPS

    def _show_verdict(self) -> None:
        t = self.app.t
        if self.draft.fix is None:
            self.verdict.value = t("no_fix_yet")
            self.verdict.color = None
            self.no_fix.visible = True
            return
        result = self.draft.presence(datetime.now(timezone.utc))
        self.verdict.value = verdict_text(t, result)
        tint = _VERDICT_COLOURS.get(result.verdict)
        self.verdict.color = colour(self.app.page, tint) if tint else None
        self.no_fix.visible = False

    async def locate(self, _=None) -> None:
        t = self.app.t
        self.verdict.value = t("locating")
        self.app.page.update()
        problem = await self.app.update_fix()
        self.draft.fix = self.app.fix
        self._show_verdict()
        if problem:
            self.verdict.value = problem
        self.app.page.update()

    def _no_fix_changed(self, e) -> None:
        self.draft.no_fix_reason = e.control.value or ""

    # ------------------------------------------------------------ photos

    async def add_photo(self, _=None) -> None:
        for name, data in await self.app.picker.pick():
            await self._attach(name, data)
        self.app.page.update()

    async def _attach(self, name: str, data: bytes) -> None:
        try:
            photo = await asyncio.to_thread(process_photo, data)
            thumb = await asyncio.to_thread(make_thumbnail, photo.data)
        except PhotoError:
            self.app.toast(f"{name}: {self.app.t('photo_unreadable')}", error=True)
            return
        if self.draft.add_photo(photo):
            self.photo_row.controls.append(self._thumb(photo.sha256, thumb))
            self.photo_count.content.value = self.app.t("photos_attached", n=len(self.draft.photos))

    async def take_photo(self, _=None) -> None:
        """Live camera in a dialog; when there is none (or no permission) say why in words and
        leave the picker, which works everywhere."""
        t = self.app.t
        cam = Camera()
        status = ft.Text(t("camera_starting"))

        async def shoot(_):
            try:
                data = await cam.shoot()
            except CameraUnavailable as exc:
                status.value = t(exc.key)
                self.app.page.update()
                return
            self.app.page.pop_dialog()
            await self._attach("camera.jpg", data)
            self.app.page.update()

        self.app.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("take_photo")),
            content=ft.Container(ft.Column([ft.Container(cam.control, height=320, width=320), status],
                                           tight=True), width=340),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.app.page.pop_dialog()),
                     ft.Semantics(identifier="shutter", content=ft.FilledButton(
                         t("shutter"), icon=ft.Icons.CAMERA, on_click=shoot))]))
        try:
            await cam.start()
            status.value = ""
        except CameraUnavailable as exc:
            status.value = t(exc.key) + (f" ({exc.reason})" if exc.reason and exc.key == "camera_failed" else "")
        self.app.page.update()

    def _thumb(self, sha: str, thumb: bytes) -> ft.Control:
        holder = ft.Stack(width=96, height=96)

        def remove(_):
            self.draft.remove_photo(sha)
            self.photo_row.controls.remove(holder)
            self.photo_count.content.value = self.app.t("photos_attached", n=len(self.draft.photos))
            self.app.page.update()

        holder.controls = [
            ft.Image(src=thumb, width=96, height=96, fit=ft.BoxFit.COVER, border_radius=8),
            ft.Container(ft.IconButton(ft.Icons.CLOSE, on_click=remove, tooltip=self.app.t("remove"),
                                       icon_color=ft.Colors.WHITE,
                                       bgcolor=ft.Colors.with_opacity(0.55, ft.Colors.BLACK)),
                         right=0, top=0),
        ]
        return holder

    # ------------------------------------------------------------ save

    async def save(self, _=None) -> None:
        if self.saving:
            return  # a double tap must not save twice
        t = self.app.t
        problems = self.draft.problems()
        if problems:
            self.message.value = " ".join(t(p) for p in problems)
            self.message.visible = True
            self.app.page.update()
            return
        self.saving = True
        try:
            await asyncio.to_thread(self.app.device.save_check, self.draft)
        except StoreError as exc:
            self.saving = False
            self.message.value = str(exc)
            self.message.visible = True
            self.app.page.update()
            return
        self.app.toast(t("saved"))
        self.app.show_main()
        if self.app.connectivity.online:
            self.app.page.run_task(self.app.sync_now)
