"""Field UX in a real Flet session without a browser (tests/support/flet_session.py), against the
real server app in-process: a failed login stops its spinner, the outbox shows photos as
pictures ("Foto 1 von 2"), a half-filled check survives logout for its author only, the app
bar's tap targets, the supervisor's picture counts answers waiting to be read."""

from __future__ import annotations

from datetime import datetime, timezone

import flet as ft
import pytest

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.ui.app import PatrolApp
from tests.support.flet_session import Harness
from tests.unit.test_views_headless import login_screen, PW, anyio_backend, demo_server, loaded, open_app  # noqa: F401


def visible_rings(h: Harness) -> list[ft.ProgressRing]:
    """Spinners the phone shows: visible themselves and inside visible parents."""
    out = []

    def walk(c, shown: bool) -> None:
        if not isinstance(c, ft.BaseControl):
            return
        shown = shown and getattr(c, "visible", True) is not False
        if isinstance(c, ft.ProgressRing) and shown:
            out.append(c)
        for name in ("content", "controls", "actions"):
            v = getattr(c, name, None)
            for child in v if isinstance(v, list) else [v]:
                walk(child, shown)

    walk(h.page, True)
    return out


@pytest.mark.anyio
async def test_a_failed_login_stops_the_spinner_under_its_message(demo_server, tmp_path):
    device = Device(tmp_path / "fresh", "http://testserver", transport=demo_server._transport)
    h, app, fields = await login_screen(device)
    try:
        await h.type(fields["Benutzername"], "polizei")
        await h.type(fields["Passwort"], "falsch")
        await h.click(h.by_id("login-submit"))
        await h.until(lambda: h.text_shown("Anmeldung fehlgeschlagen"))
        assert not h.unsent_changes(), "the spinner's end never reached the phone"
        assert visible_rings(h) == []
        await h.type(fields["Passwort"], PW)  # and the next try still works
        await h.click(h.by_id("login-submit"))
        await h.until(lambda: device.user is not None and not h.has_id("login-submit"))
    finally:
        h.close()


def unread_figure(device: Device) -> int:
    office = device.office()
    try:
        return office.reports(limit=1)["unread_answers"]
    finally:
        office.close()


def review_badge(app: PatrolApp) -> str | None:
    from patrol_app.ui.views.review import ReviewView

    (dest,) = [d for tab, d in zip(app.tabs, app.nav.destinations) if tab.view is ReviewView]
    return dest.icon.badge if isinstance(dest.icon, ft.Icon) else None


@pytest.mark.anyio
async def test_an_answer_waiting_is_counted_and_badged_in_the_picture_until_read(demo_server, tmp_path):
    """The officer answers a question: the supervisor's picture says so up front (not "Offene
    Rückfragen (0)"), the review tab carries a badge, and both go once review read it."""
    officer = Device(tmp_path / "kod", "http://testserver", transport=demo_server._transport)
    officer.login("kod", PW)
    officer.sync()
    place = officer.store.place("westentor")
    fix = wire.GpsFix(place.lat, place.lon, 5.0, wire.format_timestamp(datetime.now(timezone.utc)))
    report = officer.save_check(CheckDraft(place=place, fix=fix, note="Gruppe am Brunnen"))
    officer.sync()
    sup = Device(tmp_path / "sup", "http://testserver", transport=demo_server._transport)
    sup.login("lagebild", PW)
    office = sup.office()
    office.review(report.id, wire.ReviewAction.START)
    office.review(report.id, wire.ReviewAction.ASK, "Wie groß war die Gruppe?")
    office.close()
    before = unread_figure(sup)
    officer.sync()
    (query,) = [q for q in officer.open_queries() if q.report_id == report.id]
    officer.answer_query(query, "Etwa acht Personen.")
    officer.sync()
    waiting = unread_figure(sup)
    assert waiting == before + 1

    h, app = await open_app(demo_server, tmp_path, "lagebild")
    try:
        picture_tab = next(i for i, tab in enumerate(app.tabs) if tab.label == "nav_picture")
        app.show_main(picture_tab)
        await h.until(lambda: loaded(h) and h.has_id("pic-answers-waiting"))
        word = "neue Antwort" if waiting == 1 else "neue Antworten"
        assert h.text_shown(f"{waiting} {word} auf Rückfragen, noch ungelesen.")
        assert h.by_id("pic-answers-waiting").content.controls[0].badge == str(waiting)
        assert review_badge(app) == str(waiting)
        assert not h.text_shown("Offene Rückfragen (0)")

        await h.click(h.by_id("pic-read-answers"))  # to the queue, where answers stand first
        await h.until(lambda: loaded(h) and h.has_id(f"new-answer-{report.id}"))
        assert h.session.page.navigation_bar.selected_index == 0

        office = sup.office()
        office.report(report.id)  # a reviewer opens it: the answer is read
        office.close()
        app.show_main(picture_tab)
        await h.until(lambda: loaded(h) and h.has_id("pic-open-questions"))
        assert review_badge(app) == (str(waiting - 1) if waiting > 1 else None)
        assert h.has_id("pic-answers-waiting") == (waiting > 1)
    finally:
        h.close()


