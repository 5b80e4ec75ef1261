"""The steering group's report: the situation picture of a quarter or half-year as a German PDF
(``figures`` computes, ``pdf`` and ``charts`` draw, ``words`` speaks German)."""

from .figures import SteeringFigures, gather
from .pdf import render

__all__ = ["SteeringFigures", "gather", "render"]
