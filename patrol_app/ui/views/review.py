"""Supervisor: the review queue with filters, and a report's detail with the review steps.

A question ("Rückfrage") goes to the author's device at its next sync; the answer comes back
as an amendment shown under the report, which returns to review.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import flet as ft
import flet_map as fm

import patrol_wire as wire
from patrol_app.core.client import Rejected
from patrol_app.core.my_reports import checklist_labels
from patrol_app.core.office import Office

from .. import clock_words
from ..i18n import Translator
from ..theme import WARN, big_button, colour, section, sub_header
from .map_view import GEOFENCE_COLOUR, ME_COLOUR, MapPanel, circle_box
from .online import OnlineView, filter_dropdown
from .photo_viewer import thumbnails

if TYPE_CHECKING:
    from ..context import ViewContext

STATE_COLOURS = {
    "submitted": ft.Colors.PRIMARY, "in_review": ft.Colors.TERTIARY,
    "approved": ft.Colors.GREEN_700, "needs_info": ft.Colors.ORANGE_800, "rejected": ft.Colors.ERROR,
}
SEV_COLOURS = {"high": ft.Colors.ERROR, "medium": ft.Colors.ORANGE_800}
PAGE = 50
CLOCK_NOTABLE_S = 60.0  # the server's tolerance: a smaller skew is not worth a word


def counted_at(item: dict) -> str:
    """The time a report counts at (the claim corrected for the device's clock); the claim
    for servers that do not say."""
    return (item.get("times") or {}).get("observed_at") or item["report"]["observed_at"]


def time_lines(t: Translator, detail: dict) -> tuple[list[str], bool]:
    """The report's time facts in words, and whether anything is notable (a wrong clock, a
    time that could not be taken as claimed, a stale fix)."""
    times = detail.get("times")
    if not times:
        return [], False
    at = lambda ts: t.datetime(wire.parse_timestamp(ts))  # noqa: E731
    lines = [t("time_claimed", at=at(times["claimed_at"])),
             t("time_received", at=at(times["received_at"]))]
    notable = False
    skew = times.get("clock_skew_s")
    corrected = times["observed_at"] != times["claimed_at"]
    if skew is not None and abs(skew) > CLOCK_NOTABLE_S:
        lines.append(clock_words.skew_words(t, skew) + ".")
        notable = True
    if corrected:
        lines.append(t("time_counted", at=at(times["observed_at"])))
        notable = True
    if corrected and times["observed_at"] == times["received_at"]:
        lines.append(t("time_clamped"))
    if skew is None:
        lines.append(t("time_skew_unknown"))
    age, limit = times.get("fix_age_s"), times.get("max_fix_age_s")
    if age is not None and limit is not None:
        words = {"d": clock_words.duration(t, age), "limit": clock_words.duration(t, limit)}
        if age < -CLOCK_NOTABLE_S:
            lines.append(t("fix_after", **words))
            notable = True
        elif age > limit:
            lines.append(t("fix_age_stale", **words))
            notable = True
        else:
            lines.append(t("fix_age", **words))
    return lines, notable


def verdict_words(t: Translator, presence: dict, times: dict | None) -> str:
    """A verdict with its why where it is not obvious: "zu alt (Position 5 min alt beim
    Speichern)" -- the fix's age when the report was saved, against the gate."""
    v, dist = presence["verdict"], presence.get("distance_m")
    age = (times or {}).get("fix_age_s")
    if v == "stale" and age is not None:
        return t("v_stale_age", d=clock_words.duration(t, age))
    return t("v_" + v) + (f" ({t.distance(dist)})" if dist is not None else "")


ANSWERS_FIRST_IN = ("", "submitted", "in_review")  # state filters that list waiting answers on top


def new_answer_badge(ctx: "ViewContext") -> ft.Control:
    return ft.Container(ft.Row([ft.Icon(ft.Icons.MARK_CHAT_UNREAD, size=14, color=ft.Colors.WHITE),
                                ft.Text(ctx.t("answer_new"), color=ft.Colors.WHITE, size=12,
                                        weight=ft.FontWeight.W_600)], spacing=4, tight=True),
                        bgcolor=ft.Colors.DEEP_PURPLE_700, border_radius=12,
                        padding=ft.Padding.symmetric(horizontal=8, vertical=3))


