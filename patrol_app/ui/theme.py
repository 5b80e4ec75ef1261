"""High-contrast light theme for sunlight, a dark theme for night shifts (follows the system)."""

from __future__ import annotations

import flet as ft

SEED = "#0B3D91"  # deep blue: readable on white, calm at night


def apply_theme(page: ft.Page) -> None:
    page.theme = ft.Theme(color_scheme_seed=SEED, use_material3=True)
    page.dark_theme = ft.Theme(color_scheme_seed=SEED, use_material3=True)
    page.theme_mode = ft.ThemeMode.SYSTEM


TOUCH = 48  # minimum touch target (px)


def big_button(text: str, on_click, *, icon=None, identifier: str | None = None,
               filled: bool = True) -> ft.Control:
    """A full-width button at least 52 px high: easy to hit with gloves."""
    cls = ft.FilledButton if filled else ft.OutlinedButton
    btn = cls(content=text, icon=icon, on_click=on_click, height=TOUCH + 4)
    return ft.Semantics(identifier=identifier, content=btn) if identifier else btn


def sub_header(title: str, on_back, back_tooltip: str, *, trailing: list[ft.Control] | None = None,
               back_id: str | None = None) -> ft.Control:
    """The top row of a screen above the tabs (a form, a detail): back arrow, title, extras."""
    back = ft.IconButton(ft.Icons.ARROW_BACK, tooltip=back_tooltip, on_click=on_back)
    return ft.Row([ft.Semantics(identifier=back_id, content=back) if back_id else back,
                   ft.Text(title, size=20, weight=ft.FontWeight.BOLD, expand=True, max_lines=2),
                   *(trailing or [])])


def section(title: str) -> ft.Control:
    return ft.Container(ft.Text(title, size=16, weight=ft.FontWeight.BOLD),
                        padding=ft.Padding.only(top=12, bottom=4))


# Signal colours that must read on both backgrounds: (by day, at night). Dark green or orange
# on a dark surface is too dim for a glance at night; light ones wash out in sunlight.
OK = "ok"      # done, confirmed, on site
WARN = "warn"  # off site, too inaccurate, will retry
_SIGNALS = {OK: (ft.Colors.GREEN_800, ft.Colors.GREEN_300),
            WARN: (ft.Colors.ORANGE_900, ft.Colors.ORANGE_300)}


def is_dark(page: ft.Page) -> bool:
    if page.theme_mode == ft.ThemeMode.DARK:
        return True
    if page.theme_mode == ft.ThemeMode.LIGHT:
        return False
    return page.platform_brightness == ft.Brightness.DARK


def colour(page: ft.Page, value: str) -> str:
    """A signal colour (``OK``, ``WARN``) for the current theme; any other colour as it is."""
    pair = _SIGNALS.get(value)
    if pair is None:
        return value
    return pair[1] if is_dark(page) else pair[0]
