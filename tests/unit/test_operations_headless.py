"""The shift lead's "Einsätze" in a real Flet session without a browser, against the seeded demo
server in-process: the planning form (what is missing is said, German date and clock times, a
night across midnight, agencies, teams, a place picked by search, a polygon typed as corners),
the detail with the live feed and the summary, and the briefing card on a participating
officer's Today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

import patrol_wire as wire
from patrol_app.ui.views import operations as views
from tests.unit.test_views_headless import PW, demo_server, loaded, open_app  # noqa: F401
from tests.unit.test_views_headless import anyio_backend  # noqa: F401

OPERATIONS_TAB = 3  # progress, teams, routes, operations


def ids(h) -> list[str]:
    import flet as ft

    return [c.identifier for c in h.walk() if isinstance(c, ft.Semantics) and c.identifier]


def server_ops(app) -> dict[str, dict]:
    office = app.device.office()
    try:
        return {o["name"]: o for o in office.operations()}
    finally:
        office.close()


@pytest.mark.anyio
async def test_the_lead_plans_a_night_operation_in_the_form(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "einsatzleitung")
    try:
        app.show_main(OPERATIONS_TAB)
        await h.until(lambda: loaded(h) and h.has_id("new-operation"))
        assert h.has_id("operation-op-demo-suedstrasse") and h.has_id("operation-op-demo-weihnachtsmarkt")
        assert h.text_shown("läuft") and h.text_shown("beendet")
        await h.click(h.by_id("new-operation"))
        await h.until(lambda: h.has_id("op-name"))
        await h.click(h.by_id("save-operation"))
        assert h.text_shown("Bitte einen Namen angeben.")
        day = date.today() + timedelta(days=2)
        await h.type(h.by_id("op-name"), "Nachtstreife Bahnhof")
        await h.type(h.by_id("op-day"), day.strftime("%d.%m.%Y"))
        await h.type(h.by_id("op-start"), "25:00")
        await h.type(h.by_id("op-end"), "2")
        await h.click(h.by_id("save-operation"))
        assert h.by_id("op-start").error == "Bitte eine Uhrzeit wie 14:30 eingeben."
        assert h.text_shown("Bitte die markierten Felder prüfen.")
        await h.type(h.by_id("op-start"), "22:00")
        await h.click(h.by_id("save-operation"))
        assert h.text_shown("Bitte mindestens eine Behörde wählen.")
        for code in ("police", "federal_police", "kod"):
            await h.type(h.by_id(f"op-agency-{code}"), True)
        await h.click(h.by_id("save-operation"))
        assert h.text_shown("Bitte mindestens eine Streife wählen.")
        await h.type(h.by_id("op-team-team-markt-bpol"), True)
        await h.type(h.by_id("op-team-team-mitte-1"), True)
        await h.type(h.by_id("op-place-search"), "Bahnhof")
        await h.until(lambda: h.has_id("op-place-drug-bahnhof"))
        await h.click(h.by_id("op-place-drug-bahnhof"))
        assert h.has_id("op-picked-drug-bahnhof") and not h.has_id("op-place-drug-bahnhof")
        await h.type(h.by_id("op-polygon"), "51.678, 7.806\n51.679, 7.807")  # two corners
        await h.click(h.by_id("save-operation"))
        assert h.by_id("op-polygon").error.startswith("Die Fläche ist nicht lesbar")
        await h.type(h.by_id("op-polygon"), "51.6775, 7.8065\n51.6795; 7,8065\n51.6795 7.8095\n")
        await h.type(h.by_id("op-briefing"), "Treffpunkt 21:45 Uhr Bahnhofsvorplatz.")
        await h.click(h.by_id("save-operation"))
        await h.until(lambda: h.has_id("operation-feed"))  # the new operation's detail
        op = server_ops(app)["Nachtstreife Bahnhof"]
        assert op["starts_at"] == wire.format_timestamp(datetime.combine(day, time(22)).astimezone())
        assert op["ends_at"] == wire.format_timestamp(
            datetime.combine(day + timedelta(days=1), time(2)).astimezone())
        assert op["agencies"] == ["federal_police", "kod", "police"]
        assert sorted(op["team_ids"]) == ["team-markt-bpol", "team-mitte-1"]
        assert op["place_ids"] == ["drug-bahnhof"]
        assert op["polygon"] == [[51.6775, 7.8065], [51.6795, 7.8065], [51.6795, 7.8095]]
        assert op["briefing"] == "Treffpunkt 21:45 Uhr Bahnhofsvorplatz." and op["status"] == "planned"
        await h.until(lambda: h.text_shown("Noch keine Meldung der beteiligten Streifen."))
    finally:
        h.close()


def drawn(h) -> list[list[float]]:
    """The corners of the polygon on the form's map ([] while there is none)."""
    import flet_map as fm

    layers = [layer for layer in h.by_id("op-area-map").layers if isinstance(layer, fm.PolygonLayer)]
    if not layers:
        return []
    (polygon,) = layers[0].polygons
    return [[c.latitude, c.longitude] for c in polygon.coordinates]