def person(name: str | None, username: str) -> str:
    """"PK Anna Müller (polizei)": the name people know, and the account that acted; a system
    actor ("cli", "demo") as it is."""
    return f"{name} ({username})" if name and name != username else username


def state_chip(ctx: "ViewContext", state: str) -> ft.Control:
    return ft.Container(ft.Text(ctx.t("rs_" + state), color=ft.Colors.WHITE, size=12,
                                weight=ft.FontWeight.W_600),
                        bgcolor=STATE_COLOURS[state], border_radius=12,
                        padding=ft.Padding.symmetric(horizontal=8, vertical=3))


class ReviewView(OnlineView):
    title_key = "review_title"
    def __init__(self, ctx: "ViewContext") -> None:
        super().__init__(ctx)
        # kept on the ctx while the supervisor opens reports and switches tabs
        self.filters: dict[str, str] = ctx.view_state.setdefault("review", {"state": "submitted"})
        t = ctx.t
        store = ctx.store

        def dd(key: str, label: str, options: list[tuple[str, str]]) -> ft.Control:
            return filter_dropdown(ctx, f"filter-{key}", label, self.filters.get(key, ""), options,
                                   lambda v, key=key: self._set(key, v))

        districts = sorted(store.ref_items("district"), key=lambda d: d.name)
        today = date.today()
        more = [k for k in ("severity", "district_id", "place_type", "agency", "day") if self.filters.get(k)]
        self.filter_rows = [
            ft.Row([dd("state", t("filter_state"), [(s.value, t("rs_" + s.value)) for s in wire.ReviewState]),
                    dd("day", t("filter_day"), [((today - timedelta(days=n)).isoformat(),
                                                 t.day(today - timedelta(days=n))) for n in range(14)])]),
            ft.ExpansionTile(
                title=ft.Text(t("more_filters", n=len(more)) if more else t("more_filters_none")),
                tile_padding=ft.Padding.symmetric(horizontal=4), expanded=bool(more),
                controls=[ft.Column([
                    ft.Row([dd("district_id", t("district"), [(d.id, d.name) for d in districts]),
                            dd("place_type", t("place_type"), [(p.value, t("t_" + p.value)) for p in wire.PlaceType])]),
                    ft.Row([dd("severity", t("severity"), [(s.value, t("sev_" + s.value)) for s in wire.Severity]),
                            dd("agency", t("agency"), [(a.value, t("agency_" + a.value)) for a in wire.Agency])]),
                ], spacing=8)]),
        ]

    def _set(self, key: str, value: str) -> None:
        self.filters[key] = value or ""
        self.ctx.run_task(self.reload)

    def _title(self) -> ft.Control:
        return ft.Column([super()._title(), *self.filter_rows], spacing=6)

    def fetch(self, office: Office) -> tuple[dict, list[dict]]:
        """The queue as filtered, and the reports whose answers wait for review (same filters,
        any state): those come first until someone in review has read them."""
        params: dict[str, Any] = {k: v for k, v in self.filters.items() if v and k != "day"}
        if self.filters.get("day"):
            start = datetime.combine(date.fromisoformat(self.filters["day"]), time()).astimezone()
            params["since"] = wire.format_timestamp(start)
            params["until"] = wire.format_timestamp(  # local midnight, across DST too
                (start + timedelta(days=1)).replace(tzinfo=None).astimezone())
        page = office.reports(limit=PAGE, **params)
        waiting: list[dict] = []
        if page["unread_answers"] and self.filters.get("state", "") in ANSWERS_FIRST_IN:
            params.pop("state", None)
            waiting = office.reports(limit=PAGE, unread_answers="true", **params)["items"]
        return page, waiting

    def render(self, data: tuple[dict, list[dict]]) -> list[ft.Control]:
        t = self.ctx.t
        page, waiting = data
        items = page["items"]
        out: list[ft.Control] = []
        if not any(v for k, v in self.filters.items() if k != "state"):
            self.ctx.set_answers_waiting(page["unread_answers"])  # unfiltered: the tab's badge
        if page["unread_answers"]:
            out.append(ft.Semantics(identifier="answers-waiting", content=ft.Container(ft.Row([
                ft.Icon(ft.Icons.MARK_CHAT_UNREAD, color=ft.Colors.ON_TERTIARY_CONTAINER),
                ft.Text(t("answers_waiting", n=page["unread_answers"]) if waiting
                        else t("answers_waiting_elsewhere", n=page["unread_answers"]),
                        expand=True, weight=ft.FontWeight.W_600,
                        color=ft.Colors.ON_TERTIARY_CONTAINER)]),
                bgcolor=ft.Colors.TERTIARY_CONTAINER, padding=10, border_radius=8)))
        first = {it["report"]["id"] for it in waiting}
        out += [self._card(it) for it in waiting]
        rest = [it for it in items if it["report"]["id"] not in first]
        if not rest and not waiting:
            return out + [ft.Text(t("queue_empty"))]
        if waiting:
            out.append(section(t("queue_rest")))
        out.append(ft.Text(t("queue_count", n=len(items)) if len(items) < PAGE
                           else t("queue_count_more", n=len(items)), size=13))
        return out + [self._card(it) for it in rest]

    def _card(self, it: dict) -> ft.Control:
        t = self.ctx.t
        r = it["report"]
        when = t.datetime(wire.parse_timestamp(counted_at(it)))
        findings = ", ".join(t("f_" + f) for f in r["findings"][:3]) or t("no_findings")
        sev = r["severity"]
        badge = [ft.Semantics(identifier=f"new-answer-{r['id']}", content=ft.Row(
            [new_answer_badge(self.ctx)]))] if it.get("unread_answers") else []
        return ft.Semantics(identifier=f"review-{r['id']}", content=ft.Card(ft.Container(
            ft.Column([
                ft.Row([ft.Text(it.get("place_name") or t("report"), weight=ft.FontWeight.BOLD,
                                expand=True, max_lines=2), state_chip(self.ctx, it["review_state"])]),
                *badge,
                ft.Text(f"{when} · {it['author_name']} ({t('agency_' + it['agency'])})", size=13),
                ft.Text(f"{t('sev_' + sev)} · {findings}", size=13, color=SEV_COLOURS.get(sev)),
            ], spacing=4), padding=12,
            on_click=lambda e, rid=r["id"]: self.ctx.show_sub(ReportDetailView(self.ctx, rid)))))


