"""The admin's imports in the app (Orte tab): a complaint export from the city's system, read
by the real server, answered row by row on the screen -- and no text or name of a complaint on
it. Places are imported the same way on the same screen."""

from __future__ import annotations

import pytest

from patrol_app.ui.views.places_admin import PlacesAdminView
from tests.unit.test_views_headless import demo_server, loaded, open_app  # noqa: F401 (a fixture)


@pytest.fixture
def anyio_backend():
    return "asyncio"


class FilePicker:
    """The admin picks this one file (the platform's file dialog, nothing of ours)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.file = (name, data)

    async def pick_any(self, extensions: list[str]) -> list[tuple[str, bytes]]:
        assert self.file[0].rsplit(".", 1)[-1] in extensions
        return [self.file]


EXPORT = (  # as the city's system writes it: semicolons, Windows-1252, German dates and words
    "Vorgangsnummer;Eingang;Breite;Länge;Kategorie;Beschreibung;Name des Meldenden\r\n"
    "HX-1;02.11.2026 22:15;51,68071;7,81052;Lärm;Musik bis spät;Erika Mustermann\r\n"
    "HX-2;03.11.2026 23:40;51,6806;7,8104;Drogen;Spritzen im Gebüsch;Max Muster\r\n"
    "HX-3;04.11.2026 01:05;51,68;7,81;Ufo;;\r\n").encode("cp1252")


@pytest.mark.anyio
async def test_the_admin_imports_a_complaint_export_and_sees_each_row(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "admin")
    try:
        app.show_sub(PlacesAdminView(app))
        await h.until(lambda: h.has_id("import-complaints") and loaded(h))
        app.picker = FilePicker("beschwerden.csv", EXPORT)
        await h.click(h.by_id("import-complaints"))
        await h.until(lambda: h.text_shown("Übernommen: 2 · schon vorhanden: 0 · abgelehnt: 1"))
        assert h.text_shown("Nicht übernommen (Datenschutz): Beschreibung, Name des Meldenden")
        assert any(t.startswith("Zeile 4: ") and "Ufo" in t for t in h.texts()), h.texts()
        assert not any("Mustermann" in t or "Spritzen" in t for t in h.texts())
        await h.click(h.by_id("import-complaints"))  # the same file again counts nothing twice
        await h.until(lambda: h.text_shown("Übernommen: 0 · schon vorhanden: 2 · abgelehnt: 1"))
    finally:
        h.close()


@pytest.mark.anyio
async def test_the_admin_imports_places_and_sees_the_rejected_rows(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "admin")
    try:
        app.show_sub(PlacesAdminView(app))
        await h.until(lambda: h.has_id("import-places") and loaded(h))
        app.picker = FilePicker("orte.csv", (
            "id,name,type,lat,lon,radius_m,district_id,category,address\n"
            "spielplatz-neu,Spielplatz Neu,playground,51.675,7.82,40,,,\n"
            "kaputt,Kaputt,spaceship,51.675,7.82,40,,,\n").encode())
        await h.click(h.by_id("import-places"))
        await h.until(lambda: h.text_shown("Übernommen: 1 · abgelehnt: 1"))
        assert any(t.startswith("Zeile 3: ") for t in h.texts()), h.texts()
        await h.until(lambda: app.device.store.place("spielplatz-neu") is not None)
    finally:
        h.close()
