"""Views depend on ``ViewContext`` only (patrol_app/ui/context.py), not on the app shell: every
``ctx.<name>`` a view uses is declared there, no view imports the shell, the shell offers every
declared member, and a screen can be built and used on a context of the test's own around a
real device."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import patrol_wire as wire
from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.ui import context
from patrol_app.ui.i18n import Translator
from patrol_app.ui.views import history, my_report, outbox

VIEWS = Path(context.__file__).parent / "views"
PLACE = wire.Place("pg-1", "Spielplatz Am Teich", wire.PlaceType.PLAYGROUND, 51.68, 7.82, 40.0)
FIX = wire.GpsFix(51.68, 7.82, 6.0, "2026-12-02T10:00:00Z")


def declared() -> set[str]:
    tree = ast.parse(Path(context.__file__).read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ViewContext")
    names = set()
    for node in cls.body:
        if isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
    return names


def used_by(path: Path) -> set[str]:
    """Names read from ``ctx`` or ``self.ctx`` (or ``view.ctx``) in one view module."""
    used = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Attribute):
            continue
        base = node.value
        if isinstance(base, ast.Name) and base.id == "ctx":
            used.add(node.attr)
        elif isinstance(base, ast.Attribute) and base.attr == "ctx":
            used.add(node.attr)
    return used


def test_views_use_only_what_the_context_declares():
    allowed = declared()
    for path in sorted(VIEWS.glob("*.py")):
        extra = used_by(path) - allowed
        assert not extra, f"{path.name} uses ctx.{sorted(extra)}: declare it in ViewContext or do without"


def test_no_view_reaches_for_the_shell():
    for path in sorted(VIEWS.glob("*.py")):
        text = path.read_text()
        assert "PatrolApp" not in text and "from ..app import" not in text, path.name
        assert "self.app." not in text, path.name


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_the_shell_offers_everything_the_context_declares(tmp_path):
    from patrol_app.ui.app import PatrolApp
    from tests.support.flet_session import Harness

    app = PatrolApp(Harness().page, Device(tmp_path / "phone", "http://127.0.0.1:9"))
    missing = [name for name in declared() if not hasattr(app, name)]
    assert not missing, missing


@dataclass
class ScreenContext:
    """A context of this test's own: a real device, German words, navigation written down."""

    device: Device
    t: Translator = field(default_factory=lambda: Translator("de"))
    fix: Any = None
    sync_status: str = ""
    view_state: dict = field(default_factory=dict)
    shown: list = field(default_factory=list)
    redraws: int = 0

    @property
    def store(self):
        return self.device.store

    @property
    def progress(self):
        import flet as ft

        return ft.Text("")

    def update(self) -> None:
        self.redraws += 1

    def colour(self, value: str) -> str:
        return value

    def show_sub(self, view) -> None:
        self.shown.append(view)

    def show_main(self, tab=None) -> None:
        self.shown.append(("main", tab))

    def run_task(self, handler, *args):
        self.shown.append(("task", handler.__name__))

    async def sync_now(self, _=None):
        self.shown.append("sync")

    def resend(self, report_id: str) -> None:
        self.shown.append(("resend", report_id))

    def show_correction(self, report_id: str) -> None:
        self.shown.append(("correct", report_id))


def saved_report(tmp_path) -> Device:
    device = Device(tmp_path / "phone", "http://127.0.0.1:9")
    user = wire.UserInfo("polizei", "Paula Polizei", wire.Role.OFFICER, "police", [])
    device.store.set_meta("user", wire.canonical_json(user).decode())
    device.store.db.execute("INSERT INTO ref_data (kind, id, body) VALUES ('place', ?, ?)",
                            [PLACE.id, wire.canonical_json(PLACE).decode()])
    device.save_check(CheckDraft(place=PLACE, fix=FIX, note="Müll am Tor",
                                 findings={wire.Finding.LITTER}))
    return device


def texts(control) -> list[str]:
    """Every text in a control tree (value, label, title), depth first."""
    out = []
    seen = set()

    def walk(c):
        if c is None or id(c) in seen:
            return
        seen.add(id(c))
        for attr in ("value", "text", "label"):
            v = getattr(c, attr, None)
            if isinstance(v, str):
                out.append(v)
        for attr in ("content", "title", "subtitle", "leading", "trailing"):
            walk(getattr(c, attr, None))
        for child in getattr(c, "controls", None) or []:
            walk(child)

    walk(control)
    return out


def test_history_lists_a_saved_report_and_opens_it_on_a_context_of_its_own(tmp_path):
    ctx = ScreenContext(saved_report(tmp_path))
    view = history.HistoryView(ctx)
    page = view.build()
    assert any("Spielplatz Am Teich" in s for s in texts(page))
    entry = next(c for c in view.list.controls if getattr(c, "content", None) is not None)
    tile = entry.content
    tile.on_click(None)
    assert isinstance(ctx.shown[-1], my_report.ReportView)
    detail = ctx.shown[-1].build()
    assert any("Müll am Tor" in s for s in texts(detail))


def test_history_filters_stay_when_a_sync_redraws_the_tab(tmp_path):
    """A sync that sent a report redraws History (its states changed): the day, state and
    place search the officer set are still set, and still filter."""
    ctx = ScreenContext(saved_report(tmp_path))
    view = history.HistoryView(ctx)
    view.build()
    view.place.value = "Rathaus"  # what the officer typed: no report there
    view._changed()
    assert not any(getattr(c, "identifier", "").startswith("history-") for c in view.list.controls)
    again = history.HistoryView(ctx)  # the redraw
    again.build()
    assert again.place.value == "Rathaus"
    assert not any(getattr(c, "identifier", "").startswith("history-") for c in again.list.controls)
    again.place.value, again.state.value = "", "pending"
    again._changed()
    third = history.HistoryView(ctx)
    third.build()
    assert third.state.value == "pending" and third.place.value == ""
    assert any(getattr(c, "identifier", "").startswith("history-") for c in third.list.controls)


def test_outbox_shows_the_waiting_report_on_a_context_of_its_own(tmp_path):
    ctx = ScreenContext(saved_report(tmp_path))
    page = outbox.OutboxView(ctx).build()
    words = " ".join(texts(page))
    assert "Spielplatz Am Teich" in words
    assert ctx.t("state_pending") in words


def test_history_shows_every_report_page_by_page(tmp_path):
    """An officer with months of reports reaches the oldest: pages of 40, a button for more
    (the list stopped at 200 before, silently)."""
    device = saved_report(tmp_path)
    for i in range(94):
        device.save_check(CheckDraft(place=PLACE, fix=FIX, note=f"n{i}"))
    ctx = ScreenContext(device)
    view = history.HistoryView(ctx)
    view.build()

    def entries():
        return [c.identifier for c in view.list.controls if c.identifier != "history-more"]

    assert len(entries()) == history.PAGE and view.list.controls[-1].identifier == "history-more"
    while view.list.controls[-1].identifier == "history-more":
        view.list.controls[-1].content.on_click(None)
    shown = entries()
    assert len(shown) == 95 == len(set(shown))
    newest_first = [body["id"] for body, _ in device.store.history(limit=1000)]
    assert shown == [f"history-{rid}" for rid in newest_first]
