"""Supervisor: the review queue with its filters; answers to questions wait on top until read."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import flet as ft

import patrol_wire as wire
from patrol_app.core.office import Office

from ..agency_words import agency_name, agency_options
from ..theme import section
from .online import OnlineView, filter_dropdown
from .report_detail import ReportDetailView
from .review_parts import SEV_COLOURS, counted_at, new_answer_badge, state_chip

if TYPE_CHECKING:
    from ..context import ViewContext


PAGE = 50


ANSWERS_FIRST_IN = ("", "submitted", "in_review")  # state filters that list waiting answers on top


class ReviewView(OnlineView):
    title_key = "review_title"
    first_screen = 8  # the filters, the answers box and the cards a phone shows; the rest after

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
                            dd("agency", t("agency"), agency_options(self.ctx, every=True))]),
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
                ft.Text(f"{when} · {it['author_name']} · {agency_name(self.ctx, it['agency'])}", size=13),
                ft.Text(f"{t('sev_' + sev)} · {findings}", size=13, color=SEV_COLOURS.get(sev)),
            ], spacing=4), padding=12,
            on_click=lambda e, rid=r["id"]: self.ctx.show_sub(ReportDetailView(self.ctx, rid)))))
