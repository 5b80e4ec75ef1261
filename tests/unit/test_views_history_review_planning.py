"""Issue 13 items 4, 11-15 on screens in a real Flet session (tests/support/flet_session.py)
against the real server app in-process: an officer's report opens from History with all it
has; answers wait for the supervisor and come first; photos open full screen; the shift lead
types and picks German dates and clock times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import flet as ft
import httpx
import pytest

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.core.photos import process_photo
from patrol_app.ui.views import my_report, review_parts, routes
from tests.conftest import jpeg_bytes
from tests.unit.test_views_headless import PW, demo_server, loaded, open_app  # noqa: F401

# fixtures shared with test_views_headless: demo_server (module scope), anyio_backend
from tests.unit.test_views_headless import anyio_backend  # noqa: F401,E402


def westentor_check(device: Device, *, photos: int = 0, note: str = "Gruppe am Brunnen") -> wire.Report:
    place = device.store.place("westentor")
    fix = wire.GpsFix(place.lat, place.lon, 5.0, wire.format_timestamp(datetime.now(timezone.utc)))
    pics = [process_photo(jpeg_bytes(640, 480, (40 * i, 90, 160))) for i in range(photos)]
    return device.save_check(CheckDraft(
        place=place, fix=fix, note=note, checklist=device.store.checklist_for(place.type),
        answers={"known_group_present": True, "persons_present": 12},
        findings={wire.Finding.ALCOHOL}, measures={wire.Measure.TALK}, photos=pics))


def supervisor(demo_server, tmp_path) -> Device:
    sup = Device(tmp_path / "sup-api", "http://testserver", transport=demo_server._transport)
    sup.login("lagebild", PW)
    return sup


def ask(sup: Device, report_id: str, question: str) -> None:
    office = sup.office()
    try:
        office.review(report_id, wire.ReviewAction.START)
        office.review(report_id, wire.ReviewAction.ASK, question)
    finally:
        office.close()


def viewer_open(h) -> bool:
    return h.has_id("photo-viewer")


# ------------------------------------------------------------------ item 4: history


@pytest.mark.anyio
async def test_history_opens_a_report_with_everything_the_device_and_server_know(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "kod")
    try:
        device = app.device
        report = westentor_check(device, photos=2)
        device.sync()
        ask(supervisor(demo_server, tmp_path), report.id, "Wie groß war die Gruppe?")
        device.sync()  # the question arrives
        device.answer_query(device.open_queries()[0], "Etwa acht Personen.")  # not sent yet

        app.show_main(4)  # History
        await h.until(lambda: h.has_id(f"history-{report.id}"))
        assert h.text_shown("Antwort auf Rückfrage vom ")  # the answer, labelled as such
        await h.click(h.by_id(f"history-{report.id}"))
        await h.until(lambda: h.text_shown("Prüfung: Rückfrage offen"))
        shown = " ".join(h.texts())
        for expected in ("Westentor (Platz)", "Übertragung: bestätigt", "2/2 Fotos bestätigt",
                         "Anwesenheit laut Gerät: vor Ort", "Laut Server: vor Ort",
                         "Bekannte Gruppe anwesend: ja", "Anwesende Personen: 12",  # labels in German
                         "Feststellungen: Alkohol", "Maßnahmen: Ansprache", "Gruppe am Brunnen",
                         "Wie groß war die Gruppe?", "Antwort gespeichert, wird gesendet."):
            assert expected in shown, expected
        assert h.has_id("photo-1") and h.has_id("photo-2")
        await h.click(h.by_id("photo-2"))
        await h.until(lambda: viewer_open(h))
        assert h.text_shown("Foto 2 von 2")
        await h.click(h.by_id("photo-close"))
        await h.until(lambda: not viewer_open(h))

        await h.click(h.by_id("report-back"))
        await h.until(lambda: h.has_id(f"history-{report.id}"))
        (answer,) = [b for b, _ in device.store.history() if b.get("amends") == report.id]
        await h.click(h.by_id(f"history-{answer['id']}"))
        await h.until(lambda: h.has_id("report-answers"))
        assert h.text_shown("Antwort auf Rückfrage vom ") and h.text_shown("Wie groß war die Gruppe?")
        assert h.text_shown("Etwa acht Personen.") and h.text_shown("Übertragung: wartet")
        await h.until(lambda: h.text_shown("Der Server hat die Antwort noch nicht erhalten."))
        assert not h.text_shown("Anwesenheit laut Gerät")  # an answer proves no presence
    finally:
        h.close()


@pytest.mark.anyio
async def test_history_says_honestly_what_the_server_has_not_judged(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "polizei")
    try:
        unsent = westentor_check(app.device)
        app.show_main(4)
        await h.until(lambda: h.has_id(f"history-{unsent.id}"))
        await h.click(h.by_id(f"history-{unsent.id}"))
        await h.until(lambda: h.text_shown("Vom Server noch nicht bewertet (noch nicht übertragen)."))
        assert h.text_shown("Übertragung: wartet")

        app.device.sync()
        def no_network(request):
            raise httpx.ConnectError("network is unreachable", request=request)

        app.device._transport = httpx.MockTransport(no_network)  # gone, after the report was sent
        await h.click(h.by_id("report-back"))
        await h.until(lambda: h.has_id(f"history-{unsent.id}"))
        await h.click(h.by_id(f"history-{unsent.id}"))
        await h.until(lambda: h.text_shown("Die Bewertung des Servers ist gerade nicht abrufbar"))
        assert h.text_shown("Übertragung: bestätigt")
    finally:
        h.close()


def test_an_answer_is_labelled_with_its_question_before_and_after_sync():
    t = __import__("patrol_app.ui.i18n", fromlist=["Translator"]).Translator("de")
    asked = "2026-12-01T13:05:00.000Z"
    q = wire.Query("0190f0c0-0000-7000-8000-000000000001", "0190f0c0-0000-7000-8000-00000000000a",
                   "Wie viele?", "Thomas Becker", asked)
    answer = {"id": "0190f0c0-0000-7000-8000-00000000000b", "amends": q.report_id,
              "observed_at": "2026-12-01T13:20:00.000Z"}
    label = my_report.answer_label(t, answer, [q])
    local = datetime(2026, 12, 1, 13, 5, tzinfo=timezone.utc).astimezone().strftime("%d.%m.%Y %H:%M")
    assert label == f"Antwort auf Rückfrage vom {local}"
    linked = wire.replace(q, answer_report_id=answer["id"], answered_at=asked)
    later = wire.replace(q, id="0190f0c0-0000-7000-8000-000000000002",
                                asked_at="2026-12-02T09:00:00.000Z")  # asked after the answer
    assert my_report.answer_label(t, answer, [linked, later]) == label
    assert my_report.answer_label(t, {**answer, "amends": None}, [q]) is None
    assert my_report.answer_label(t, answer, []) == "Nachtrag zu einem Bericht"


# ------------------------------------------------------------------ items 13-15: review


@pytest.mark.anyio
async def test_an_answer_waits_on_top_of_the_queue_until_the_supervisor_opens_it(demo_server, tmp_path):
    officer = Device(tmp_path / "officer", "http://testserver", transport=demo_server._transport)
    officer.login("polizei", PW)
    officer.sync()
    report = westentor_check(officer, photos=2, note="Laute Gruppe")
    officer.sync()
    sup = supervisor(demo_server, tmp_path)
    ask(sup, report.id, "Wie viele Personen genau?")
    officer.sync()
    officer.answer_query(officer.open_queries()[0], "Zwölf Personen.")
    officer.sync()

    h, app = await open_app(demo_server, tmp_path, "lagebild")
    try:
        await h.until(lambda: loaded(h) and h.has_id("answers-waiting"))
        assert h.text_shown("Neue Antworten auf Rückfragen: 1")
        cards = [c.identifier for c in h.walk()
                 if isinstance(c, ft.Semantics) and (c.identifier or "").startswith("review-")]
        assert cards[0] == f"review-{report.id}"  # first, though no longer "eingegangen"
        assert h.has_id(f"new-answer-{report.id}")

        await h.click(h.by_id(f"review-{report.id}").content)  # the card's tappable inside
        await h.until(lambda: loaded(h) and h.has_id("detail-state"))
        assert h.has_id("detail-new-answer") and h.text_shown("Zwölf Personen.")
        body = app.sub_view.body.controls
        answer_at = next(i for i, c in enumerate(body)
                         if getattr(c, "identifier", None) == "amendment")
        photos_at = next(i for i, c in enumerate(body)
                         if getattr(getattr(c, "content", None), "value", None) == "Fotos")
        assert answer_at < photos_at  # the answer first, not below photos and map
        shown = " ".join(h.texts())
        assert "PK Anna Müller (polizei): Zwölf Personen." not in shown  # amendments: the name
        assert "PK Anna Müller: Zwölf Personen." in shown
        for entry in ("PK Anna Müller (polizei) · eingegangen", "Thomas Becker (lagebild) · Rückfrage",
                      "PK Anna Müller (polizei) · Nachtrag erhalten",
                      "Thomas Becker (lagebild) · Antwort gelesen"):
            assert entry in shown, entry

        await h.click(h.by_id("photo-1"))
        await h.until(lambda: viewer_open(h))
        assert h.text_shown("Foto 1 von 2")
        await h.click(h.by_id("photo-next"))
        assert h.text_shown("Foto 2 von 2")
        assert h.by_id("photo-next").disabled and not h.by_id("photo-prev").disabled
        await h.click(h.by_id("photo-zoom-in"))  # the client zooms; nothing breaks without one
        await h.click(h.by_id("photo-close"))
        await h.until(lambda: not viewer_open(h))

        await h.click(h.by_id("detail-back"))
        await h.until(lambda: loaded(h) and any(  # the queue again, reloaded
            isinstance(c, ft.Semantics) and (c.identifier or "").startswith("review-")
            for c in h.walk()))
        assert not h.has_id("answers-waiting") and not h.has_id(f"new-answer-{report.id}")
    finally:
        h.close()


def test_viewer_buttons_are_big_enough_for_gloves():
    from patrol_app.ui.views.photo_viewer import TOUCH

    assert TOUCH >= 48
    assert review_parts.person("PK Anna Müller", "polizei") == "PK Anna Müller (polizei)"
    assert review_parts.person(None, "cli") == "cli" and review_parts.person("demo", "demo") == "demo"


# ------------------------------------------------------------------ items 11-12: planning


@pytest.mark.anyio
async def test_team_day_typed_in_german_and_a_wrong_one_named_under_its_field(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "schichtleitung")
    try:
        app.show_main(1)  # Teams
        await h.until(lambda: loaded(h) and h.has_id("new-team"))
        await h.click(h.by_id("new-team"))
        await h.until(lambda: h.has_id("team-day"))
        assert h.by_id("team-day").value == date.today().strftime("%d.%m.%Y")  # German format
        await h.type(h.by_id("team-name"), "Streife Nacht")
        await h.type(h.by_id("member-polizei2"), True)  # tick: the box sends its new value
        await h.type(h.by_id("member-kod2"), True)
        await h.type(h.by_id("team-day"), "32.12.2026")
        await h.click(h.by_id("save-team"))
        assert h.by_id("team-day").error == "Bitte ein Datum wie 01.12.2026 eingeben."
        assert h.text_shown("Bitte die markierten Felder prüfen.")
        await h.type(h.by_id("team-day"), "1.12.2026")
        assert h.by_id("team-day").error is None  # typing again clears the complaint
        await h.click(h.by_id("save-team"))
        await h.until(lambda: h.has_id("new-team"))
        office = app.device.office()
        try:
            team = next(tm for tm in office.teams() if tm["name"] == "Streife Nacht")
        finally:
            office.close()
        assert team["shift_date"] == "2026-12-01"
    finally:
        h.close()


@pytest.mark.anyio
async def test_assign_a_night_shift_with_german_date_and_clock_times(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "schichtleitung")
    try:
        app.show_main(2)  # Routes
        await h.until(lambda: loaded(h) and h.has_id("assign-route-innenstadt"))
        await h.click(h.by_id("assign-route-innenstadt"))
        await h.until(lambda: h.has_id("assign-day"))
        assert h.by_id("assign-start").value == "14:00" and h.by_id("assign-end").value == "22:00"
        day = date.today() + timedelta(days=3)
        await h.type(h.by_id("assign-day"), day.strftime("%d.%m.%Y"))
        await h.type(h.by_id("assign-start"), "25:00")
        await h.type(h.by_id("assign-end"), "6")
        await h.click(h.by_id("confirm-assign"))
        assert h.by_id("assign-start").error == "Bitte eine Uhrzeit wie 14:30 eingeben."
        assert h.by_id("assign-end").error is None and h.by_id("assign-day").error is None
        await h.type(h.by_id("assign-start"), "22:00")
        preview = [line.value for line in h.by_id("assign-preview").controls]
        assert preview[0] == (f"Schicht: {day:%d.%m.%Y} 22:00 bis "
                              f"{day + timedelta(days=1):%d.%m.%Y} 06:00")
        assert preview[1].startswith("1. 22:")  # the stops at the clock times of this shift
        assert not h.text_shown("Bitte die markierten Felder prüfen.")  # gone once all reads
        await h.click(h.by_id("confirm-assign"))
        await h.until(lambda: not h.has_id("assign-day"))
        office = app.device.office()
        try:
            mine = [a for a in office._get("/assignments", at=wire.format_timestamp(
                datetime.combine(day, time(23)).astimezone())) if a["route_id"] == "route-innenstadt"]
        finally:
            office.close()
        (a,) = [a for a in mine if a["shift_start"] == wire.format_timestamp(
            datetime.combine(day, time(22)).astimezone())]
        assert a["shift_end"] == wire.format_timestamp(
            datetime.combine(day + timedelta(days=1), time(6)).astimezone())
    finally:
        h.close()


def toasts(h) -> list[str]:
    """The messages shown so far, oldest first."""
    return [d.content.value for d in h.page._dialogs.controls if isinstance(d, ft.SnackBar)]


@pytest.mark.anyio
async def test_route_windows_are_clock_times_across_midnight(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "schichtleitung")
    try:
        app.show_main(2)
        await h.until(lambda: loaded(h) and h.has_id("new-route"))
        await h.click(h.by_id("new-route"))
        await h.until(lambda: h.has_id("route-name"))
        await h.type(h.by_id("route-name"), "Nachtrunde")
        await h.type(h.by_id("route-start"), "22:00")
        await h.type(h.by_id("route-search"), "Westentor")
        await h.click(h.by_id("cand-westentor"))
        assert toasts(h)[-1] == "Halt 1 hinzugefügt: Westentor (Platz), 22:00–22:45"
        assert "schon Halt 1" in h.by_id("cand-westentor").subtitle.value  # marked in the list
        await h.type(h.by_id("route-search"), "Südstraße")
        await h.click(h.by_id("cand-suedstrasse"))
        assert toasts(h)[-1] == "Halt 2 hinzugefügt: Südstraße (Kneipenmeile), 22:45–23:30"
        assert h.by_id("window-1").content == "22:00–22:45"
        assert h.by_id("window-2").content == "22:45–23:30"
        await h.click(h.by_id("window-2"))
        await h.until(lambda: h.has_id("window-from"))
        await h.type(h.by_id("window-from"), "23:30")
        await h.type(h.by_id("window-to"), "0:15")
        await h.click(h.by_id("window-ok"))
        await h.until(lambda: not h.has_id("window-from"))
        assert h.by_id("window-2").content == "23:30–00:15"
        await h.type(h.by_id("route-start"), "21:00")  # the times move; the windows stay
        assert h.by_id("window-2").content == "22:30–23:15"
        await h.type(h.by_id("route-start"), "22:00")
        await h.click(h.by_id("save-route"))
        await h.until(lambda: h.has_id("new-route"))
        office = app.device.office()
        try:
            saved = next(r for r in office.routes() if r.name == "Nachtrunde")
        finally:
            office.close()
        assert [(s.place_id, s.start_min, s.end_min) for s in saved.stops] == [
            ("westentor", 0, 45), ("suedstrasse", 90, 135)]
        await h.until(lambda: h.text_shown("Halte: 2 · 22:00–00:15"))  # the list shows clock times
        assert routes.route_start(app, saved.id) == time(22)
    finally:
        h.close()


@pytest.mark.anyio
async def test_a_place_with_complaints_and_few_checks_joins_the_route_in_one_tap(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "schichtleitung")
    try:
        office = app.device.office()
        try:
            gaps = office.complaint_gaps()
        finally:
            office.close()
        assert gaps.places, "the demo's complaints make places stand out"
        first = gaps.places[0]
        app.show_main(2)
        await h.until(lambda: loaded(h) and h.has_id("new-route"))
        await h.click(h.by_id("new-route"))
        await h.until(lambda: h.has_id(f"gap-{first.place_id}"))
        shown = [c.identifier for c in h.walk() if getattr(c, "identifier", "").startswith("gap-")]
        assert shown == [f"gap-{g.place_id}" for g in gaps.places]  # the server's order
        assert h.text_shown(f"{first.complaints} Beschwerden · {first.checks} Kontrollen")
        await h.click(h.by_id(f"gap-{first.place_id}"))
        await h.until(lambda: h.has_id("rstop-1"))
        assert h.text_shown(f"1. {first.name}") and h.text_shown("schon in der Route")
        assert h.by_id(f"gap-{first.place_id}").disabled  # a second tap adds nothing
        await h.click(h.by_id(f"gap-{first.place_id}"))
        assert not h.has_id("rstop-2")
    finally:
        h.close()


def test_a_picked_day_is_the_day_tapped_whatever_the_zone():
    from patrol_app.ui.views.pickers import picked_day

    berlin_midnight = datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc)  # 01.12. 00:00 CET
    assert picked_day(berlin_midnight) == date(2026, 12, 1)
    assert picked_day(datetime(2026, 12, 1, 0, 0)) == date(2026, 12, 1)  # naive local
    assert picked_day(date(2026, 12, 1)) == date(2026, 12, 1)


@pytest.mark.anyio
async def test_the_assign_dialog_fits_a_long_route_and_lists_every_stop(demo_server, tmp_path):
    """Ten stops of an hour: the shift proposed lasts as long as the route (not eight hours
    with "the route ends after the shift" at once), and the preview lists all ten (it stopped
    after six with "…", hiding the ones that did not fit)."""
    h, app = await open_app(demo_server, tmp_path, "schichtleitung")
    try:
        places = [p for p in app.device.store.places()][:10]
        office = app.device.office()
        try:
            office.save_route(wire.RouteTemplate("route-lang", "Lange Runde", [
                wire.TemplateStop(p.id, 60 * i, 60 * i + 50) for i, p in enumerate(places)]))
        finally:
            office.close()
        app.show_main(2)  # Routes
        await h.until(lambda: loaded(h) and h.has_id("assign-route-lang"))
        await h.click(h.by_id("assign-route-lang"))
        await h.until(lambda: h.has_id("assign-day"))
        assert h.by_id("assign-start").value == "14:00" and h.by_id("assign-end").value == "00:00"
        preview = [line.value for line in h.by_id("assign-preview").controls]
        assert [line.split(" ")[0] for line in preview[1:]] == [f"{i}." for i in range(1, 11)]
        assert preview[-1].endswith(places[-1].name) and not h.text_shown("nach dem Schichtende")
    finally:
        h.close()
