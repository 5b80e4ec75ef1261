"""Date and time fields for the planning screens: typed the way people write them (01.12.2026,
14:30) or picked from Flet's calendar and clock, shown in the UI language's format; a field that
cannot be read says so under itself, in words."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Callable

import flet as ft

from patrol_app.core.planning import parse_clock, parse_day

if TYPE_CHECKING:
    from ..context import ViewContext

LOCALES = {"de": ft.Locale("de", "DE"), "en": ft.Locale("en", "GB")}  # both with a 24-hour clock


def picked_day(value: date | datetime) -> date:
    """The calendar day a DatePicker reports. The client sends the chosen local midnight as
    an instant; in UTC it may fall on the evening before (east of Greenwich) or the morning of
    (west), so the nearest UTC midnight, at most 12 h away, is the day that was tapped."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return (value + timedelta(hours=12)).date()
    return value


class _PickerField:
    """A text field with a picker button inside it; ``read()`` parses or names the problem."""

    def __init__(self, ctx: "ViewContext", label: str, text: str, *, identifier: str, hint: str,
                 icon: str, tooltip: str, on_change: Callable[[], None] | None = None) -> None:
        self.ctx = ctx
        self._on_change = on_change
        self.field = ft.TextField(
            label=label, value=text, hint_text=hint, keyboard_type=ft.KeyboardType.DATETIME,
            on_change=lambda e: self._changed(), on_blur=lambda e: self._tidy(),
            suffix_icon=ft.Semantics(identifier=f"{identifier}-pick", content=ft.IconButton(
                icon, tooltip=tooltip, on_click=lambda e: self.open())))
        self.control = ft.Semantics(identifier=identifier, content=self.field)

    def open(self) -> None:
        raise NotImplementedError

    def _changed(self) -> None:
        if self.field.error:  # typing again: the old complaint no longer applies
            self.field.error = None
            self.ctx.update()
        if self._on_change:
            self._on_change()

    def _tidy(self) -> None:
        """Leaving the field: what was typed ("6", "1.12.") shown in the standard form."""
        try:
            text = self.format(self.read_quietly())
        except ValueError:
            return
        if text != self.field.value:
            self.field.value = text
            self.ctx.update()

    def read_quietly(self):
        raise NotImplementedError

    def format(self, value) -> str:
        raise NotImplementedError

    def _show(self, text: str) -> None:
        self.field.value = text
        self.field.error = None
        if self._on_change:
            self._on_change()
        self.ctx.update()

    def _complain(self, key: str) -> None:
        self.field.error = self.ctx.t(key)


class DateField(_PickerField):
    def __init__(self, ctx: "ViewContext", label: str, value: date | None, *, identifier: str,
                 on_change: Callable[[], None] | None = None) -> None:
        t = ctx.t
        super().__init__(ctx, label, t.day(value) if value else "", identifier=identifier,
                         hint=t("day_hint"), icon=ft.Icons.CALENDAR_MONTH, tooltip=t("pick_day"),
                         on_change=on_change)
        today = date.today()
        self.picker = ft.DatePicker(
            locale=LOCALES.get(t.lang), help_text=label, cancel_text=t("cancel"),
            confirm_text=t("ok"), error_format_text=t("day_invalid"),
            error_invalid_text=t("day_out_of_range"),
            first_date=datetime(today.year - 1, 1, 1), last_date=datetime(today.year + 2, 12, 31),
            on_change=lambda e: self._show(t.day(picked_day(e.control.value))))

    def open(self) -> None:
        try:
            self.picker.value = datetime.combine(self.read_quietly(), time(12))
        except ValueError:
            self.picker.value = None
        self.ctx.show_dialog(self.picker)

    def read_quietly(self) -> date:
        return parse_day(self.field.value or "")

    def format(self, value: date) -> str:
        return self.ctx.t.day(value)

    def read(self) -> date | None:
        """The day in the field, or None with the field saying what is wrong."""
        try:
            return self.read_quietly()
        except ValueError:
            self._complain("day_invalid")
            return None


class TimeField(_PickerField):
    def __init__(self, ctx: "ViewContext", label: str, value: time | None, *, identifier: str,
                 on_change: Callable[[], None] | None = None) -> None:
        t = ctx.t
        super().__init__(ctx, label, value.strftime("%H:%M") if value else "",
                         identifier=identifier, hint=t("clock_hint"), icon=ft.Icons.SCHEDULE,
                         tooltip=t("pick_clock"), on_change=on_change)
        self.picker = ft.TimePicker(
            locale=LOCALES.get(t.lang), help_text=label, cancel_text=t("cancel"),
            confirm_text=t("ok"), error_invalid_text=t("clock_invalid"),
            hour_label_text=t("hour"), minute_label_text=t("minute"),
            hour_format=ft.TimePickerHourFormat.H24,
            on_change=lambda e: self._show(e.control.value.strftime("%H:%M")))

    def open(self) -> None:
        try:
            self.picker.value = self.read_quietly()
        except ValueError:
            self.picker.value = None
        self.ctx.show_dialog(self.picker)

    def read_quietly(self) -> time:
        return parse_clock(self.field.value or "")

    def format(self, value: time) -> str:
        return value.strftime("%H:%M")

    def read(self) -> time | None:
        """The time in the field, or None with the field saying what is wrong."""
        try:
            return self.read_quietly()
        except ValueError:
            self._complain("clock_invalid")
            return None