async def new_operation_form(h, app) -> None:
    """From the operations tab, the empty planning form."""
    app.show_main(OPERATIONS_TAB)
    await h.until(lambda: loaded(h) and h.has_id("new-operation"))
    await h.click(h.by_id("new-operation"))


async def tap_map(h, lat: float, lon: float) -> None:
    """A tap on the form's map, as flet-map reports it (the tapped point's coordinates)."""
    await h.session.dispatch_event(h.by_id("op-area-map")._i, "tap", {
        "coordinates": {"latitude": lat, "longitude": lon}})
    await h.settle()


@pytest.mark.anyio
async def test_the_lead_draws_the_area_on_the_map(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "einsatzleitung")
    try:
        await new_operation_form(h, app)
        await h.until(lambda: h.has_id("op-area-map"))
        assert h.by_id("op-area-count").value == "Noch keine Ecke" and drawn(h) == []
        for lat, lon in ((51.6775, 7.8065), (51.6795, 7.8065), (51.6795, 7.8095), (51.6770, 7.8100)):
            await tap_map(h, lat, lon)
            if len(drawn(h)) == 0:
                assert "bis zur Fläche" in h.by_id("op-area-count").value
        assert h.by_id("op-area-count").value == "4 Ecken"
        assert drawn(h)[-1] == [51.677, 7.81]
        await h.click(h.by_id("op-area-undo"))  # the fourth tap was one too many
        assert h.by_id("op-area-count").value == "3 Ecken"
        assert h.by_id("op-polygon").value == "51.67750, 7.80650\n51.67950, 7.80650\n51.67950, 7.80950"
        # a typed corner moves the drawing; a half-typed line leaves it as it was
        await h.type(h.by_id("op-polygon"), "51.6775, 7.8065\n51.6795, 7.8065\n51.6800, 7.8100")
        assert drawn(h)[-1] == [51.68, 7.81]
        await h.type(h.by_id("op-polygon"), "51.6775, 7.8065\n51.6795, 7.8065\n51.68")
        assert drawn(h)[-1] == [51.68, 7.81]
        await h.type(h.by_id("op-polygon"), "51.6775, 7.8065\n51.6795, 7.8065\n51.6800, 7.8100")
        await h.type(h.by_id("op-name"), "Fläche Bahnhof")
        # in three days: the form's default (today 18:00) would put it on the Today of the
        # officers of team-mitte-1, which the briefing test below expects to show none
        await h.type(h.by_id("op-day"), (date.today() + timedelta(days=3)).strftime("%d.%m.%Y"))
        await h.type(h.by_id("op-agency-police"), True)
        await h.type(h.by_id("op-team-team-mitte-1"), True)
        await h.click(h.by_id("save-operation"))
        await h.until(lambda: h.has_id("operation-feed"))
        await h.until(lambda: h.has_id("operation-area-map"))  # the detail shows the area
        assert server_ops(app)["Fläche Bahnhof"]["polygon"] == [
            [51.6775, 7.8065], [51.6795, 7.8065], [51.68, 7.81]]
        await new_operation_form(h, app)
        await h.until(lambda: h.has_id("op-area-clear"))
        await tap_map(h, 51.68, 7.81)
        await h.click(h.by_id("op-area-clear"))
        assert h.by_id("op-polygon").value == "" and h.by_id("op-area-count").value == "Noch keine Ecke"
    finally:
        h.close()


