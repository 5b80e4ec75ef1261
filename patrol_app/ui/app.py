"""The app shell: login gate, navigation, offline banner, background sync.

Screens live in ``views/``; each gets this shell as its ``ViewContext`` (``context.py``), the
few members a screen may use: words, the device core, shared field state, the page, navigation. Blocking work (photo processing, sync over the network) runs in worker threads so
the UI stays responsive.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import flet as ft

from patrol_app.core import basemap
from patrol_app.core.autosync import AutoSync, SyncSchedule
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.core.drafts import has_content
from patrol_app.core.pin import PinLock
from patrol_app.core.sync import Outcome, SyncResult
from patrol_wire import Role

from . import clock_words
from .i18n import Translator
from .theme import apply_theme, colour
from .views import (agencies_admin, audit, check_form, checklists, history, lock, login,
                    map_view, operations, outbox, picture, places, places_admin, progress,
                    queries, review, routes, teams, today, users)

AUTO_SYNC_SECONDS = 180
log = logging.getLogger("patrol_app")


@dataclass(frozen=True)
class Tab:
    view: type
    icon: str
    selected_icon: str
    label: str  # catalogue key


I = ft.Icons
FIELD_TABS = (
    Tab(today.TodayView, I.TODAY_OUTLINED, I.TODAY, "nav_today"),
    Tab(places.PlacesView, I.PLACE_OUTLINED, I.PLACE, "nav_places"),
    Tab(outbox.OutboxView, I.OUTBOX_OUTLINED, I.OUTBOX, "nav_outbox"),
    Tab(map_view.MapView, I.MAP_OUTLINED, I.MAP, "nav_map"),
    Tab(history.HistoryView, I.HISTORY, I.HISTORY, "nav_history"),
)
# Field tabs drawn from reference data and the device's own reports (shown since Save):
# a report going out changes nothing on them, and a redraw ~0.5 s after Save swallowed the
# officer's tap on the next stop (and reset the map's pan and zoom).
SHOW_NO_SENDING = (today.TodayView, map_view.MapView)
PROGRESS_TAB = Tab(progress.ProgressView, I.TIMELINE_OUTLINED, I.TIMELINE, "nav_progress")
TABS_BY_ROLE = {
    Role.OFFICER: FIELD_TABS,
    Role.SHIFT_LEAD: (PROGRESS_TAB,
                      Tab(teams.TeamsView, I.GROUPS_OUTLINED, I.GROUPS, "nav_teams"),
                      Tab(routes.RoutesView, I.ROUTE_OUTLINED, I.ROUTE, "nav_routes"),
                      Tab(operations.OperationsView, I.CAMPAIGN_OUTLINED, I.CAMPAIGN,
                          "nav_operations")),
    Role.SUPERVISOR: (Tab(review.ReviewView, I.RATE_REVIEW_OUTLINED, I.RATE_REVIEW, "nav_review"),
                      Tab(picture.SituationView, I.INSIGHTS_OUTLINED, I.INSIGHTS, "nav_picture"),
                      PROGRESS_TAB),
    Role.ADMIN: (Tab(users.UsersView, I.PEOPLE_OUTLINE, I.PEOPLE, "nav_users"),
                 Tab(agencies_admin.AgenciesAdminView, I.BUSINESS_OUTLINED, I.BUSINESS, "nav_agencies"),
                 Tab(places_admin.PlacesAdminView, I.PLACE_OUTLINED, I.PLACE, "nav_places"),
                 Tab(checklists.ChecklistsView, I.CHECKLIST, I.CHECKLIST, "nav_checklists"),
                 Tab(audit.AuditView, I.RECEIPT_LONG_OUTLINED, I.RECEIPT_LONG, "nav_audit")),
}


class PatrolApp:
    def __init__(self, page: ft.Page, device: Device, *, upload_dir: Path | None = None) -> None:
        """``upload_dir``: where the web app's upload endpoint puts picked photos (the bytes'
        way from the browser with progress); None on phones, whose files are local."""
        self.page = page
        self.device = device
        self.t = Translator(device.store.get_meta("lang", "de") or "de")
        self.web = page.web
        from patrol_app.platform.connectivity import Connectivity
        from patrol_app.platform.gps import Gps
        from patrol_app.platform.picker import PhotoPicker

        self.gps = Gps(page)
        self.picker = PhotoPicker(page, upload_dir)
        self.connectivity = Connectivity(page, self._connectivity_changed)
        self.fix = None  # the latest GPS fix, shared by the place list and the check form
        self.sync_status = ""
        # one progress control, updated in place: redrawing the outbox per item would cost a
        # full rebuild each step and swallow taps
        self.progress_bar = ft.ProgressBar(value=0)
        self.progress_text = ft.Text("")
        self.progress = ft.Column([self.progress_bar, self.progress_text], visible=False)
        self.tab = 0
        self.view_state: dict[str, dict] = {}  # screens' filters, kept across tab switches
        self._toast: ft.SnackBar | None = None  # the message on screen, if any
        self.answers_waiting = 0  # for review: answers to questions not read yet
        self.sub_view = None  # the screen above the tabs (a form, a detail), if one is open
        self._tab_root: ft.Control | None = None  # the shown tab's build(), under its header
        self.pin = PinLock(device.store)
        self.autosync = AutoSync(
            sync=self._auto_sync_pass, probe=self._probe, waiting=device.unsent_count,
            next_attempt_at=device.store.next_attempt_at,
            ready=lambda: self.connectivity.online and self.device.logged_in,
            on_error=self._auto_sync_failed, schedule=SyncSchedule(idle_s=AUTO_SYNC_SECONDS))
        self._announced_save = 0.0  # last_saved_at whose outcome was told
        self._auto_sync_running = False
        self._chrome_key: tuple = ()
        self.appbar: ft.AppBar | None = None
        self.nav: ft.NavigationBar | None = None
        self.banner = ft.Container(
            content=ft.Row([ft.Icon(ft.Icons.CLOUD_OFF, color=ft.Colors.ON_ERROR_CONTAINER),
                            ft.Text(self.t("offline_banner"), color=ft.Colors.ON_ERROR_CONTAINER,
                                    expand=True, weight=ft.FontWeight.W_500)]),
            bgcolor=ft.Colors.ERROR_CONTAINER, padding=ft.Padding.symmetric(vertical=8, horizontal=12), visible=False)
        self.body = ft.Column(expand=True, spacing=0)

    # ------------------------------------------------------------ start and navigation

    async def start(self) -> None:
        self.page.title = self.t("app_title")
        self._apply_locale()
        apply_theme(self.page)
        self.page.padding = 0
        self.page.add(ft.SafeArea(ft.Column([self.banner, self.body], expand=True, spacing=0),
                                  expand=True))
        await self.connectivity.refresh()
        self._update_banner()
        if self.device.logged_in:
            self.show_lock() if self.pin.locked else self.resume()
            self.page.run_task(self.sync_now)  # whatever waited while the app was closed
            self.page.run_task(self._auto_sync_loop)
        else:
            self.show_login()

    def show_login(self) -> None:
        self.sub_view = None
        self.page.appbar = None
        self.page.navigation_bar = None
        self._set_body(login.LoginView(self).build())

    def show_main(self, tab: int | None = None) -> None:
        if tab is not None:
            self.tab = tab
        t = self.t
        user = self.device.user
        if self._chrome_key != (t.lang, user.role if user else None):
            self._build_chrome()
        tabs = self.tabs
        self.sub_view = None
        self.tab = min(self.tab, len(tabs) - 1)
        self.nav.selected_index = self.tab
        self.page.appbar = self.appbar
        self.page.navigation_bar = self.nav
        view = tabs[self.tab].view(self)
        who = user.display_name if user else "?"
        if user and user.role is not Role.OFFICER:
            who += f" · {t('role_' + user.role.value)}"
        header = ft.Text(t("logged_in_as", name=who), size=12, color=ft.Colors.ON_SURFACE_VARIANT)
        self._tab_root = view.build()
        self._set_body(ft.Column([ft.Container(header, padding=ft.Padding.only(left=16, top=6)),
                                  self._tab_root], expand=True, spacing=0))

    @property
    def tabs(self) -> tuple[Tab, ...]:
        user = self.device.user
        return TABS_BY_ROLE[user.role] if user else FIELD_TABS

    def _on_tab(self, view_cls: type) -> bool:
        return self.page.navigation_bar is not None and self.tabs[self.tab].view is view_cls

    def _build_chrome(self) -> None:
        """App bar and navigation bar, built once per language and role: a control rebuilt
        under the officer's thumb would swallow the tap."""
        t = self.t
        user = self.device.user
        self._chrome_key = (t.lang, user.role if user else None)
        # Every tap target 48 dp. Lock (often, harmless) stands alone; logout (rare, ends the
        # session) is in the menu beside it, behind a question when anything would be left.
        target = ft.BoxConstraints(min_width=48, min_height=48)
        self.appbar = ft.AppBar(
            title=ft.Text(t("app_title"), weight=ft.FontWeight.BOLD),
            actions=[
                ft.Semantics(identifier="lock", content=ft.IconButton(
                    ft.Icons.LOCK_OUTLINE, tooltip=t("lock"), on_click=self._lock_pressed,
                    size_constraints=target)),
                ft.Container(width=8),
                ft.Semantics(identifier="app-menu", content=ft.PopupMenuButton(
                    icon=ft.Icons.MORE_VERT, tooltip=t("menu"), size_constraints=target, items=[
                        ft.PopupMenuItem(content=ft.Semantics(identifier="language", content=ft.Text(
                            t("language"))), icon=ft.Icons.TRANSLATE, on_click=self._toggle_language),
                        ft.PopupMenuItem(),  # a divider between the harmless and the final
                        ft.PopupMenuItem(content=ft.Semantics(identifier="logout", content=ft.Text(
                            t("logout"))), icon=ft.Icons.LOGOUT, on_click=self.logout_request),
                    ])),
                ft.Container(width=4),
            ],
        )
        self.nav = ft.NavigationBar(
            selected_index=self.tab,
            on_change=self._tab_tapped,
            destinations=[ft.NavigationBarDestination(icon=tab.icon, selected_icon=tab.selected_icon,
                                                      label=t(tab.label)) for tab in self.tabs],
        )
        self._badge_review_tab()

    def set_answers_waiting(self, n: int) -> None:
        """Answers to questions that review has not read (the server's figure, as the picture
        or an unfiltered queue last showed it): a badge on the review tab until read."""
        if n != self.answers_waiting:
            self.answers_waiting = n
            self._badge_review_tab()

    def _badge_review_tab(self) -> None:
        for tab, dest in zip(self.tabs, self.nav.destinations if self.nav else []):
            if tab.view is review.ReviewView:
                badge = str(self.answers_waiting) if self.answers_waiting else None
                dest.icon = ft.Icon(tab.icon, badge=badge)
                dest.selected_icon = ft.Icon(tab.selected_icon, badge=badge)

    def _tab_tapped(self, e: ft.Event) -> None:
        """Tapping the tab already shown changes nothing: rebuilding its screen would replace
        the control under the officer's next tap, and that tap would be lost."""
        index = int(e.control.selected_index)
        if index != self.tab:
            self.show_main(index)

    def show_lock(self) -> None:
        self.sub_view = None
        self.page.appbar = None
        self.page.navigation_bar = None
        self._set_body(lock.LockView(self).build())

    def _lock_pressed(self, _=None) -> None:
        if self.pin.is_set:
            self.lock_now()
        else:
            self.page.show_dialog(lock.set_pin_dialog(self))

    def lock_now(self) -> None:
        self._park_open_form()  # the next hands on this phone must not see it; its author will
        self.pin.lock()
        self.show_lock()

    def resume(self) -> None:
        """After login or unlock: the check its author had to leave, if one was kept, else
        the tabs."""
        draft = self.device.take_parked_draft()
        self.show_main()
        if draft is not None:
            self.show_sub(check_form.CheckFormView(self, draft.place, draft=draft))
            self.toast(self.t("draft_restored"))

    def _open_draft(self) -> CheckDraft | None:
        """The half-filled check on screen, if the open screen is a check form."""
        draft = getattr(self.sub_view, "draft", None)
        return draft if isinstance(draft, CheckDraft) else None

    def _park_open_form(self) -> bool:
        """Keep the open check form's content for its author (logout, lock, session over)."""
        draft = self._open_draft()
        return draft is not None and self.device.park_draft(draft)

    def show_check(self, place) -> None:
        self.show_sub(check_form.CheckFormView(self, place))

    def show_correction(self, report_id: str) -> None:
        """The check form, prefilled from a refused report; saving supersedes it."""
        draft = self.device.correction_draft(report_id)
        self.show_sub(check_form.CheckFormView(self, draft.place, draft=draft))

    def resend(self, report_id: str) -> None:
        if self.device.resend(report_id):
            self.toast(self.t("resend_queued"))
            self.page.run_task(self.sync_now)
        self._refresh_current()

    def show_answer(self, query) -> None:
        self.show_sub(queries.AnswerView(self, query))

    def show_sub(self, view) -> None:
        """A screen above the tabs (a form, a detail): no navigation bar, its own back button."""
        self.page.navigation_bar = None
        if getattr(view, "save_bar", False):
            self._close_toast()
        self._set_body(view.build())
        self.sub_view = view

    def show_tab(self, view_cls: type) -> None:
        self.show_main(next(i for i, tab in enumerate(self.tabs) if tab.view is view_cls))

    # ------------------------------------------------------------ the page, for the views

    @property
    def store(self):
        """The device's local store: the queries a screen reads (history, places, reports)."""
        return self.device.store

    def update(self) -> None:
        self.page.update()

    def show_dialog(self, dialog: ft.DialogControl) -> None:
        self.page.show_dialog(dialog)

    def pop_dialog(self) -> None:
        self.page.pop_dialog()

    def run_task(self, handler, *args):
        return self.page.run_task(handler, *args)

    def colour(self, value: str) -> str:
        return colour(self.page, value)

    def is_shown(self, control: ft.Control) -> bool:
        """Is this what a screen's build() returned, and still on display (a form or detail
        above the tabs, or the tab's own content under the "logged in as" line)?"""
        if not self.body.controls:
            return False
        top = self.body.controls[0]
        return top is control or (self.sub_view is None and self.page.navigation_bar is not None
                                  and self._tab_root is control
                                  and isinstance(top, ft.Column) and control in top.controls)

    def page_size(self) -> tuple[float, float]:
        return (self.page.width or 390, self.page.height or 844)

    def _set_body(self, control: ft.Control) -> None:
        self.body.controls = [control]
        self.page.update()

    def toast(self, message: str, *, error: bool = False, duration: int = 5000) -> None:
        self._toast = ft.SnackBar(
            ft.Text(message, color=ft.Colors.ON_ERROR_CONTAINER if error else None),
            bgcolor=ft.Colors.ERROR_CONTAINER if error else None, duration=duration)
        self.page.show_dialog(self._toast)

    def _close_toast(self) -> None:
        """A form with a Save bar at the bottom (``save_bar``) closes the message still shown
        from the screen before: "Gespeichert und gesendet." lay over the next check's Save bar
        for 5 s, and a tap on Save hit the message. Its words were read or are in the outbox.
        Other screens keep it: a message said just before opening them is about them
        ("Einsatz gespeichert" and then the operation)."""
        if self._toast is not None and self._toast.open:
            self._toast.open = False
        self._toast = None

    # ------------------------------------------------------------ session actions

    async def update_fix(self) -> str | None:
        """Ask the GPS for a fresh fix shared by every screen; the problem in words, if any."""
        from patrol_app.platform.gps import GpsUnavailable

        try:
            self.fix = await self.gps.fix(web=self.web)
        except GpsUnavailable as exc:
            return self.t(exc.key, reason=exc.reason)
        return None

    async def locate_and_redraw(self, _=None) -> None:
        problem = await self.update_fix()
        if problem:
            self.toast(problem, error=True)
        else:
            self.redraw_tabs()

    def redraw_tabs(self) -> None:
        """Redraw the tab on screen with new shared state (a fix that just arrived). A GPS
        answers after seconds; a form, detail, lock or login the user opened meanwhile stays
        (redrawing the tabs over it threw away a check being filled in)."""
        if self.sub_view is None and self.page.navigation_bar is not None:
            self.show_main()
        else:
            self.page.update()

    def set_language(self, lang: str) -> None:
        self.t = Translator(lang)
        self.device.store.set_meta("lang", self.t.lang)
        self.banner.content.controls[1].value = self.t("offline_banner")
        self.page.title = self.t("app_title")
        self._apply_locale()

    def _apply_locale(self) -> None:
        """Flutter's own words (a text field's "4,000 characters remaining" for screen readers,
        pickers, tooltips) in the app's language, not in English."""
        locales = {"de": ft.Locale("de", "DE"), "en": ft.Locale("en", "GB")}
        self.page.locale_configuration = ft.LocaleConfiguration(
            supported_locales=list(locales.values()), current_locale=locales[self.t.lang])

    def _toggle_language(self, _=None) -> None:
        self.set_language("en" if self.t.lang == "de" else "de")
        self.show_main()

    def logout_request(self, _=None) -> None:
        """Ask first when reports still wait or a check is half-filled; either way nothing
        unsent is deleted and the check is kept for its author's next login."""
        waiting = self.device.unsent_count()
        draft = self._open_draft()
        draft_kept = (draft is not None and has_content(draft)) or self.device.parked_draft() is not None
        if not waiting and not draft_kept:
            self._do_logout()
            return
        t = self.t
        lines = ([t("unsynced_logout", n=waiting)] if waiting else []) + (
            [t("draft_kept_logout")] if draft_kept else [])

        def confirm(_):
            self.page.pop_dialog()
            self._do_logout()

        self.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("logout_title")),
            content=ft.Text("\n\n".join(lines)),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.page.pop_dialog()),
                     ft.Semantics(identifier="confirm-logout", content=ft.FilledButton(
                         t("logout_anyway") if waiting else t("logout"), on_click=confirm))]))

    def _do_logout(self) -> None:
        self._park_open_form()
        token = self.device.logout()
        self.pin.clear()
        self.show_login()
        # the server ends the session too, in the background (offline it expires by itself)
        self.page.run_task(asyncio.to_thread, self.device.end_session, token)

    async def after_login(self) -> None:
        """A device that never pulled (or a new person on it) first fetches the city's data
        -- places, teams, agencies -- under the login spinner, so the first screen shows names,
        not codes (an online screen does not redraw for a pull), and learns what the basemap
        covers, so the first map is built with its limits (a map that learned them on screen
        stayed blank in Chromium); otherwise the screen comes at once and the sync runs behind."""
        self.tab = 0
        self.view_state.clear()  # filters and searches are one session's (maybe another person's)
        if self.device.store.get_meta("sync_cursor") is None:
            try:
                await self.sync_now()
                if basemap.due(self.device):
                    await asyncio.to_thread(basemap.refresh, self.device)
            finally:  # offline or failed: the screens work with what there is
                self.resume()
        else:
            self.resume()
            await self.sync_now()
        self.page.run_task(self._auto_sync_loop)

    # ------------------------------------------------------------ sync

    @property
    def online(self) -> bool:
        offline_by_sync = (self.device.last_sync is not None
                           and self.device.last_sync.outcome is Outcome.OFFLINE)
        return self.connectivity.online and not offline_by_sync

    async def sync_now(self, _=None) -> SyncResult | None:
        if not self.connectivity.online:
            self.sync_status = self.t("sync_offline")
            self._refresh_current()
            return None
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:
            loop.call_soon_threadsafe(self._show_progress, done, total)

        saved_at = self.device.last_saved_at
        try:
            result = await asyncio.to_thread(self.device.sync, progress)
        except Exception as exc:  # noqa: BLE001 -- said on screen, logged, and tried again later
            log.exception("sync failed")
            self.progress.visible = False
            self.sync_status = self.t("sync_crashed", reason=type(exc).__name__)
            self._refresh_current()
            raise
        self.progress.visible = False
        self.autosync.saw(result)
        self.sync_status = outbox.sync_status_text(self.t, result, self.device.queue_state())
        self._update_banner()
        if saved_at > self._announced_save:  # a check was just saved: say what became of it
            self._announced_save = saved_at
            self.toast(outbox.save_outcome_text(self.t, result, self.device.queue_state()),
                       error=result.outcome is not Outcome.OK)
        offset = self.device.clock_notice()
        if offset is not None:
            self.toast(clock_words.phone_clock_notice(self.t, offset), error=True, duration=15000)
        if result.outcome is Outcome.AUTH_NEEDED and self.device.store.get_meta("token"):
            self._park_open_form()  # the session ended under a half-filled check: keep it
            self.device.logout()
            self.show_login()
            self.toast(self.sync_status, error=True)
            return result
        # Redraw only when something visible changed: a rebuild under the officer's thumb
        # swallows the tap they were making.
        changed = result.pulled or result.reports_sent or result.photos_sent or result.rejected
        if self._on_tab(places.PlacesView) and not result.pulled:
            return result  # the list shows reference data only: a sent report changes nothing
        if any(self._on_tab(v) for v in SHOW_NO_SENDING) and not (result.pulled or result.rejected):
            return result
        if changed or self._on_tab(outbox.OutboxView):
            self._refresh_current()
        return result

    def _show_progress(self, done: int, total: int) -> None:
        self.progress_bar.value = done / total if total else None
        self.progress_text.value = self.t("syncing", done=done, total=total)
        self.progress.visible = total > 0
        self.page.update()

    def _refresh_current(self) -> None:
        on_field_tab = self.page.navigation_bar is not None and self.tabs is FIELD_TABS
        if on_field_tab:  # not in a form, at login, or on an online screen (reloads itself)
            self.show_main()
        else:
            self.page.update()

    def _update_banner(self) -> None:
        self.banner.visible = not self.online
        self.page.update()

    async def _connectivity_changed(self, online: bool) -> None:
        self._update_banner()
        if online and self.device.logged_in:
            await self.sync_now()

    async def _auto_sync_loop(self) -> None:
        if self._auto_sync_running:
            return  # one loop per session, however often the officer logs in again
        self._auto_sync_running = True
        try:
            await self.autosync.run()
        finally:
            self._auto_sync_running = False

    async def _auto_sync_pass(self) -> SyncResult | None:
        return await self.sync_now()

    async def _probe(self) -> bool:
        return await asyncio.to_thread(self.device.probe)

    def _auto_sync_failed(self, exc: BaseException) -> None:
        """The loop goes on; the status line says what went wrong (sync_now set it)."""
        if not self.sync_status:
            self.sync_status = self.t("sync_crashed", reason=type(exc).__name__)


def default_data_dir() -> Path:
    env = os.environ.get("PATROL_APP_DATA") or os.environ.get("FLET_APP_STORAGE_DATA")
    return Path(env) if env else Path.home() / ".local" / "share" / "gemeinsame-streife"


def make_main(device: Device, upload_dir: Path | None = None):
    async def main(page: ft.Page) -> None:
        app = PatrolApp(page, device, upload_dir=upload_dir)
        await app.start()

    return main
