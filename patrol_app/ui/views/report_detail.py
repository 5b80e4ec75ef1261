"""Supervisor: one report -- photos, checklist answers, device and server presence, map, questions,
amendments, the audit trail -- and the review steps (start, approve, ask, reject).

A question ("Rückfrage") goes to the author's device at its next sync; the answer comes back
as an amendment shown under the report, which returns to review."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft
import flet_map as fm

import patrol_wire as wire
from patrol_app.core.client import ClientError, Rejected
from patrol_app.core.my_reports import checklist_labels
from patrol_app.core.office import Office

from ..agency_words import agency_name
from ..theme import WARN, big_button, section, sub_header
from .map_panel import GEOFENCE_COLOUR, ME_COLOUR, MapPanel, circle_box
from .online import OnlineView
from .photo_viewer import loading_cells, previews, thumbnails
from .review_parts import (
    SEV_COLOURS,
    counted_at,
    new_answer_badge,
    person,
    state_chip,
    time_lines,
    verdict_words,
)

if TYPE_CHECKING:
    from ..context import ViewContext


class ReportDetailView(OnlineView):
    title_key = "report_detail_title"
    pinned_title = True  # the way back stays in view below the review steps

    def __init__(self, ctx: "ViewContext", report_id: str) -> None:
        super().__init__(ctx)
        self.report_id = report_id

    def _title(self) -> ft.Control:
        return sub_header(self.ctx.t(self.title_key), lambda e: self.ctx.show_main(),
                          self.ctx.t("back"), back_id="detail-back", trailing=[
                              ft.Semantics(identifier="detail-reload", content=ft.IconButton(
                                  ft.Icons.REFRESH, tooltip=self.ctx.t("reload"),
                                  on_click=self.reload))])

    def fetch(self, office: Office) -> dict:
        return office.report(self.report_id)

    def _fetch_photos(self, office: Office, shas: list[str]) -> tuple[list, list]:
        photos = []
        for sha in shas:
            try:
                photos.append(office.photo(sha))  # whole: the viewer zooms into it
            except Rejected:  # not uploaded yet: shown as missing, not an error
                photos.append(None)
        return photos, previews(photos)

    async def _load_photos(self, slot: ft.Container, shas: list[str]) -> None:
        """The photos after the words: each is a download and a thumbnail (Pillow), and
        opening a report waited for all of them before its first word showed. Their places
        are held at their size meanwhile, so nothing on the page moves when they come."""
        import asyncio

        try:
            photos, small = await asyncio.to_thread(
                self._with_office, lambda o: self._fetch_photos(o, shas))
        except ClientError:  # the words are there; the photos say they cannot be had now
            photos = small = [None] * len(shas)
        if not self._still_shown():
            return
        slot.content = thumbnails(self.ctx, photos, small=small)
        self.ctx.update()

    def _still_shown(self) -> bool:
        return self.root is not None and self.ctx.is_shown(self.root)

    def render(self, d: dict) -> list[ft.Control]:
        t = self.ctx.t
        r = d["report"]
        place = d.get("place") or {}
        out: list[ft.Control] = [
            ft.Row([ft.Text(place.get("name") or t("report"), size=18, weight=ft.FontWeight.BOLD,
                            expand=True), ft.Semantics(identifier="detail-state",
                                                       content=state_chip(self.ctx, d["review_state"]))]),
            ft.Text(f"{t.datetime(wire.parse_timestamp(counted_at(d)))} · {d['author_name']} · "
                    f"{agency_name(self.ctx, d['agency'])}"),
            ft.Semantics(identifier="detail-presence", content=ft.Text(t(
                "presence_both", device=verdict_words(t, r["presence"], d.get("times")),
                server=verdict_words(t, d["server_presence"], d.get("times"))), size=13)),
        ]
        lines, notable = time_lines(t, d)
        if lines:
            tint = self.ctx.colour(WARN) if notable else ft.Colors.ON_SURFACE_VARIANT
            out.append(ft.Semantics(identifier="detail-times", content=ft.Container(ft.Column(
                [ft.Row([ft.Icon(ft.Icons.SCHEDULE, size=18, color=tint),
                         ft.Text(t("times_section"), weight=ft.FontWeight.W_600, color=tint)])]
                + [ft.Text(line, size=13) for line in lines], spacing=2),
                border=ft.Border.all(1, tint), border_radius=8, padding=10)))
        if r["visibility"] == "agency":
            out.append(ft.Text(t("agency_only"), color=ft.Colors.ERROR, size=13))
        out.append(ft.Text(f"{t('severity')}: {t('sev_' + r['severity'])}", color=SEV_COLOURS.get(r["severity"])))
        if r["findings"]:
            out.append(ft.Text(f"{t('findings')}: " + ", ".join(t("f_" + f) for f in r["findings"])))
        if r["measures"]:
            out.append(ft.Text(f"{t('measures')}: " + ", ".join(t("m_" + m) for m in r["measures"])))
        if r["counts"]:
            out.append(ft.Text(", ".join(f"{t('count_' + k)}: {v}" for k, v in r["counts"].items())))
        labels = self._labels(r)
        for key, value in r["answers"].items():
            shown = t("yes") if value is True else t("no") if value is False else str(value)
            out.append(ft.Text(f"{labels.get(key, key)}: {shown}", size=13))
        if r["note"]:
            out.append(ft.Container(ft.Text(r["note"]), bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                                    padding=10, border_radius=8))
        # the question and its answer before photos and map: an answer waiting to be read is
        # why the supervisor opened this report (it sat below the map, out of view)
        out += self._dialogue(d)
        if r["photos"]:
            out.append(section(t("photos")))
            slot = ft.Container(loading_cells(len(r["photos"])))
            out.append(slot)
            self.ctx.run_task(self._load_photos, slot, list(r["photos"]))
        if r.get("fix") or place:
            out.append(self._map(r, place))
        out += self._actions(d["review_state"])
        out.append(section(t("audit_section")))
        for e in d["audit"]:
            text = e["detail"].get("text")
            out.append(ft.Text(f"{t.datetime(wire.parse_timestamp(e['at']))} · "
                               f"{person(e.get('actor_name'), e['actor'])} · "
                               f"{t('audit_' + e['action'].replace('.', '_'))}"
                               + (f": {text}" if text else ""), size=13))
        return out

    def _dialogue(self, d: dict) -> list[ft.Control]:
        """Questions asked about the report and the officer's answers (amendments)."""
        t = self.ctx.t
        out: list[ft.Control] = []
        if d["queries"]:
            out.append(section(t("queries_section")))
            for q in d["queries"]:
                out.append(ft.Text(f"{t.datetime(wire.parse_timestamp(q['asked_at']))} {q['asked_by']}: "
                                   f"{q['question']}", size=14))
        if d["amendments"]:
            out.append(section(t("amendments_section")))
            if d.get("unread_answers"):
                out.append(ft.Semantics(identifier="detail-new-answer", content=ft.Row([
                    new_answer_badge(self.ctx),
                    ft.Text(t("answer_new_read"), size=13, expand=True)])))
            for a in d["amendments"]:
                out.append(ft.Semantics(identifier="amendment", content=ft.Container(ft.Text(
                    f"{t.datetime(wire.parse_timestamp(a['report']['observed_at']))} "
                    f"{a.get('author_name') or a['author']}: "
                    f"{a['report']['note']}"), bgcolor=ft.Colors.TERTIARY_CONTAINER, padding=10,
                    border_radius=8)))
        return out

    def _labels(self, r: dict) -> dict[str, str]:
        """Checklist questions in words, from the version the report was filled with."""
        return checklist_labels(self.ctx.store, r.get("checklist_id"),
                                r.get("checklist_version"), self.ctx.t.lang)

    def _map(self, r: dict, place: dict) -> ft.Control:
        """The place's geofence (its polygon, else its radius) and where the report was made,
        both in view; locked in the scrolling detail until "Karte bedienen"."""
        t = self.ctx.t
        layers: list = []
        markers = []
        fit: list[tuple[float, float]] = []
        entries = []
        if place:
            ring = [(lat, lon) for lon, lat in place.get("polygon") or []]
            fence = ft.Colors.with_opacity(0.18, GEOFENCE_COLOUR)
            if len(ring) >= 3:
                layers.append(fm.PolygonLayer(polygons=[fm.PolygonMarker(
                    coordinates=[fm.MapLatitudeLongitude(a, b) for a, b in ring], color=fence,
                    border_color=GEOFENCE_COLOUR, border_stroke_width=2)]))
                fit += ring
            else:
                layers.append(fm.CircleLayer(circles=[fm.CircleMarker(
                    radius=place["radius_m"], use_radius_in_meter=True, color=fence,
                    coordinates=fm.MapLatitudeLongitude(place["lat"], place["lon"]),
                    border_color=GEOFENCE_COLOUR, border_stroke_width=2)]))
                fit += circle_box(place["lat"], place["lon"], place["radius_m"])
            markers.append(fm.Marker(coordinates=fm.MapLatitudeLongitude(place["lat"], place["lon"]),
                                     width=28, height=28,
                                     content=ft.Icon(ft.Icons.PLACE, color=ft.Colors.BLUE_800)))
            entries.append((ft.Container(width=16, height=12, bgcolor=fence, border_radius=3,
                                         border=ft.Border.all(2, GEOFENCE_COLOUR)), t("map_geofence")))
        if r.get("fix"):
            fix = r["fix"]
            markers.append(fm.Marker(coordinates=fm.MapLatitudeLongitude(fix["lat"], fix["lon"]),
                                     width=24, height=24,
                                     content=ft.Icon(ft.Icons.MY_LOCATION, color=ME_COLOUR)))
            fit.append((fix["lat"], fix["lon"]))
            entries.append((ft.Icon(ft.Icons.MY_LOCATION, color=ME_COLOUR, size=16), t("map_report_fix")))
        layers.append(fm.MarkerLayer(markers=markers))
        centre = place or r["fix"]
        return MapPanel(self.ctx, layers, identifier="report-map", centre=(centre["lat"], centre["lon"]),
                        zoom=16, fit=fit, locked=True, legend_entries=entries, height=240).control

    def _actions(self, state: str) -> list[ft.Control]:
        t = self.ctx.t
        A = wire.ReviewAction
        if state == "submitted":
            return [big_button(t("start_review"), lambda e: self._step(A.START),
                               icon=ft.Icons.PLAY_ARROW, identifier="review-start")]
        if state == "in_review":
            return [
                big_button(t("approve"), lambda e: self._step(A.APPROVE), icon=ft.Icons.VERIFIED,
                           identifier="review-approve"),
                big_button(t("ask_question"), lambda e: self._ask(A.ASK), icon=ft.Icons.HELP_OUTLINE,
                           identifier="review-ask", filled=False),
                big_button(t("reject"), lambda e: self._ask(A.REJECT), icon=ft.Icons.BLOCK,
                           identifier="review-reject", filled=False),
            ]
        if state == "needs_info":
            return [ft.Text(t("waiting_for_answer"), color=ft.Colors.ORANGE_800)]
        return []

    def _step(self, action: wire.ReviewAction, text: str = "") -> None:
        async def go() -> None:
            if await self.call(lambda o: o.review(self.report_id, action, text),
                               done_key=f"review_done_{action.value}"):
                await self.reload()
        self.ctx.run_task(go)

    def _ask(self, action: wire.ReviewAction) -> None:
        t = self.ctx.t
        field = ft.TextField(label=t("question") if action is wire.ReviewAction.ASK else t("reason"),
                             multiline=True, min_lines=2, max_length=2000, autofocus=True)

        def confirm(_):
            if not (field.value or "").strip():
                field.error = t("text_required")  # shown under the field
                self.ctx.update()
                return
            self.ctx.pop_dialog()
            self._step(action, field.value.strip())

        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("ask_question") if action is wire.ReviewAction.ASK else t("reject")),
            content=ft.Semantics(identifier="review-text", content=field),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.Semantics(identifier="review-send", content=ft.FilledButton(
                         t("send"), on_click=confirm))]))
