"""Network state through Flet's Connectivity service.

In web mode the browser stands in for the phone's radio: when it reports no network, the app
behaves as offline (no sync attempts, the offline banner shows).
"""

from __future__ import annotations

from typing import Awaitable, Callable

import flet as ft


class Connectivity:
    def __init__(self, page: ft.Page, on_change: Callable[[bool], Awaitable[None] | None]) -> None:
        self.online = True
        self._on_change = on_change
        self._svc = ft.Connectivity(on_change=self._changed)
        page.services.append(self._svc)

    async def refresh(self) -> bool:
        try:
            kinds = await self._svc.get_connectivity()
        except Exception:  # unsupported platform: assume online, sync errors will tell
            return self.online
        self.online = any(k != ft.ConnectivityType.NONE for k in kinds)
        return self.online

    async def _changed(self, e: ft.ConnectivityChangeEvent) -> None:
        self.online = any(k != ft.ConnectivityType.NONE for k in e.connectivity)
        result = self._on_change(self.online)
        if result is not None:
            await result