@pytest.mark.anyio
async def test_review_steps_say_what_was_done(demo_server, tmp_path):
    from patrol_app.ui.views.report_detail import ReportDetailView

    officer = Device(tmp_path / "pol", "http://testserver", transport=demo_server._transport)
    officer.login("polizei", PW)
    officer.sync()
    report = officer.save_check(CheckDraft(place=officer.store.place("westentor"),
                                           no_fix_reason="GPS gestört"))
    officer.sync()
    h, app = await open_app(demo_server, tmp_path, "lagebild")
    try:
        app.show_sub(ReportDetailView(app, report.id))
        await h.until(lambda: h.has_id("review-start"))
        await h.click(h.by_id("review-start"))
        await h.until(lambda: h.text_shown("Prüfung begonnen.") and h.has_id("review-approve"))
        await h.click(h.by_id("review-approve"))
        await h.until(lambda: h.text_shown("Freigegeben."))
        assert not h.text_shown("Gespeichert.")
    finally:
        h.close()


def test_the_trend_of_a_new_hotspot_is_a_word_in_the_apps_language():
    from patrol_app.ui.i18n import Translator
    from patrol_app.ui.views.picture import TREND_LOOK, trend_mark

    icon, tint = TREND_LOOK[wire.Trend.NEW]
    assert icon is None  # Material's FIBER_NEW draws an English "NEW"
    assert trend_mark(Translator("de"), wire.Trend.NEW, icon, tint).content.value == "neu"
    assert trend_mark(Translator("en"), wire.Trend.NEW, icon, tint).content.value == "new"


def test_the_export_toast_names_the_file_saved_and_the_two_csvs_differ():
    from patrol_app.ui.views.picture import EXPORTS, export_file_name

    now = datetime(2026, 12, 2, 14, 0)
    names = [export_file_name(name, extra, now) for name, extra, _ in EXPORTS]
    assert names == ["lagebild-reports-20261202.geojson", "lagebild-places-20261202.geojson",
                     "lagebild-reports-20261202.csv", "lagebild-reports-excel-20261202.csv",
                     "lagebild-fear-spaces-20261202.geojson",
                     "lagebild-fear-spaces-excel-20261202.csv",
                     "lagebild-complaint-gaps-20261202.geojson",
                     "lagebild-complaint-gaps-excel-20261202.csv"]


@pytest.mark.anyio
async def test_flutters_own_words_follow_the_apps_language(demo_server, tmp_path):
    """The text field counter's "4,000 characters remaining" (read by screen readers) and the
    pickers are Flutter's: they speak the locale the page declares."""
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        assert h.page.locale_configuration.current_locale.language_code == "de"
        app.set_language("en")
        assert h.page.locale_configuration.current_locale.language_code == "en"
    finally:
        h.close()


@pytest.mark.anyio
async def test_the_outbox_shows_photos_as_pictures_numbered_in_their_report(demo_server, tmp_path):
    from patrol_app.core.photos import process_photo
    from patrol_app.ui.views.outbox import OutboxView
    from tests.conftest import jpeg_bytes

    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        photos = [process_photo(jpeg_bytes(colour=c)) for c in ((200, 30, 30), (30, 200, 30))]
        draft = CheckDraft(place=app.device.store.place("westentor"), no_fix_reason="GPS gestört")
        for p in photos:
            draft.add_photo(p)
        app.device.save_check(draft)
        outbox_tab = next(i for i, tab in enumerate(app.tabs) if tab.view is OutboxView)
        app.show_main(outbox_tab)
        await h.settle()
        shown = h.texts()
        assert "Foto 1 von 2" in shown and "Foto 2 von 2" in shown
        assert not any(p.sha256[:8] in text for p in photos for text in shown)  # no hashes
        rows = [h.by_id(f"outbox-{p.sha256}") for p in photos]
        pictures = [r.leading for r in rows]
        assert all(isinstance(pic, ft.Image) and isinstance(pic.src, bytes) for pic in pictures)
        assert pictures[0].src != pictures[1].src  # each photo's own picture
        assert all(pic.width == 48 and pic.height == 48 for pic in pictures)
    finally:
        h.close()


