"""Citizen complaints on the wire: the controlled list of categories (with the words a city's
complaint system may use for them) and the figures the picture and the shift lead read.

A complaint crosses the wire only as an aggregate (per place, per district) or as a point with
time and category: never with text or a name, because none is ever stored (see
``sync_server/complaints_import.py``). Officers receive none of it (``sync_server/access.py``).
"""

from __future__ import annotations

import enum
from typing import Optional

from .fields import Str, Wire

__all__ = ["COMPLAINT_ALIASES", "ComplaintArea", "ComplaintCategory", "ComplaintGap",
           "ComplaintPicture", "ComplaintPoint", "ComplaintSuggestions"]


class ComplaintCategory(str, enum.Enum):
    NOISE = "noise"
    LITTER = "litter"
    ILLEGAL_DUMPING = "illegal_dumping"
    DRUGS = "drugs"
    ALCOHOL = "alcohol"
    AGGRESSION = "aggression"
    VANDALISM = "vandalism"
    DOGS = "dogs"
    YOUTH_GROUPS = "youth_groups"
    LIGHTING = "lighting"
    OTHER = "other"


# Words a complaint system's export may use for a category, lower-cased, beside the codes and
# the German/English labels (patrol_wire.labels, prefix "cc_") which are accepted as well.
COMPLAINT_ALIASES: dict[str, ComplaintCategory] = {
    "laerm": ComplaintCategory.NOISE, "ruhestörung": ComplaintCategory.NOISE,
    "ruhestoerung": ComplaintCategory.NOISE,
    "verschmutzung": ComplaintCategory.LITTER, "abfall": ComplaintCategory.LITTER,
    "wilder müll": ComplaintCategory.ILLEGAL_DUMPING, "müllablagerung": ComplaintCategory.ILLEGAL_DUMPING,
    "sperrmüll": ComplaintCategory.ILLEGAL_DUMPING,
    "drogenkonsum": ComplaintCategory.DRUGS, "drogenhandel": ComplaintCategory.DRUGS,
    "betäubungsmittel": ComplaintCategory.DRUGS, "spritzen": ComplaintCategory.DRUGS,
    "trinkgelage": ComplaintCategory.ALCOHOL, "alkoholkonsum": ComplaintCategory.ALCOHOL,
    "belästigung": ComplaintCategory.AGGRESSION, "pöbelei": ComplaintCategory.AGGRESSION,
    "sachbeschädigung": ComplaintCategory.VANDALISM, "graffiti": ComplaintCategory.VANDALISM,
    "hundekot": ComplaintCategory.DOGS, "hunde": ComplaintCategory.DOGS,
    "jugendliche": ComplaintCategory.YOUTH_GROUPS,
    "dunkelheit": ComplaintCategory.LIGHTING, "angstraum": ComplaintCategory.LIGHTING,
}


class ComplaintGap(Wire):
    """Complaints against patrol effort at one place (or, as ``ComplaintArea``, one district):
    ``score`` is complaints per check smoothed toward the city's rate, ``lower`` its cautious
    lower bound, by which lists are ranked; ``stands_out`` when even ``lower`` exceeds the
    city's rate (see sync_server/complaints.py)."""

    place_id: Str
    name: Str
    type: Str
    district_id: Optional[Str]
    lat: float
    lon: float
    complaints: int
    checks: int
    score: float
    lower: float
    stands_out: bool
    by_category: dict[Str, int] = {}


class ComplaintArea(Wire):
    key: Optional[Str]  # district id; None: complaints outside every district
    name: Str
    complaints: int
    checks: int
    score: float
    lower: float
    stands_out: bool


class ComplaintPoint(Wire):
    """One complaint for the map: when, where, what kind. Nothing else exists to show."""

    at: Str
    lat: float
    lon: float
    category: Str
    place_id: Optional[Str] = None
    district_id: Optional[Str] = None


class ComplaintPicture(Wire):
    """Complaints in the picture's window and filters, set against the reader's checks."""

    since: Str
    until: Str
    prior_checks: float
    z: float
    city_rate: float  # complaints per check at places, city-wide
    complaints: int  # in the window (with the filters)
    placed: int  # of them near a place
    checks: int  # at places, the reader's (agency rule)
    by_category: dict[Str, int]
    places: list[ComplaintGap]
    districts: list[ComplaintArea]
    points: list[ComplaintPoint]
    points_total: int  # points in the window; ``points`` holds at most the newest MAX_POINTS
    area_rate: float = 0.0  # complaints per check, all districts (unplaced complaints too)
    # the reader's checks per place type in the window: dialogue events and innkeeper contacts
    # are counted here (one report, one meeting), beside the effort complaints are set against
    checks_by_type: dict[Str, int] = {}


class ComplaintSuggestions(Wire):
    """For a shift lead building a route: places with complaints and few checks."""

    since: Str
    until: Str
    city_rate: float
    places: list[ComplaintGap]
