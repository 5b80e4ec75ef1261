"""The phone's camera through flet-camera (web, Android, iOS): a live preview and a shutter.

The file picker stays the fallback everywhere; this adapter only says in words why a camera
cannot be used (none found, access denied) so the check form can offer the picker instead.
"""

from __future__ import annotations

import flet_camera as fcam

from . import Unavailable


class CameraUnavailable(Unavailable):
    """camera_none / camera_denied / camera_failed."""


class Camera:
    def __init__(self) -> None:
        self.control = fcam.Camera(preview_enabled=True, expand=True)

    async def start(self) -> None:
        """Open the back camera (the first one when none faces back)."""
        try:
            cams = await self.control.get_available_cameras()
        except Exception as exc:  # permission denied, no media devices, unsupported platform
            raise _explain(exc) from exc
        if not cams:
            raise CameraUnavailable("camera_none")
        back = [c for c in cams if c.lens_direction == fcam.CameraLensDirection.BACK]
        try:
            await self.control.initialize((back or cams)[0], fcam.ResolutionPreset.VERY_HIGH,
                                          enable_audio=False)
        except Exception as exc:
            raise _explain(exc) from exc

    async def shoot(self) -> bytes:
        try:
            return bytes(await self.control.take_picture())
        except Exception as exc:
            raise _explain(exc) from exc


def _explain(exc: Exception) -> CameraUnavailable:
    text = str(exc)
    if any(w in text.lower() for w in ("denied", "permission", "notallowed")):
        return CameraUnavailable("camera_denied", text)
    return CameraUnavailable("camera_failed", text)
