"""The supervisor's two most frequent screen changes, in a real Flet session against the real
server in-process: a report's words and map come before its photos (still on their way), the queue's first screen goes out before the rest of it, and a report the supervisor
acted on is never shown in its old state."""

from __future__ import annotations

import threading

import pytest

from patrol_app.core.checks import CheckDraft
from patrol_app.core.device import Device
from patrol_app.core.photos import process_photo
from patrol_app.ui.views.report_detail import ReportDetailView
from patrol_app.ui.views.review import ReviewView
from tests.conftest import jpeg_bytes
from tests.unit.test_views_field_ux import visible_rings
from tests.unit.test_views_headless import PW, anyio_backend, demo_server, loaded, open_app  # noqa: F401


def officer_sends(demo_server, tmp_path, *, photos: int = 0, note: str = ""):
    officer = Device(tmp_path / f"pol-{note or photos}", "http://testserver",
                     transport=demo_server._transport)
    officer.login("polizei", PW)
    officer.sync()
    draft = CheckDraft(place=officer.store.place("westentor"), no_fix_reason="GPS gestört", note=note)
    for i in range(photos):
        draft.add_photo(process_photo(jpeg_bytes(colour=(40 * i, 90, 200))))
    report = officer.save_check(draft)
    officer.sync()
    return report


def review_tab(app) -> int:
    return next(i for i, tab in enumerate(app.tabs) if tab.view is ReviewView)


@pytest.mark.anyio
async def test_a_reports_words_and_map_come_before_its_photos(demo_server, tmp_path, monkeypatch):
    report = officer_sends(demo_server, tmp_path, photos=2)
    h, app = await open_app(demo_server, tmp_path, "lagebild")
    arrive = threading.Event()  # the photos' downloads end when the test says
    real = ReportDetailView._fetch_photos

    def slow(self, office, shas):
        assert arrive.wait(10)
        return real(self, office, shas)

    monkeypatch.setattr(ReportDetailView, "_fetch_photos", slow)
    try:
        app.show_sub(ReportDetailView(app, report.id))
        await h.until(lambda: h.has_id("detail-state") and h.has_id("report-map"))
        assert h.has_id("review-start") and h.text_shown("Westentor (Platz)")  # the words, the map
        assert not h.has_id("photo-1") and len(visible_rings(h)) == 2  # where each photo will be
        arrive.set()
        await h.until(lambda: h.has_id("photo-2"))
        assert h.has_id("photo-1") and not visible_rings(h)
    finally:
        arrive.set()
        h.close()


@pytest.mark.anyio
async def test_the_queue_sends_a_phones_screen_first_and_the_rest_after(demo_server, tmp_path):
    for i in range(12):
        officer_sends(demo_server, tmp_path, note=f"Bericht {i}")
    h, app = await open_app(demo_server, tmp_path, "lagebild")
    sent: list[int] = []  # cards on the page at each update the queue sends

    def cards() -> list:
        return [c for c in h.walk() if str(getattr(c, "identifier", "") or "").startswith("review-")]

    real_update = app.update

    def update() -> None:
        sent.append(len(cards()))
        real_update()

    app.update = update
    try:
        app.show_main(review_tab(app))
        await h.until(lambda: len(cards()) >= 12)
        first = cards()[0]
        with_cards = [n for n in sent if n]
        assert 0 < with_cards[0] < ReviewView.first_screen < with_cards[-1]  # a screen, then all
        await h.settle()
        assert cards()[0] is first  # the first screen's cards stay: a tap on them holds
    finally:
        h.close()


@pytest.mark.anyio
async def test_a_report_the_supervisor_acted_on_is_not_shown_as_it_was(demo_server, tmp_path):
    report = officer_sends(demo_server, tmp_path, note="geprüft")
    h, app = await open_app(demo_server, tmp_path, "lagebild")
    try:
        app.show_main(review_tab(app))  # the default queue: "eingegangen"
        await h.until(lambda: loaded(h) and h.has_id(f"review-{report.id}"))
        app.show_sub(ReportDetailView(app, report.id))
        await h.until(lambda: h.has_id("review-start"))
        await h.click(h.by_id("review-start"))  # no longer "eingegangen"
        await h.until(lambda: h.has_id("review-approve"))
        app.show_main()
        assert not h.has_id(f"review-{report.id}")  # not for a moment in the old state
        await h.until(lambda: loaded(h))
        assert not h.has_id(f"review-{report.id}")
    finally:
        h.close()


@pytest.mark.anyio
async def test_the_way_back_from_a_report_stays_in_view_when_its_end_is_read(demo_server, tmp_path):
    import flet as ft

    report = officer_sends(demo_server, tmp_path, note="lang")
    h, app = await open_app(demo_server, tmp_path, "lagebild")
    try:
        view = ReportDetailView(app, report.id)
        app.show_sub(view)
        await h.until(lambda: h.has_id("review-start"))

        def inside(c) -> list:
            out = [c]
            for name in ("content", "controls"):
                v = getattr(c, name, None)
                for child in v if isinstance(v, list) else [v] if v is not None else []:
                    if isinstance(child, ft.BaseControl):
                        out += inside(child)
            return out

        scrolled = inside(view.body)  # what scrolls: the report, its map, the review steps
        assert view.body.scroll is not None
        assert h.by_id("review-start") in scrolled and h.by_id("detail-back") not in scrolled
        await h.click(h.by_id("review-start"))
        await h.until(lambda: h.has_id("review-approve"))
        assert h.by_id("detail-back") not in inside(view.body)  # after a step's reload too
    finally:
        h.close()
