"""An agency as people read it: its name in the language shown now.

Agencies are data the device pulls with the reference data (``LocalStore.agencies``), so their
names show offline. A code the device has not pulled yet shows as the code itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import patrol_wire as wire

if TYPE_CHECKING:
    from .context import ViewContext


def name_in(agency: wire.Agency | dict, lang: str) -> str:
    """An agency's name in ``lang`` (German unless English), from the wire object or the
    admin list's JSON."""
    get = agency.get if isinstance(agency, dict) else lambda k: getattr(agency, k)
    return get("name_en") if lang == "en" else get("name_de")


def agency_name(ctx: "ViewContext", code: str) -> str:
    agency = ctx.store.agencies().get(code)
    return code if agency is None else name_in(agency, ctx.t.lang)


def agency_options(ctx: "ViewContext", *, every: bool = False) -> list[tuple[str, str]]:
    """(code, name) of the active agencies by name; ``every``: deactivated ones too (a filter:
    their reports are still there)."""
    agencies = ctx.store.agencies().values()
    return sorted(((a.code, name_in(a, ctx.t.lang)) for a in agencies if a.active or every),
                  key=lambda x: x[1].casefold())
