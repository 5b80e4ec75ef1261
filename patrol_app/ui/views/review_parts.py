"""What the review queue and a report's detail both show: state chips, names, times and the
presence verdict in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

import patrol_wire as wire

from .. import clock_words
from ..i18n import Translator

if TYPE_CHECKING:
    from ..context import ViewContext


STATE_COLOURS = {
    "submitted": ft.Colors.PRIMARY, "in_review": ft.Colors.TERTIARY,
    "approved": ft.Colors.GREEN_700, "needs_info": ft.Colors.ORANGE_800, "rejected": ft.Colors.ERROR,
}


SEV_COLOURS = {"high": ft.Colors.ERROR, "medium": ft.Colors.ORANGE_800}


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
