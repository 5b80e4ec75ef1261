"""Which reports belong to a joint operation ("Schwerpunkteinsatz").

A report belongs to an operation when (1) its team is one of the operation's teams, or its
author was a member of one of them during the operation; (2) its ``observed_at`` lies in the
operation's window [starts_at, ends_at]; and (3) when the operation names an area, its place
is one of the area's places or its position lies inside the area's polygon. The server applies
(1) and (2) in SQL and this module's :func:`in_area` to what SQL returns.
"""

from __future__ import annotations

from typing import Sequence

from .geo import distance_to_polygon_m


def in_area(place_ids: Sequence[str], polygon: Sequence[Sequence[float]] | None,
            place_id: str | None, lat: float | None, lon: float | None) -> bool:
    """Is a report at ``place_id`` / (``lat``, ``lon``) inside the operation's area? No area
    (no places, no polygon): everywhere is. ``polygon`` is [[lat, lon], ...]."""
    if not place_ids and not polygon:
        return True
    if place_id is not None and place_id in place_ids:
        return True
    if polygon and lat is not None and lon is not None:
        return distance_to_polygon_m(lat, lon, [(p[1], p[0]) for p in polygon]) == 0.0
    return False
