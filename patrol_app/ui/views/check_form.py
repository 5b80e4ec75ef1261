"""The check form: GPS + presence verdict, checklist, findings, measures, severity, note, photos.

All state lives in a :class:`CheckDraft` (UI-free, tested on its own); the controls only edit it.
The first screen holds what nearly every check needs -- the position with the verdict Save
would store now (ticking), the common findings -- and a Save bar pinned under the scrolling
part; everything else opens on demand.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import flet as ft

from patrol_app.core.checks import CheckDraft, SaveStep, first_findings
from patrol_app.core.store import StoreError
from patrol_rules.presence import PresenceRules
from patrol_wire import FieldKind, Finding, Measure, PlaceType, Severity, Verdict

from .. import clock_words
from ..theme import OK, TOUCH, WARN, sub_header
from .check_photos import PhotoStrip

if TYPE_CHECKING:
    from ..context import ViewContext

log = logging.getLogger(__name__)

EVENT_COUNTERS = ("persons", "incidents", "measures")
PHOTO_ROW = "photo-row"  # scroll key
TICK_S = 1.0  # the fix's age on screen is at most this far behind
RULES = PresenceRules()  # the device's gates: the ones build_report applies at Save


def verdict_text(t, result) -> str:
    """The presence verdict in words: "vor Ort, 12 m", "Position zu ungenau: 140 m"."""
    v = result.verdict
    d = t.number(result.distance_m or 0)
    acc = t.number(result.accuracy_m or 0)
    age = t.number(result.age_s or 0)
    return t(f"verdict_{v.value}", d=d, acc=acc, age=age)


_VERDICT_COLOURS = {Verdict.ON_SITE: OK, Verdict.OFF_SITE: WARN, Verdict.INACCURATE: WARN,
                    Verdict.STALE: WARN}


def chip(label: str, selected: bool, on_toggle, identifier: str) -> ft.Control:
    """A choice that wraps with its neighbours and so can never run under them, whatever the
    label's length (a fixed-width checkbox grid overlapped at 390 px)."""
    def changed(e):
        on_toggle(bool(e.control.selected))

    return ft.Semantics(identifier=identifier, content=ft.Chip(
        label=ft.Text(label, size=15), selected=selected, on_select=changed, show_checkmark=True,
        height=TOUCH, padding=ft.Padding.symmetric(horizontal=4)))


