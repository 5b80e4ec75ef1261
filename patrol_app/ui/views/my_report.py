"""One of my reports, read-only: everything the device knows of it (offline too), and what the
server says when it can be asked; an answer to a question is labelled as such."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire
from patrol_app.core.client import ClientError
from patrol_app.core.my_reports import (
    ReportFacts,
    answered_query,
    checklist_labels,
    report_facts,
)
from patrol_app.core.store import OutboxState

from ..theme import OK, WARN, section, sub_header
from .online import problem_text, with_office
from .photo_viewer import thumbnails

if TYPE_CHECKING:
    from ..context import ViewContext
    from ..i18n import Translator


def answer_label(t: "Translator", report: wire.Report | dict, queries: list[wire.Query],
                 original_observed_at: str | None = None) -> str | None:
    """What an amendment is, in words: "Antwort auf Rückfrage vom 01.12.2026 14:05" (or a
    correction of the report of that time when no question is known); None for a plain report.
    The Outbox labels its rows with this too."""
    amends = report["amends"] if isinstance(report, dict) else report.amends
    if not amends:
        return None
    query = answered_query(report, queries)
    if query is not None:
        return t("answer_to_query", at=t.datetime(wire.parse_timestamp(query.asked_at)))
    if original_observed_at:
        return t("amends_report_of", at=t.datetime(wire.parse_timestamp(original_observed_at)))
    return t("amends_report")


class ReportView:
    """One of my reports, read-only. What the device knows shows at once (offline too); the
    server's verdict and review state are asked for when the server has the report."""

    def __init__(self, ctx: "ViewContext", report_id: str) -> None:
        self.ctx = ctx
        self.report_id = report_id
        self.server = ft.Column(spacing=4)

    def build(self) -> ft.Control:
        t = self.ctx.t
        facts = report_facts(self.ctx.store, self.report_id)
        rows: list[ft.Control] = [sub_header(t("my_report_title"), lambda e: self.ctx.show_main(),
                                             t("back"), back_id="report-back")]
        rows += self._body(facts) if facts else [ft.Text(t("no_history"))]
        if facts is not None:
            self.ctx.run_task(self._ask_server, facts)
        return ft.Container(ft.Column(rows, scroll=ft.ScrollMode.AUTO, expand=True, spacing=8,
                                      horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=ft.Padding.symmetric(horizontal=12, vertical=6), expand=True)

    def _body(self, f: ReportFacts) -> list[ft.Control]:
        t = self.ctx.t
        store = self.ctx.store
        r = f.report
        place = store.place(r.place_id) if r.place_id else None
        out: list[ft.Control] = [
            ft.Text(place.name if place else t("report"), size=18, weight=ft.FontWeight.BOLD),
            ft.Text(t.datetime(wire.parse_timestamp(r.observed_at)), color=ft.Colors.ON_SURFACE_VARIANT)]
        label = answer_label(t, r, store.ref_items("query"),
                             f.original.observed_at if f.original else None)
        if label:
            lines = [ft.Text(label, weight=ft.FontWeight.W_600)]
            if f.answers is not None:
                lines.append(ft.Text(t("query_from", who=f.answers.asked_by,
                                       at=t.datetime(wire.parse_timestamp(f.answers.asked_at))),
                                     size=12))
                lines.append(ft.Text(f.answers.question, italic=True))
            out.append(ft.Semantics(identifier="report-answers", content=ft.Container(
                ft.Column(lines, spacing=4), bgcolor=ft.Colors.TERTIARY_CONTAINER, padding=10,
                border_radius=8)))
        out += self._delivery(f)
        if not r.amends:  # an answer is written anywhere: where it was is no proof of anything
            out.append(ft.Text(t("presence_device", v=_verdict(t, r.presence.verdict.value,
                                                                r.presence.distance_m))))
        out.append(ft.Semantics(identifier="report-server", content=self.server))
        if r.visibility is wire.Visibility.AGENCY:
            out.append(ft.Text(t("agency_only"), color=ft.Colors.ERROR, size=13))
        if r.severity is not wire.Severity.NONE or not r.amends:
            out.append(ft.Text(f"{t('severity')}: {t('sev_' + r.severity.value)}"))
        if r.findings:
            out.append(ft.Text(f"{t('findings')}: " + ", ".join(t("f_" + x.value) for x in r.findings)))
        if r.measures:
            out.append(ft.Text(f"{t('measures')}: " + ", ".join(t("m_" + x.value) for x in r.measures)))
        if r.counts:
            out.append(ft.Text(", ".join(f"{t('count_' + k)}: {v}" for k, v in r.counts.items())))
        if r.answers:
            labels = checklist_labels(store, r.checklist_id, r.checklist_version, t.lang)
            out.append(section(t("checklist")))
            for key, value in r.answers.items():
                shown = t("yes") if value is True else t("no") if value is False else str(value)
                out.append(ft.Text(f"{labels.get(key, key)}: {shown}", size=14))
        if r.note:
            out.append(ft.Container(ft.Text(r.note), bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                                    padding=10, border_radius=8))
        if r.photos:
            out.append(section(t("photos")))
            out.append(thumbnails(self.ctx, [_photo(store, s) for s in r.photos], size=104,
                                  missing_key="photo_gone"))
        if f.questions:
            out.append(section(t("queries_section")))
            out += [self._question(q) for q in f.questions]
        return out

    def _delivery(self, f: ReportFacts) -> list[ft.Control]:
        """Sent / confirmed / refused, photos x of y: the receipts the device holds."""
        t = self.ctx.t
        state = f.state or OutboxState.PENDING
        tint = {OutboxState.SENT: OK, OutboxState.REJECTED: ft.Colors.ERROR,
                OutboxState.FAILED: WARN}.get(state, ft.Colors.ON_SURFACE_VARIANT)
        text = t("delivery", state=t("state_" + state.value))
        if f.photos_total:
            text += " · " + t("photos_confirmed", done=f.photos_confirmed, total=f.photos_total)
        out: list[ft.Control] = [ft.Semantics(identifier="report-delivery", content=ft.Row([
            ft.Icon(ft.Icons.CLOUD_DONE if state is OutboxState.SENT else ft.Icons.CLOUD_UPLOAD,
                    color=self.ctx.colour(tint), size=20),
            ft.Text(text, expand=True, weight=ft.FontWeight.W_600)]))]
        if f.outbox and f.outbox.error and state in (OutboxState.REJECTED, OutboxState.FAILED):
            reason = t.error(f.outbox.error_code, f.outbox.error)
            out.append(ft.Text(t("rejected_reason", reason=reason) if state is OutboxState.REJECTED
                               else t("failed_reason", reason=reason), color=ft.Colors.ERROR))
        return out

    def _question(self, q: wire.Query) -> ft.Control:
        t = self.ctx.t
        lines: list[ft.Control] = [
            ft.Text(t("query_from", who=q.asked_by, at=t.datetime(wire.parse_timestamp(q.asked_at))),
                    size=12),
            ft.Text(q.question, size=15)]
        if q.answered_at:
            lines.append(ft.Text(t("answered_at", at=t.datetime(wire.parse_timestamp(q.answered_at))),
                                 color=self.ctx.colour(OK)))
            answer = self.ctx.store.get_report(q.answer_report_id) if q.answer_report_id else None
            if answer is not None and answer.note:  # given on this device
                lines.append(ft.Text(answer.note, italic=True))
        elif q in self.ctx.device.open_queries():
            lines.append(ft.Semantics(identifier="report-answer", content=ft.FilledButton(
                t("answer"), icon=ft.Icons.REPLY, height=48,
                on_click=lambda e: self.ctx.show_answer(q))))
        else:
            lines.append(ft.Text(t("answer_waiting_to_send"), color=ft.Colors.ON_SURFACE_VARIANT))
        return ft.Container(ft.Column(lines, spacing=4), bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                            padding=10, border_radius=8)

    async def _ask_server(self, f: ReportFacts) -> None:
        """The server's verdict and review state, if it has the report and can be reached (for
        an answer: the review state of the report it answers)."""
        t = self.ctx.t
        answer = f.report.amends is not None
        if not f.server_has_it:
            self.server.controls = [ft.Text(t("server_not_received") if answer
                                            else t("server_not_judged"))]
            self.ctx.update()
            return
        self.server.controls = [ft.Text(t("server_asking"), color=ft.Colors.ON_SURFACE_VARIANT)]
        self.ctx.update()
        asked = f.report.amends or self.report_id
        try:
            d = await asyncio.to_thread(with_office, self.ctx, lambda o: o.report(asked))
        except ClientError as exc:
            self.server.controls = [
                ft.Text(t("server_unknown_offline") if answer else t("server_not_judged_offline")),
                ft.Text(problem_text(self.ctx, exc), size=12, color=ft.Colors.ON_SURFACE_VARIANT)]
            self.ctx.update()
            return
        sp = d["server_presence"]
        state = t("review_state_line", state=t("rs_" + d["review_state"]))
        self.server.controls = ([] if answer else [
            ft.Text(t("presence_server", v=_verdict(t, sp["verdict"], sp.get("distance_m"))))]) + [
            ft.Text(t("original_review_line", state=t("rs_" + d["review_state"])) if answer
                    else state, weight=ft.FontWeight.W_600)]
        self.ctx.update()


def _verdict(t: "Translator", verdict: str, distance: float | None) -> str:
    return t("v_" + verdict) + (f" ({t.distance(distance)})" if distance is not None else "")


def _photo(store, sha: str) -> bytes | None:
    try:
        return store.photo_bytes(sha)
    except (KeyError, OSError):  # never taken on this device, or its file is gone
        return None
