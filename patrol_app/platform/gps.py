"""GPS through flet-geolocator: one fresh fix, or a reason in words why there is none."""

from __future__ import annotations

from datetime import datetime, timezone

import flet as ft
import flet_geolocator as fgl

import patrol_wire as wire

from . import Unavailable


class GpsUnavailable(Unavailable):
    """gps_denied / gps_unavailable."""


class Gps:
    def __init__(self, page: ft.Page) -> None:
        self._geo = fgl.Geolocator(
            configuration=fgl.GeolocatorConfiguration(accuracy=fgl.GeolocatorPositionAccuracy.HIGH))
        page.services.append(self._geo)  # services unreferenced after an event are dropped

    async def fix(self, *, web: bool) -> wire.GpsFix:
        try:
            status = await self._geo.request_permission()
            if status in (fgl.GeolocatorPermissionStatus.DENIED,
                          fgl.GeolocatorPermissionStatus.DENIED_FOREVER):
                raise GpsUnavailable("gps_denied")
            pos = await self._geo.get_current_position()
        except GpsUnavailable:
            raise
        except RuntimeError as exc:
            if "denied" in str(exc).lower():
                raise GpsUnavailable("gps_denied") from exc
            raise GpsUnavailable("gps_unavailable", str(exc)) from exc
        except Exception as exc:  # platform errors arrive as many types
            raise GpsUnavailable("gps_unavailable", str(exc)) from exc
        if pos.latitude is None or pos.longitude is None:
            raise GpsUnavailable("gps_unavailable", "no coordinates")
        ts = pos.timestamp if isinstance(pos.timestamp, datetime) else datetime.now(timezone.utc)
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=timezone.utc)
        return wire.GpsFix(
            lat=float(pos.latitude), lon=float(pos.longitude),
            accuracy_m=float(pos.accuracy if pos.accuracy is not None else 9999),
            fixed_at=wire.format_timestamp(ts),
            source=wire.FixSource.BROWSER if web else wire.FixSource.GPS)
