"""The picture's card for the steering group's report: pick a quarter or half-year (running or
last complete), download the PDF the server makes for this reader."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire
from patrol_app.core.periods import ReportPeriod, report_periods

from .online import filter_dropdown

if TYPE_CHECKING:
    from .picture import SituationView


def period_label(t, p: ReportPeriod) -> str:
    name = t("report_" + p.kind, n=p.number, year=p.year)
    return t("report_so_far", period=name) if p.running else name


def steering_report(view: "SituationView") -> ft.Control:
    ctx, t = view.ctx, view.ctx.t
    periods = {p.key: p for p in report_periods(datetime.now().astimezone())}
    state = ctx.view_state.setdefault("steering_report", {"period": "quarter_now"})

    def choose(key: str) -> None:
        state["period"] = key or "quarter_now"

    async def download() -> None:
        p = periods[state["period"]]
        data = await view.call(lambda o: o.steering_report(wire.format_timestamp(p.start),
                                                           wire.format_timestamp(p.end)))
        if not data or data is True:
            return
        name = f"lenkungsgruppe-{p.start:%Y%m%d}-{p.end:%Y%m%d}.pdf"
        await ctx.picker.saver().save_file(file_name=name, src_bytes=data)
        ctx.toast(t("exported", name=name))

    return ft.Column([
        filter_dropdown(ctx, "report-period", t("report_period"), state["period"],
                        [(k, period_label(t, p)) for k, p in periods.items()], choose,
                        with_all=False),
        ft.Semantics(identifier="report-pdf", content=ft.FilledButton(
            t("report_pdf"), icon=ft.Icons.PICTURE_AS_PDF, height=48,
            on_click=lambda e: ctx.run_task(download))),
        ft.Text(t("report_note"), size=11, color=ft.Colors.ON_SURFACE_VARIANT)], spacing=8)
