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
            pos = await self._geo.get_current_position(configuration=position_request(web))
        except GpsUnavailable:
            raise
        except RuntimeError as exc:
            if "denied" in str(exc).lower():
                raise GpsUnavailable("gps_denied") from exc
            raise GpsUnavailable("gps_unavailable", str(exc)) from exc
        except Exception as exc:  # platform errors arrive as many types
            raise GpsUnavailable("gps_unavailable", str(exc)) from exc
        return fix_from_position(pos, web=web)


def position_request(web: bool) -> fgl.GeolocatorConfiguration:
    """A fresh position. Left to its defaults the web plugin asked the browser with
    ``maximumAge`` 5 min (seen in Chromium's getCurrentPosition options): a phone's browser
    may then answer "Neue Position" after a stale fix with the very same cached fix, and the
    officer is asked again and again."""
    if web:
        return fgl.GeolocatorWebConfiguration(accuracy=fgl.GeolocatorPositionAccuracy.HIGH,
                                              maximum_age=ft.Duration())
    return fgl.GeolocatorConfiguration(accuracy=fgl.GeolocatorPositionAccuracy.HIGH)


def fix_from_position(pos, *, web: bool) -> wire.GpsFix:
    """The wire's fix from the plugin's position (attributes latitude, longitude, accuracy,
    timestamp). 7 decimals is about 1 cm and the accuracy goes to 0.1 m: finer than any phone
    knows, and short numbers make reports shorter and quicker for the server to check."""
    if pos.latitude is None or pos.longitude is None:
        raise GpsUnavailable("gps_unavailable", "no coordinates")
    ts = pos.timestamp if isinstance(pos.timestamp, datetime) else datetime.now(timezone.utc)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return wire.GpsFix(
        lat=round(float(pos.latitude), 7), lon=round(float(pos.longitude), 7),
        accuracy_m=round(float(pos.accuracy if pos.accuracy is not None else 9999), 1),
        fixed_at=wire.format_timestamp(ts),
        source=wire.FixSource.BROWSER if web else wire.FixSource.GPS)