@pytest.mark.anyio
async def test_an_edit_keeps_what_was_planned(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "einsatzleitung")
    try:
        before = server_ops(app)["Weihnachtsmarkt – Abendeinsatz"]
        office = app.device.office()
        try:
            teams = office.teams()
        finally:
            office.close()
        app.show_sub(views.OperationEditor(app, before, teams))
        await h.until(lambda: h.has_id("op-name"))
        assert h.has_id("op-picked-event-weihnachtsmarkt") and h.by_id("op-agency-federal_police").value
        await h.type(h.by_id("op-name"), "Weihnachtsmarkt – Abendeinsatz (nachgetragen)")
        await h.click(h.by_id("save-operation"))
        await h.until(lambda: h.has_id("operation-feed"))
        after = server_ops(app)["Weihnachtsmarkt – Abendeinsatz (nachgetragen)"]
        for key in ("starts_at", "ends_at", "agencies", "team_ids", "place_ids", "polygon", "briefing"):
            assert after[key] == before[key], key
        assert after["version"] == before["version"] + 1
        # put the name back for the other tests of this module
        office = app.device.office()
        try:
            req = wire.OperationRequest(before["name"], before["starts_at"], before["ends_at"],
                                        before["agencies"], before["team_ids"], before["place_ids"],
                                        before["polygon"], before["briefing"])
            office.save_operation(before["id"], req)
        finally:
            office.close()
    finally:
        h.close()


@pytest.mark.anyio
async def test_the_detail_shows_the_feed_live_and_the_summary_after_the_end(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "einsatzleitung")
    try:
        detail = views.OperationDetail(app, "op-demo-suedstrasse")
        app.show_sub(detail)
        await h.until(lambda: any(i.startswith("feed-") for i in ids(h)))
        shown = {i for i in ids(h) if i.startswith("feed-")}
        assert not h.has_id("operation-pdf")  # running: no summary yet
        # a report of a participating team arrives: the next poll puts it on top
        zoll = app.device.__class__(tmp_path / "zoll2", "http://testserver",
                                    transport=demo_server._transport)
        zoll.login("zoll2", PW)
        zoll.sync()
        place = zoll.store.place("suedstrasse")
        body = {"id": str(__import__("uuid6").uuid7()),
                "observed_at": wire.format_timestamp(datetime.now().astimezone() - timedelta(minutes=1)),
                "severity": "low", "visibility": "cooperation", "team_id": "team-suedstrasse-zoll",
                "presence": {"verdict": "on_site", "distance_m": 3.0}, "place_id": place.id,
                "fix": {"lat": place.lat, "lon": place.lon, "accuracy_m": 5.0,
                        "fixed_at": wire.format_timestamp(datetime.now().astimezone()), "source": "gps"},
                "findings": ["youth_protection"], "measures": ["talk"]}
        client = zoll.office()
        try:
            client._send("PUT", f"/reports/{body['id']}", wire.decode(wire.Report, body))
        finally:
            client.close()
        await h.until(lambda: h.has_id(f"feed-{body['id']}"), timeout=views.POLL_S * 3)
        assert h.by_id("operation-feed").controls[0].identifier == f"feed-{body['id']}"
        assert shown < {i for i in ids(h) if i.startswith("feed-")}
        app.show_main(OPERATIONS_TAB)
        assert not detail._alive()  # leaving the screen stops the polling

        ended = views.OperationDetail(app, "op-demo-weihnachtsmarkt")
        app.show_sub(ended)
        await h.until(lambda: h.has_id("operation-pdf"))
        assert h.text_shown("Ergebnis") and h.text_shown("Nach Behörde") and h.text_shown("Nach Ort")
        assert h.text_shown("Bundespolizei") or h.text_shown("Bundespolizeiinspektion")
    finally:
        h.close()


@pytest.mark.anyio
async def test_officers_of_a_participating_team_see_the_briefing_on_today(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "zoll2")
    try:
        await h.until(lambda: h.has_id("today-operation"))
        assert h.text_shown("Einsatz: Nachtstreife Südstraße")
        assert h.text_shown("Verbundkontrolle der Kneipenmeile")
    finally:
        h.close()
    h, app = await open_app(demo_server, tmp_path, "polizei")  # his operation ended yesterday
    try:
        await h.settle()
        assert not h.has_id("today-operation")
    finally:
        h.close()
