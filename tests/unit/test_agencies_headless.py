"""The admin's agency screen and the agency names on other screens, in a real Flet session
against the real demo server (no browser): the admin adds an agency, a bad code is named in
words, renames and deactivates one; user creation offers only active agencies; officers see
their team mates' agencies by name in the language chosen, also offline."""

from __future__ import annotations

import pytest

from patrol_app.core.store import LocalStore
from patrol_app.ui.app import TABS_BY_ROLE
from patrol_app.ui.views.agencies_admin import AgenciesAdminView
from patrol_app.ui.views.users import UsersView
from tests.unit.test_views_headless import PW, demo_server, loaded, login_screen, open_app  # noqa: F401
from tests.unit.test_views_headless import anyio_backend  # noqa: F401


def tab_of(app, view_cls) -> int:
    return next(i for i, tab in enumerate(TABS_BY_ROLE[app.device.user.role])
                if tab.view is view_cls)


def server_agencies(app) -> dict[str, dict]:
    office = app.device.office()
    try:
        return {a["code"]: a for a in office.agencies()}
    finally:
        office.close()


@pytest.mark.anyio
async def test_admin_adds_renames_and_deactivates_an_agency(demo_server, tmp_path):
    h, app = await open_app(demo_server, tmp_path, "admin")
    try:
        app.show_main(tab_of(app, AgenciesAdminView))
        await h.until(lambda: loaded(h) and h.has_id("new-agency"))
        assert h.text_shown("Hauptzollamt Dortmund") and h.text_shown("Jugendamt der Stadt Hamm")
        # a new agency; first with a code the server would refuse: named under its field
        await h.click(h.by_id("new-agency"))
        await h.until(lambda: h.has_id("agency-code"))
        await h.type(h.by_id("agency-code"), "Finanzamt Hamm")
        await h.type(h.by_id("agency-name-de"), "Finanzamt Hamm")
        await h.type(h.by_id("agency-name-en"), "Hamm tax office")
        await h.click(h.by_id("save-agency"))
        assert h.text_shown("Bitte prüfen: Kürzel")
        assert h.by_id("agency-code").error == "Bitte prüfen: Kürzel"
        await h.type(h.by_id("agency-code"), "finanzamt_hamm")
        await h.click(h.by_id("save-agency"))
        await h.until(lambda: h.has_id("agency-finanzamt_hamm"))
        new = server_agencies(app)["finanzamt_hamm"]
        assert (new["name_de"], new["name_en"], new["kind"], new["active"]) == (
            "Finanzamt Hamm", "Hamm tax office", "partner", True)
        assert "finanzamt_hamm" in app.device.store.agencies()  # the device pulled it at once
        # the same code again: the server's code in words
        await h.click(h.by_id("new-agency"))
        await h.until(lambda: h.has_id("agency-code"))
        for ident, value in (("agency-code", "finanzamt_hamm"), ("agency-name-de", "Anders"),
                             ("agency-name-en", "Other")):
            await h.type(h.by_id(ident), value)
        await h.click(h.by_id("save-agency"))
        await h.until(lambda: h.text_shown("Eine Behörde mit diesem Kürzel gibt es schon."))
        # rename and change the kind
        await h.click(h.by_id("edit-agency-finanzamt_hamm"))
        await h.until(lambda: h.has_id("agency-name-de"))
        assert h.by_id("agency-code").disabled  # the code is for good
        await h.type(h.by_id("agency-name-de"), "Finanzamt Hamm (Steuerfahndung)")
        await h.type(h.by_id("agency-kind"), "municipal")
        await h.click(h.by_id("save-agency"))
        await h.until(lambda: h.text_shown("Finanzamt Hamm (Steuerfahndung)"))
        assert server_agencies(app)["finanzamt_hamm"]["kind"] == "municipal"
        # deactivate: shown as such, offered for no new user, back with one tap
        await h.click(h.by_id("toggle-agency-finanzamt_hamm"))
        await h.until(lambda: h.text_shown("deaktiviert"))
        assert server_agencies(app)["finanzamt_hamm"]["active"] is False
        app.show_main(tab_of(app, UsersView))
        await h.until(lambda: loaded(h) and h.has_id("new-user"))
        await h.click(h.by_id("new-user"))
        await h.until(lambda: h.has_id("user-agency"))
        offered = {o.key for o in h.by_id("user-agency").options}
        assert "customs" in offered and "youth_office" in offered
        assert "finanzamt_hamm" not in offered
        app.pop_dialog()
        app.show_main(tab_of(app, AgenciesAdminView))
        await h.until(lambda: loaded(h) and h.has_id("toggle-agency-finanzamt_hamm"))
        await h.click(h.by_id("toggle-agency-finanzamt_hamm"))
        await h.until(lambda: server_agencies(app)["finanzamt_hamm"]["active"] is True)
    finally:
        h.close()


@pytest.mark.anyio
async def test_officers_see_their_team_mates_agencies_by_name(demo_server, tmp_path):
    """The youth office's officer: the team mate from customs by the agency's name, the team
    mixed though it has neither police nor KOD; English names after a switch; offline too."""
    h, app = await open_app(demo_server, tmp_path, "jugendamt")
    try:
        app.show_main(0)
        await h.until(lambda: h.text_shown("Verbundkontrolle Südstraße"))
        assert h.text_shown("ZOI Peter Krüger · Hauptzollamt Dortmund")
        assert h.text_shown("Katrin Neumann · Jugendamt der Stadt Hamm")
        assert not h.text_shown("nicht gemischt")
        app.set_language("en")
        app.show_main(0)  # as the language button does
        await h.until(lambda: h.text_shown("ZOI Peter Krüger · Main customs office Dortmund"))
        # the names live in the device's store: the app started again without a server has them
        again = LocalStore(tmp_path / "jugendamt")
        try:
            assert again.agencies()["customs"].name_de == "Hauptzollamt Dortmund"
        finally:
            again.close()
    finally:
        h.close()


@pytest.mark.anyio
async def test_a_supervisor_logging_in_on_a_fresh_device_sees_agency_names_at_once(demo_server, tmp_path):
    """The first screen after the first login is an online one (the review queue), which does
    not redraw for a pull: the city's data comes first, under the login spinner."""
    from patrol_app.core.device import Device

    device = Device(tmp_path / "fresh-sup", "http://testserver", transport=demo_server._transport)
    h, app, fields = await login_screen(device)
    try:
        await h.type(fields["Benutzername"], "lagebild")
        await h.type(fields["Passwort"], PW)
        await h.click(h.by_id("login-submit"))
        await h.until(lambda: loaded(h) and any(i.startswith("review-") for i in ids(h)))
        lines = [t for t in h.texts() if " · " in t and ":" in t]
        agencies = device.store.agencies()
        assert agencies, "the first sync pulled the agencies"
        assert any(t.endswith(f"· {a.name_de}") for t in lines for a in agencies.values()), lines
        assert not any(t.endswith(f"· {code}") for t in lines for code in agencies), lines
    finally:
        h.close()


def ids(h) -> list[str]:
    import flet as ft

    return [c.identifier for c in h.walk() if isinstance(c, ft.Semantics) and c.identifier]