def menu_item(h: Harness, identifier: str) -> ft.PopupMenuItem:
    for c in h.walk():
        if (isinstance(c, ft.PopupMenuItem) and isinstance(c.content, ft.Semantics)
                and c.content.identifier == identifier):
            return c
    raise LookupError(identifier)


def field(h: Harness, label: str) -> ft.TextField:
    return next(c for c in h.walk() if isinstance(c, ft.TextField) and c.label == label)


async def log_in_on_screen(h: Harness, username: str) -> None:
    await h.type(field(h, "Benutzername"), username)
    await h.type(field(h, "Passwort"), PW)
    await h.click(h.by_id("login-submit"))
    await h.until(lambda: not h.has_id("login-submit"))


@pytest.mark.anyio
async def test_a_half_filled_check_survives_logout_for_its_author_only(demo_server, tmp_path):
    from patrol_app.core.photos import process_photo
    from tests.conftest import jpeg_bytes

    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        app.show_check(app.device.store.place("westentor"))
        await h.until(lambda: h.has_id("save-report"))
        await h.type(field(h, "Bemerkung"), "Zwei Personen am Brunnen")
        app.sub_view.draft.add_photo(process_photo(jpeg_bytes()))  # as the picker would
        await h.click(menu_item(h, "logout"))
        assert h.text_shown("Der angefangene Bericht bleibt für dich aufbewahrt")  # asked first
        await h.click(h.by_id("confirm-logout"))
        await h.until(lambda: h.has_id("login-submit"))

        await log_in_on_screen(h, "kod")  # the next person on this phone: nothing of it
        await h.until(lambda: h.has_id("stop-1") or h.text_shown("Heute"))
        assert not h.has_id("save-report") and not h.text_shown("Zwei Personen am Brunnen")
        await h.click(menu_item(h, "logout"))  # nothing waits, nothing half-filled: no question
        await h.until(lambda: h.has_id("login-submit"))

        await log_in_on_screen(h, "polizei")  # its author: the form is back, as it was
        await h.until(lambda: h.has_id("save-report"))
        assert field(h, "Bemerkung").value == "Zwei Personen am Brunnen"
        assert h.text_shown("1 Foto angehängt") and h.text_shown("Dein angefangener Bericht ist wieder da.")
        assert h.text_shown("Kontrolle: Westentor")
        await h.type(field(h, app.t("no_fix_reason")), "GPS gestört")  # no GPS in this test
        await h.click(h.by_id("save-report"))
        await h.until(lambda: not h.has_id("save-report"))
        (saved, _), *_ = app.device.store.history()
        assert saved["note"] == "Zwei Personen am Brunnen" and len(saved["photos"]) == 1
        assert app.device.parked_draft() is None  # handed back, not kept twice
    finally:
        h.close()


@pytest.mark.anyio
async def test_locking_keeps_the_open_check_and_unlocking_brings_it_back(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        app.pin.set_pin("2468")
        app.show_check(app.device.store.place("westentor"))
        await h.until(lambda: h.has_id("save-report"))
        await h.type(field(h, "Bemerkung"), "Hund ohne Leine")
        await h.click(h.by_id("lock"))
        await h.until(lambda: h.has_id("unlock"))
        assert not h.text_shown("Hund ohne Leine")  # the next hands see nothing of it
        await h.type(field(h, "PIN"), "2468")
        await h.click(h.by_id("unlock"))
        await h.until(lambda: h.has_id("save-report"))
        assert field(h, "Bemerkung").value == "Hund ohne Leine"
    finally:
        h.close()


def test_app_bar_targets_are_48_dp_and_logout_is_not_beside_lock():
    from patrol_app.ui.app import PatrolApp

    app = PatrolApp.__new__(PatrolApp)  # only what the chrome needs
    app.t = __import__("patrol_app.ui.i18n", fromlist=["Translator"]).Translator("de")
    app.device = type("D", (), {"user": None})()
    app.tab, app.answers_waiting, app.nav = 0, 0, None
    app._build_chrome()
    buttons = [a.content for a in app.appbar.actions if isinstance(a, ft.Semantics)]
    assert [type(b) for b in buttons] == [ft.IconButton, ft.PopupMenuButton]
    for b in buttons:
        assert b.size_constraints.min_width >= 48 and b.size_constraints.min_height >= 48
    lock, menu = buttons
    assert lock.icon == ft.Icons.LOCK_OUTLINE
    assert ft.Icons.LOGOUT in [i.icon for i in menu.items]  # behind the menu, not a bare icon
