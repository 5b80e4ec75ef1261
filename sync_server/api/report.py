"""The steering group's report: ``GET /report.pdf`` for supervisors, the situation picture of a
window as a German PDF. The window is checked like the picture's (``situation.window``), the
agency rule is the reader's as in ``GET /situation``, and every download is audited."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import Response

import patrol_wire as wire

from .. import report
from ..storage import PictureFilter
from . import docs
from .deps import Analyst, PlacesDep, SettingsDep, StorageDep
from .situation import Since, Until, window

router = APIRouter(prefix=wire.API_PREFIX, tags=["situation"])

DEFAULT_DAYS = 91  # a quarter, when the caller names no start


@router.get("/report.pdf",
            responses={200: {"description": "the report, application/pdf (German, A4)",
                             "content": {"application/pdf": {
                                 "schema": {"type": "string", "format": "binary"}}}},
                       **docs.answers({}, 401, 403, 422, docs.STORAGE_FULL)})
def get_report_pdf(user: Analyst, storage: StorageDep, settings: SettingsDep,
                         places: PlacesDep, since: Since = None, until: Until = None) -> Response:
    """Key figures against the previous window of the same length, districts, coverage,
    measures by agency, hotspots with trend and a map, the weekday x hour grid and the
    checkpoints of the patrol plans -- for a quarter or half-year (any window up to 400 days;
    default: the last 91 days). No officer names; agency-only reports count only for readers
    of their agency."""
    start, end = window(since, until, DEFAULT_DAYS)
    storage.record(user.username, "export.report_pdf", "export", "report.pdf",
                   {"since": wire.format_timestamp(start), "until": wire.format_timestamp(end)})

    fig = report.gather(storage, PictureFilter(user.agency), since=start, until=end,
                        cooperation=settings.cooperation, tz=settings.timezone,
                        grace=settings.missed_grace, now=datetime.now(timezone.utc), places=places)
    pdf = report.render(fig)
    zone = ZoneInfo(settings.timezone)
    name = f"lenkungsgruppe-{start.astimezone(zone):%Y%m%d}-{end.astimezone(zone):%Y%m%d}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
