"""The check form in a real Flet session (no browser) against the real server in-process: a
photo still on its way is never left out, the verdict shown ticks and is the one saved, a stale
fix asks before it is saved, and a count that is not a number says so.

The file picker is the browser's, so it is played here by a phone whose bytes arrive when the
test says (the browser test tests/e2e/test_check_form.py uses the real one)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import flet as ft
import pytest

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.platform.picker import PickedPhoto
from patrol_app.ui.views.check_form import CheckFormView
from tests.conftest import jpeg_bytes
from tests.unit.test_views_headless import demo_server, open_app  # noqa: F401 (a fixture)


@pytest.fixture
def anyio_backend():
    return "asyncio"


class SlowPicker:
    """The officer picks a file; its bytes arrive only once ``arrive`` is set (as from a
    browser over a slow page connection)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.arrive = asyncio.Event()
        self.asked = 0

    async def pick_photos(self) -> list[PickedPhoto]:
        self.asked += 1

        async def read(progress) -> bytes:
            progress(0.3)
            await self.arrive.wait()
            return self.data

        return [PickedPhoto("IMG_0001.jpg", len(self.data), read)]


def playground(app):
    return next(p for p in app.device.store.places() if p.type is wire.PlaceType.PLAYGROUND)


def fix_at(place, moment: datetime) -> wire.GpsFix:
    return wire.GpsFix(place.lat, place.lon, 6.0, wire.format_timestamp(moment))


def saved_reports(app) -> list[dict]:
    return [r for r, _ in app.device.store.history()]


async def open_form(h, app, place, fix) -> CheckFormView:
    app.fix = fix
    view = CheckFormView(app, place)
    app.show_sub(view)
    await h.until(lambda: h.has_id("save-report"))
    return view