class CheckFormView:
    save_bar = True  # pinned at the bottom: the shell keeps messages from lying over it

    def __init__(self, ctx: "ViewContext", place, draft: CheckDraft | None = None) -> None:
        """``draft``: a prefilled one (a correction of a refused report), shown as it is."""
        self.ctx = ctx
        store = ctx.store
        self.draft = draft or CheckDraft(
            place=place, checklist=store.checklist_for(place.type) if place else None, fix=ctx.fix)
        t = ctx.t
        self.verdict = ft.Text("", size=17, weight=ft.FontWeight.W_600)
        self.fix_age = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT)
        self.relocate = ft.Semantics(identifier="check-locate", content=ft.FilledTonalButton(
            t("relocate"), icon=ft.Icons.MY_LOCATION, on_click=self.locate, height=TOUCH))
        self.no_fix = ft.TextField(label=t("no_fix_reason"), value=self.draft.no_fix_reason,
                                   on_change=self._no_fix_changed, max_length=200)
        self.position = ft.Container(
            ft.Column([ft.Row([ft.Column([self.verdict, self.fix_age], spacing=2, expand=True),
                               self.relocate], vertical_alignment=ft.CrossAxisAlignment.CENTER),
                       self.no_fix], spacing=6),
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT), border_radius=10, padding=10)
        self.message = ft.Text("", color=ft.Colors.ERROR, visible=False, size=14)
        self.save_status = ft.Text("", size=14, visible=False)  # photos on their way
        self.save_button = ft.FilledButton(content=t("save"), icon=ft.Icons.SAVE, on_click=self.save,
                                           height=TOUCH + 4, expand=True)
        self.saving = False
        self.root: ft.Control | None = None
        self.tiles: dict[str, ft.ExpansionTile] = {}
        self.tile_notes: dict[str, ft.Text] = {}
        self.count_fields: dict[str, ft.TextField] = {}
        self.photos = PhotoStrip(ctx, self.draft, self._photos_changed, self._alive, key=PHOTO_ROW)

    # ------------------------------------------------------------ layout

    def build(self) -> ft.Control:
        t = self.ctx.t
        d = self.draft
        title = d.place.name if d.place else "—"
        first: list[ft.Control] = [self.position]
        if getattr(d, "supersedes", None):
            first.insert(0, ft.Text(t("correcting_note"), color=ft.Colors.ON_SURFACE_VARIANT))
        if d.place is not None and d.place.type is PlaceType.EVENT:
            first += [self._counter(key) for key in EVENT_COUNTERS]
        common = first_findings(d.place.type if d.place else None, self._recent_findings())
        first.append(ft.Text(t("common_findings"), size=16, weight=ft.FontWeight.BOLD))
        first.append(self._chips(Finding, common, d.findings, "f", "finding"))
        rest = [f for f in Finding if f not in common]
        sections = [self._tile("findings", t("more_findings"),
                               [self._chips(Finding, rest, d.findings, "f", "finding")],
                               lambda: self._chosen_words(d.findings & set(rest)),
                               open_=bool(d.findings & set(rest)))]
        if d.checklist:
            sections.append(self._tile("checklist", t("checklist"),
                                       [self._field(f) for f in d.checklist.fields],
                                       self._answered_words, open_=bool(d.answers)))
        sections.append(self._tile("measures", t("measures"),
                                   [self._chips(Measure, list(Measure), d.measures, "m", "measure")],
                                   lambda: self._chosen_words(d.measures), open_=bool(d.measures)))
        sections.append(self._tile("severity", t("severity_note"), [
            ft.Dropdown(value=d.severity.value, label=t("severity"),
                        options=[ft.DropdownOption(key=s.value, text=t(f"sev_{s.value}")) for s in Severity],
                        on_select=self._severity_changed),
            ft.TextField(label=t("note"), value=d.note, multiline=True, min_lines=3, max_length=4000,
                         on_change=self._note_changed),
        ], lambda: t(f"sev_{d.severity.value}") + (" · " + d.note.strip()[:40] if d.note.strip() else ""),
            open_=bool(d.note or d.severity is not Severity.NONE)))
        sections.append(self._tile("photos", t("photos"), [
            ft.ResponsiveRow([
                ft.Container(self._button(t("take_photo"), self.photos.take_photo,
                                          ft.Icons.PHOTO_CAMERA, "take-photo"), col={"xs": 6}),
                ft.Container(self._button(t("add_photo"), self._add_photo,
                                          ft.Icons.ADD_PHOTO_ALTERNATE, "add-photo"), col={"xs": 6}),
            ], spacing=8),
            self.photos.row,
        ], self.photos.words, open_=bool(d.photos)))
        sections.append(self._tile("visibility", t("visibility"), [
            ft.Switch(label=t("agency_only"), value=d.agency_only, on_change=self._agency_changed),
        ], lambda: t("agency_only") if d.agency_only else t("visibility_all"), open_=d.agency_only))

        self.scrolling = scrolling = ft.Column(first + sections, scroll=ft.ScrollMode.AUTO, expand=True, spacing=8,
                              horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        save_bar = ft.Container(
            ft.Column([self.message, self.save_status,
                       ft.Row([ft.Semantics(identifier="save-report", content=self.save_button,
                                            expand=True)])], spacing=4, tight=True),
            padding=ft.Padding.only(left=12, right=12, top=8, bottom=10),
            bgcolor=ft.Colors.SURFACE_CONTAINER,
            border=ft.Border.only(top=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)))
        self.root = ft.Column([
            ft.Container(sub_header(t("check_title", place=title), lambda e: self.ctx.show_main(),
                                    t("cancel"), back_id="check-back"),
                         padding=ft.Padding.only(left=12, right=12, top=6)),
            ft.Container(scrolling, padding=ft.Padding.symmetric(horizontal=12), expand=True),
            save_bar,
        ], expand=True, spacing=0)
        self._show_position()
        self._photos_changed()
        self.ctx.run_task(self._tick)
        return self.root

    def _button(self, text, on_click, icon, identifier) -> ft.Control:
        return ft.Semantics(identifier=identifier, content=ft.OutlinedButton(
            content=text, icon=icon, on_click=on_click, height=TOUCH + 4))

    def _tile(self, key: str, title: str, controls: list[ft.Control], note, *, open_: bool = False
              ) -> ft.Control:
        """A section that opens on demand; its second line says what it holds, so a closed
        section still shows its state."""
        words = ft.Text(note(), size=13, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=1,
                        overflow=ft.TextOverflow.ELLIPSIS)
        tile = ft.ExpansionTile(
            title=ft.Text(title, size=16, weight=ft.FontWeight.BOLD), subtitle=words,
            controls=[ft.Container(ft.Column(controls, spacing=8,
                                             horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                                   padding=ft.Padding.only(bottom=8))],
            expanded=open_, tile_padding=ft.Padding.symmetric(horizontal=4), min_tile_height=TOUCH + 8,
            maintain_state=True, on_change=lambda e: setattr(e.control, "expanded", e.data in (True, "true")))
        words.data = note
        self.tiles[key] = tile
        self.tile_notes[key] = words
        return ft.Semantics(identifier=f"section-{key}", content=tile)

    def _refresh_note(self, key: str) -> None:
        words = self.tile_notes.get(key)
        if words is not None:
            words.value = words.data()

    def _chosen_words(self, chosen: set) -> str:
        t = self.ctx.t
        return t("n_chosen", n=len(chosen)) if chosen else t("nothing_chosen")

    def _answered_words(self) -> str:
        fields = self.draft.checklist.fields if self.draft.checklist else []
        done = sum(1 for f in fields if f.key in self.draft.answers)
        return self.ctx.t("n_answered", n=done, total=len(fields))

    def _recent_findings(self) -> list[list[str]]:
        try:
            return [r.get("findings") or [] for r, _ in self.ctx.store.history(limit=100)]
        except Exception:  # noqa: BLE001 -- the usual findings then; never a form that fails to open
            log.exception("recent findings unreadable")
            return []

    def _counter(self, key: str) -> ft.Control:
        """A big counter for event mode: one large tap target each way, gloves included."""
        t = self.ctx.t
        value = ft.Text(str(self.draft.counts.get(key, 0)), size=32, weight=ft.FontWeight.BOLD,
                        width=64, text_align=ft.TextAlign.CENTER)

        def bump(delta: int) -> None:
            value.value = str(self.draft.bump(key, delta))
            self.ctx.update()

        def button(icon, delta, ident):
            return ft.Semantics(identifier=ident, content=ft.IconButton(
                icon, on_click=lambda e: bump(delta), icon_size=36, width=72, height=72,
                style=ft.ButtonStyle(bgcolor=ft.Colors.SECONDARY_CONTAINER)))

        return ft.Row([ft.Text(t(f"count_{key}"), size=17, expand=True),
                       button(ft.Icons.REMOVE, -1, f"count-{key}-minus"), value,
                       button(ft.Icons.ADD, 1, f"count-{key}-plus")],
                      vertical_alignment=ft.CrossAxisAlignment.CENTER)

    def _field(self, f) -> ft.Control:
        t = self.ctx.t
        label = f.label_de if t.lang == "de" else f.label_en
        answers = self.draft.answers

        def answered(key, value):
            answers[key] = value
            self._refresh_note("checklist")

        if f.kind is FieldKind.YES_NO:
            return ft.Checkbox(label=label, value=bool(answers.get(f.key, False)),
                               on_change=lambda e: answered(f.key, bool(e.control.value)))
        if f.kind is FieldKind.COUNT:
            # a numeric keyboard; what is typed is judged in words, never filtered or dropped
            field = ft.TextField(label=label, keyboard_type=ft.KeyboardType.NUMBER,
                                 value=str(answers[f.key]) if f.key in answers else None,
                                 on_change=lambda e, key=f.key: self._count_changed(key, e.control))
            self.count_fields[f.key] = field
            return ft.Semantics(identifier=f"count-field-{f.key}", content=field)
        if f.kind is FieldKind.CHOICE:
            return ft.Dropdown(label=label, options=[ft.DropdownOption(key=c, text=c) for c in f.choices],
                               value=answers.get(f.key),
                               on_select=lambda e: answered(f.key, e.control.value))
        return ft.TextField(label=label, max_length=500, value=answers.get(f.key),
                            on_change=lambda e: answered(f.key, e.control.value or ""))

    def _count_changed(self, key: str, field: ft.TextField) -> None:
        problem = self.draft.set_count(key, field.value)
        field.error = self.ctx.t(problem) if problem else None
        self._refresh_note("checklist")
        if not self.draft.bad_counts and self.message.visible:
            self.message.visible = False  # the reason Save was refused is gone
        self.ctx.update()

    def _chips(self, enum_cls, items, chosen: set, prefix: str, ident: str) -> ft.Control:
        t = self.ctx.t

        def toggle(item, on: bool) -> None:
            (chosen.add if on else chosen.discard)(item)
            self._refresh_note("findings" if ident == "finding" else "measures")
            self.ctx.update()

        return ft.Row(wrap=True, spacing=8, run_spacing=4, controls=[
            chip(t(f"{prefix}_{item.value}"), item in chosen,
                 lambda on, item=item: toggle(item, on), f"{ident}-{item.value}")
            for item in items])

    def _severity_changed(self, e) -> None:
        self.draft.severity = Severity(e.control.value)
        self._refresh_note("severity")

    def _note_changed(self, e) -> None:
        self.draft.note = e.control.value or ""
        self._refresh_note("severity")

    def _agency_changed(self, e) -> None:
        self.draft.agency_only = bool(e.control.value)
        self._refresh_note("visibility")
        self.ctx.update()

    # ------------------------------------------------------------ GPS and the live verdict

    def _alive(self) -> bool:
        """Still the screen shown (the officer has not saved, gone back or switched)."""
        return self.root is not None and self.ctx.is_shown(self.root)

    def _show_position(self) -> bool:
        """The verdict Save would store now (the device's clock, the draft's own rule) and the
        fix's age; True when anything on screen changed."""
        t = self.ctx.t
        before = (self.verdict.value, self.fix_age.value, self.verdict.color)
        self.relocate.content.content = t("locate") if self.draft.fix is None else t("relocate")
        if self.draft.fix is None:
            self.verdict.value = t("no_fix_yet")
            self.verdict.color = None
            self.fix_age.value = ""
            self.fix_age.visible = False
            self.no_fix.visible = True
        else:
            result = self.draft.presence(self.ctx.device.clock(), RULES)
            stale = result.verdict is Verdict.STALE  # its age is on the line below, ticking
            self.verdict.value = t("saves_as", verdict=t("v_stale_now") if stale else verdict_text(t, result))
            tint = _VERDICT_COLOURS.get(result.verdict)
            self.verdict.color = self.ctx.colour(tint) if tint else None
            limit = clock_words.duration(t, RULES.max_fix_age.total_seconds())
            age = clock_words.duration(t, max(0.0, result.age_s or 0.0))
            self.fix_age.value = t("fix_age_live_stale" if stale else "fix_age_live", d=age, limit=limit)
            self.fix_age.visible = result.age_s is not None
            self.no_fix.visible = False
        return before != (self.verdict.value, self.fix_age.value, self.verdict.color)

    async def _tick(self) -> None:
        """Keep the fix's age and the verdict current while the form is open: one small patch
        of two texts when they change, never a rebuild (that would swallow taps)."""
        while self._alive():
            try:
                if self._show_position():
                    self.position.update()
            except Exception:  # noqa: BLE001 -- the form outlives a failed redraw; logged
                log.exception("position tick failed")
            await asyncio.sleep(TICK_S)

    async def locate(self, _=None) -> bool:
        """A fresh fix for the draft; False (and the problem on screen) when there is none."""
        t = self.ctx.t
        self.verdict.value = t("locating")
        self.ctx.update()
        problem = await self.ctx.update_fix()
        if not problem:
            self.draft.fix = self.ctx.fix
        self._show_position()
        if problem:
            self.verdict.value = problem
        self.ctx.update()
        return not problem

    def _no_fix_changed(self, e) -> None:
        self.draft.no_fix_reason = e.control.value or ""

# ------------------------------------------------------------ photos

    async def _add_photo(self, _=None) -> None:
        """Pick; then bring the new tiles into view, where the officer sees them being worked on."""
        before = len(self.draft.pending)
        await self.photos.add_photo()
        if len(self.draft.pending) > before:
            try:
                await self.scrolling.scroll_to(scroll_key=PHOTO_ROW, duration=300)
            except Exception:  # noqa: BLE001 -- a screen that does not scroll still shows the Save bar's words
                log.exception("scrolling to the photos failed")

    def _photos_changed(self) -> None:
        """A photo was picked, attached, refused or removed: the section's words and the
        Save bar's line follow."""
        t = self.ctx.t
        self._refresh_note("photos")
        waiting = len(self.draft.pending)
        status = self.save_status
        if waiting:
            status.value = t("photos_wait_then_save" if self.saving else "photos_processing", n=waiting)
            status.visible = True
        elif not self.saving:
            status.visible = False

    
    # ------------------------------------------------------------ save

    def _say(self, text: str | None) -> None:
        self.message.value = text or ""
        self.message.visible = bool(text)

    def _problem_words(self, problems: list[str]) -> str:
        t = self.ctx.t
        words = []
        for p in problems:
            if p == "counts_invalid":
                labels = {f.key: (f.label_de if t.lang == "de" else f.label_en)
                          for f in (self.draft.checklist.fields if self.draft.checklist else [])}
                words.append(t(p) + " " + "; ".join(
                    t("count_problem", label=labels.get(k, k), text=v)
                    for k, v in self.draft.bad_counts.items()) + ".")
            else:
                words.append(t(p))
        return " ".join(words)

    async def save(self, _=None, *, stale_ok: bool = False) -> None:
        """Save what the form shows: problems first (in words), then wait for photos still on
        their way, then -- judged at that moment, with the clock save_check uses -- a stale
        fix asks before it is stored as "zu alt"."""
        if self.saving:
            return  # a double tap must not save twice
        t = self.ctx.t
        self.saving = True
        try:
            failures = self.photos.failures
            while True:
                now = self.ctx.device.clock()
                step = self.draft.save_step(now, stale_ok=stale_ok, rules=RULES)
                if step is SaveStep.FIX_PROBLEMS:
                    problems = self.draft.problems()
                    self._say(self._problem_words(problems))
                    if "counts_invalid" in problems and "checklist" in self.tiles:
                        self.tiles["checklist"].expanded = True
                    self.ctx.update()
                    return
                if step is SaveStep.WAIT_FOR_PHOTOS:
                    self._say(None)
                    self._waiting_for_photos(True)
                    await self.photos.idle.wait()
                    if not self._alive():
                        return  # the officer went back meanwhile: that cancels the save
                    self._waiting_for_photos(False)
                    if self.photos.failures != failures:
                        self._say(t("photo_failed_not_saved"))
                        self.ctx.update()
                        return
                    continue
                if step is SaveStep.ASK_STALE:
                    self._ask_stale(self.draft.stale_at(now, RULES))
                    return
                break
            try:
                await asyncio.to_thread(self.ctx.device.save_check, self.draft, now=now)
            except StoreError as exc:
                self._say(str(exc))
                self.ctx.update()
                return
        finally:
            self.saving = False
        self.ctx.toast(t("saved"))
        self.ctx.show_main()
        if self.ctx.connectivity.online:
            self.ctx.run_task(self.ctx.sync_now)

    def _waiting_for_photos(self, waiting: bool) -> None:
        t = self.ctx.t
        self.save_button.disabled = waiting
        self.save_button.content = t("photos_processing", n=len(self.draft.pending)) if waiting else t("save")
        self._photos_changed()
        if not waiting:
            self.save_status.visible = False
        if self._alive():
            self.ctx.update()

    def _ask_stale(self, result) -> None:
        """"Position ist 3 min alt": a fresh position with one tap (then saved), or saved as
        "zu alt" knowingly."""
        t = self.ctx.t
        age = clock_words.duration(t, result.age_s or 0)
        limit = clock_words.duration(t, RULES.max_fix_age.total_seconds())

        async def relocate(_):
            self.ctx.pop_dialog()
            if await self.locate():
                await self.save()

        async def anyway(_):
            self.ctx.pop_dialog()
            await self.save(stale_ok=True)

        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("stale_title", d=age)),
            content=ft.Text(t("stale_body", limit=limit)),
            actions_overflow_button_spacing=8,
            actions=[
                ft.Semantics(identifier="stale-relocate", content=ft.FilledButton(
                    t("stale_relocate"), icon=ft.Icons.MY_LOCATION, on_click=relocate, height=TOUCH)),
                ft.Semantics(identifier="stale-save-anyway", content=ft.OutlinedButton(
                    t("stale_save_anyway"), on_click=anyway, height=TOUCH)),
                ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog(), height=TOUCH),
            ]))

