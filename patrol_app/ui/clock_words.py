"""Clock differences and ages in words: "2 h 3 min", "Geräteuhr ging 2 h 3 min nach"."""

from __future__ import annotations

from .i18n import Translator


def duration(t: Translator, seconds: float) -> str:
    """A span rounded to what a person reads: seconds under a minute, minutes under an hour,
    hours and minutes above."""
    s = round(abs(seconds))
    if s < 60:
        return t("dur_s", s=s)
    minutes = round(s / 60)
    if minutes < 60:
        return t("dur_min", m=minutes)
    hours, minutes = divmod(minutes, 60)
    return t("dur_h_min", h=hours, m=minutes) if minutes else t("dur_h", h=hours)


def skew_words(t: Translator, skew_s: float) -> str:
    """The server's view of a report: skew = device clock - server clock at receipt."""
    return t("skew_ahead" if skew_s > 0 else "skew_behind", d=duration(t, skew_s))


def phone_clock_notice(t: Translator, offset_s: float) -> str:
    """The phone's view: offset = server clock - phone clock (a fast phone has a negative one)."""
    return t("clock_notice_ahead" if offset_s < 0 else "clock_notice_behind",
             d=duration(t, offset_s))


def phone_clock_line(t: Translator, offset_s: float) -> str:
    return t("clock_line_ahead" if offset_s < 0 else "clock_line_behind", d=duration(t, offset_s))