@pytest.mark.anyio
async def test_save_tapped_while_a_photo_is_on_its_way_waits_and_saves_it(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        before = len(saved_reports(app))
        await open_form(h, app, place, fix_at(place, datetime.now(timezone.utc)))
        app.picker = picker = SlowPicker(jpeg_bytes(1600, 1200))
        await h.click(h.by_id("add-photo"))
        assert h.has_id("photo-pending") and h.text_shown("wird verarbeitet")  # at once
        assert h.text_shown("Fotos werden verarbeitet … (1)")
        # the officer does not wait (the app runs each event as its own task, as here)
        tap = asyncio.create_task(h.click(h.by_id("save-report")))
        await h.until(lambda: h.text_shown("danach wird gespeichert"))
        assert len(saved_reports(app)) == before  # nothing saved with a photo missing
        assert h.by_id("save-report").disabled

        picker.arrive.set()
        await tap
        await h.until(lambda: len(saved_reports(app)) == before + 1)
        report = saved_reports(app)[0]
        assert len(report["photos"]) == 1
        assert app.device.store.photos_of(report["id"])[0].sha256 == report["photos"][0]
        await h.until(lambda: not h.has_id("save-report"))  # back on the tabs
    finally:
        h.close()


@pytest.mark.anyio
async def test_an_unreadable_photo_stops_a_waiting_save_with_words(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        before = len(saved_reports(app))
        await open_form(h, app, place, fix_at(place, datetime.now(timezone.utc)))
        app.picker = picker = SlowPicker(b"not a picture")
        await h.click(h.by_id("add-photo"))
        tap = asyncio.create_task(h.click(h.by_id("save-report")))
        await h.until(lambda: h.text_shown("danach wird gespeichert"))
        picker.arrive.set()
        await tap
        await h.until(lambda: h.text_shown("Ein Foto ließ sich nicht lesen"))
        assert len(saved_reports(app)) == before and not h.has_id("photo-pending")
        assert not h.by_id("save-report").disabled  # the officer decides: save again or pick again
    finally:
        h.close()


@pytest.mark.anyio
async def test_the_verdict_ticks_to_stale_and_save_asks_then_saves_it_knowingly(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        fixed = datetime.now(timezone.utc)
        shift = timedelta(0)
        app.device.clock = lambda: datetime.now(timezone.utc) + shift  # the phone's clock, as save_check reads it
        await open_form(h, app, place, fix_at(place, fixed))
        assert h.text_shown("Beim Speichern jetzt: vor Ort")
        shift = timedelta(minutes=3, seconds=5)  # the officer took a while with photos and checklist
        await h.until(lambda: h.text_shown("Beim Speichern jetzt: Position zu alt"))  # no tap: it ticks
        assert h.text_shown("Position 3 min alt – älter als 2 min")

        await h.click(h.by_id("save-report"))
        await h.until(lambda: h.text_shown("Position ist 3 min alt"))
        assert h.has_id("stale-relocate") and h.has_id("stale-save-anyway")
        before = len(saved_reports(app))
        await h.click(h.by_id("stale-save-anyway"))
        await h.until(lambda: len(saved_reports(app)) == before + 1)
        report = saved_reports(app)[0]
        assert report["presence"]["verdict"] == "stale"  # what the form said it would save
    finally:
        h.close()


class FreshGps:
    """The phone's GPS, asked again: a fresh fix at the place."""

    def __init__(self, place) -> None:
        self.place = place
        self.asked = 0

    async def fix(self, *, web: bool) -> wire.GpsFix:
        self.asked += 1
        return fix_at(self.place, datetime.now(timezone.utc))


@pytest.mark.anyio
async def test_new_position_from_the_stale_question_locates_and_saves_on_site(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        app.gps = gps = FreshGps(place)
        await open_form(h, app, place, fix_at(place, datetime.now(timezone.utc) - timedelta(minutes=4)))
        assert h.text_shown("Position 4 min alt")
        before = len(saved_reports(app))
        await h.click(h.by_id("save-report"))
        await h.until(lambda: h.has_id("stale-relocate"))
        await h.click(h.by_id("stale-relocate"))
        await h.until(lambda: len(saved_reports(app)) == before + 1)
        assert gps.asked == 1  # one tap: located, then saved
        report = saved_reports(app)[0]
        assert report["presence"]["verdict"] == "on_site"
        age = (wire.parse_timestamp(report["observed_at"])
               - wire.parse_timestamp(report["fix"]["fixed_at"])).total_seconds()
        assert age < 60  # the fresh fix, not the old one
    finally:
        h.close()


@pytest.mark.anyio
async def test_a_count_that_is_not_a_number_is_said_on_the_field_and_blocks_save(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        before = len(saved_reports(app))
        await open_form(h, app, place, fix_at(place, datetime.now(timezone.utc)))
        persons = h.by_id("count-field-persons_present")
        assert persons.keyboard_type is ft.KeyboardType.NUMBER and persons.input_filter is None
        await h.type(persons, "ca. 10")
        assert persons.error == "Bitte eine ganze Zahl eingeben (z. B. 10)."
        await h.click(h.by_id("save-report"))
        assert h.text_shown("Bitte Zahlen prüfen: Anwesende Personen: „ca. 10“ ist keine Zahl.")
        assert len(saved_reports(app)) == before
        await h.type(persons, "10")
        assert persons.error is None
        await h.click(h.by_id("save-report"))
        await h.until(lambda: len(saved_reports(app)) == before + 1)
        assert saved_reports(app)[0]["answers"]["persons_present"] == 10
    finally:
        h.close()


@pytest.mark.anyio
async def test_long_choices_are_chips_that_wrap_and_the_rest_opens_on_demand(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        view = await open_form(h, app, place, fix_at(place, datetime.now(timezone.utc)))
        assert h.page.navigation_bar is None  # a task above the tabs; its Save bar sits there
        referral = h.by_id("measure-referral_help")
        assert isinstance(referral, ft.Chip) and referral.label.value == "Vermittlung an Hilfeangebote"
        assert set(view.tiles) == {"findings", "checklist", "measures", "severity", "photos", "visibility"}
        assert not any(tile.expanded for tile in view.tiles.values())  # a fresh check: all closed
        scrolling, save_bar = view.root.controls[1].content, view.root.controls[2]
        assert scrolling.scroll is ft.ScrollMode.AUTO
        assert save_bar.content.controls[-1].controls[0].identifier == "save-report"  # pinned
        syringes = h.by_id("finding-syringes")  # on the first screen at a playground
        h.session.apply_patch(syringes._i, {"selected": True})  # what the client sends on a tap
        await h.session.dispatch_event(syringes._i, "select", True)
        assert wire.Finding.SYRINGES in view.draft.findings
    finally:
        h.close()


@pytest.mark.anyio
async def test_an_attached_photo_can_be_removed_again(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        view = await open_form(h, app, place, fix_at(place, datetime.now(timezone.utc)))
        app.picker = picker = SlowPicker(jpeg_bytes(1200, 900))
        picker.arrive.set()
        await h.click(h.by_id("add-photo"))
        await h.until(lambda: h.has_id("photo-thumb") and h.text_shown("1 Foto angehängt"))
        remove = next(c for c in h.walk() if isinstance(c, ft.IconButton) and c.icon == ft.Icons.CLOSE)
        await h.click(remove)
        assert view.draft.photos == [] and not h.has_id("photo-thumb")
        assert h.text_shown("0 Fotos angehängt")
    finally:
        h.close()


class LateGps:
    """A GPS that answers once ``answer`` is set: seconds after the tap, as phones do."""

    def __init__(self, place) -> None:
        self.place = place
        self.answer = asyncio.Event()

    async def fix(self, *, web: bool) -> wire.GpsFix:
        await self.answer.wait()
        return fix_at(self.place, datetime.now(timezone.utc))


@pytest.mark.anyio
@pytest.mark.parametrize("tab, button", [(0, "today-locate"), (1, "locate")])  # Heute, Orte
async def test_a_gps_answer_after_the_officer_opened_a_check_leaves_the_form_open(
        demo_server, tmp_path, tab, button):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        app.gps = gps = LateGps(place)
        app.show_main(tab)
        await h.until(lambda: h.has_id(button))
        locating = asyncio.create_task(h.click(h.by_id(button)))
        await h.settle()
        app.show_check(place)  # the list already had the place: the officer did not wait
        await h.until(lambda: h.has_id("save-report"))
        syringes = h.by_id("finding-syringes")  # the officer ticks a finding meanwhile
        h.session.apply_patch(syringes._i, {"selected": True})
        await h.session.dispatch_event(syringes._i, "select", True)
        gps.answer.set()
        await locating
        await h.until(lambda: app.fix is not None)
        await h.settle()
        assert h.has_id("save-report") and app.sub_view is not None  # the form, not the tabs
        assert wire.Finding.SYRINGES in app.sub_view.draft.findings  # and what was ticked
        app.show_main(tab)
        assert h.has_id(button)  # the tabs, once the officer goes back, with the new fix
    finally:
        h.close()


@pytest.mark.anyio
async def test_the_last_checks_message_does_not_lie_over_the_next_checks_save_bar(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        app.toast("Gespeichert und gesendet.")  # the check before, a second ago
        await h.settle()
        (shown,) = [d for d in h.page._dialogs.controls if isinstance(d, ft.SnackBar) and d.open]
        app.show_check(place)
        await h.until(lambda: h.has_id("save-report"))
        assert not shown.open
        assert not [d for d in h.page._dialogs.controls if isinstance(d, ft.SnackBar) and d.open]
        app.toast("Foto ließ sich nicht lesen.", error=True)  # the form's own messages still show
        await h.settle()
        assert [d for d in h.page._dialogs.controls if isinstance(d, ft.SnackBar) and d.open]
    finally:
        h.close()


@pytest.mark.anyio
async def test_a_report_going_out_does_not_redraw_today_under_the_officers_thumb(demo_server, tmp_path):
    """Save, back on Today, tap the next stop: the sync that sends the report half a second
    later must not rebuild the screen being tapped (a rebuilt control swallows the tap)."""
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        app.show_main(0)
        await h.until(lambda: h.has_id("stop-1"))
        app.device.save_check(CheckDraft(place=app.device.store.place("westentor"),
                                         no_fix_reason="GPS gestört"))
        app.show_main(0)  # what Save does
        shown = app.body.controls[0]
        stop = h.by_id("stop-1")
        result = await app.sync_now()
        assert result.reports_sent == 1
        assert app.body.controls[0] is shown and h.by_id("stop-1") is stop  # not rebuilt
    finally:
        h.close()


@pytest.mark.anyio
async def test_a_gps_answer_keeps_the_places_search_typed_while_it_worked(demo_server, tmp_path):
    """The officer taps "Position bestimmen" and starts typing a place; the fix arrives: the
    list is refilled nearest-first under the same search (it was rebuilt with an empty one, and
    the field lost its focus), and a later rebuild of the tab keeps it too."""
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        place = playground(app)
        app.gps = gps = LateGps(place)
        app.show_main(1)  # Orte
        await h.until(lambda: h.has_id("locate"))
        locating = asyncio.create_task(h.click(h.by_id("locate")))
        await h.settle()
        field = next(c for c in h.walk() if isinstance(c, ft.TextField)
                     and c.label == "Ort suchen")
        await h.type(field, "Weihnacht")
        await h.until(lambda: h.has_id("place-event-weihnachtsmarkt")
                      and not h.has_id("place-westentor"))
        gps.answer.set()
        await locating
        await h.settle()
        assert app.fix is not None and h.text_shown("GPS ±")
        assert field.value == "Weihnacht" and any(c is field for c in h.walk())  # the same field
        assert h.has_id("place-event-weihnachtsmarkt") and not h.has_id("place-westentor")
        app.show_main(1)  # a sync that pulled places rebuilds the tab
        await h.settle()
        assert h.has_id("place-event-weihnachtsmarkt") and not h.has_id("place-westentor")
    finally:
        h.close()