class ReportDetailView(OnlineView):
    title_key = "report_detail_title"

    def __init__(self, ctx: "ViewContext", report_id: str) -> None:
        super().__init__(ctx)
        self.report_id = report_id

    def _title(self) -> ft.Control:
        return sub_header(self.ctx.t(self.title_key), lambda e: self.ctx.show_main(),
                          self.ctx.t("back"), back_id="detail-back", trailing=[
                              ft.Semantics(identifier="detail-reload", content=ft.IconButton(
                                  ft.Icons.REFRESH, tooltip=self.ctx.t("reload"),
                                  on_click=self.reload))])

    def fetch(self, office: Office) -> tuple[dict, dict[str, bytes]]:
        detail = office.report(self.report_id)
        photos = {}
        for sha in detail["report"]["photos"]:
            try:
                photos[sha] = office.photo(sha)  # whole: the viewer zooms into it
            except Rejected:  # not uploaded yet: shown as missing, not an error
                pass
        return detail, photos

    def render(self, data) -> list[ft.Control]:
        d, photos = data
        t = self.ctx.t
        r = d["report"]
        place = d.get("place") or {}
        out: list[ft.Control] = [
            ft.Row([ft.Text(place.get("name") or t("report"), size=18, weight=ft.FontWeight.BOLD,
                            expand=True), ft.Semantics(identifier="detail-state",
                                                       content=state_chip(self.ctx, d["review_state"]))]),
            ft.Text(f"{t.datetime(wire.parse_timestamp(counted_at(d)))} · {d['author_name']} "
                    f"({t('agency_' + d['agency'])})"),
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
        if r["photos"]:
            out.append(section(t("photos")))
            out.append(thumbnails(self.ctx, [photos.get(s) for s in r["photos"]]))
        if r.get("fix") or place:
            out.append(self._map(r, place))
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
        out += self._actions(d["review_state"])
        out.append(section(t("audit_section")))
        for e in d["audit"]:
            text = e["detail"].get("text")
            out.append(ft.Text(f"{t.datetime(wire.parse_timestamp(e['at']))} · "
                               f"{person(e.get('actor_name'), e['actor'])} · "
                               f"{t('audit_' + e['action'].replace('.', '_'))}"
                               + (f": {text}" if text else ""), size=13))
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

