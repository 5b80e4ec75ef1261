"""When the device syncs by itself: a pull now and then, and -- while reports wait and the server
cannot be reached -- a cheap, frequent probe, so the queue drains within seconds of the network
coming back instead of at the next three-minute tick.

Plain asyncio, no flet: the app hands in its sync and probe coroutines (tests drive it with a
fake sleep). A sync that raises is logged and reported, and the loop goes on: auto-sync ends
only with the session.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from .sync import Outcome, SyncResult

log = logging.getLogger("patrol_app.sync")


@dataclass(frozen=True)
class SyncSchedule:
    """How long to wait before the next look. Probes back off from ``probe_first_s`` to
    ``probe_cap_s`` (a returning server is noticed within the cap; fifty phones probing a
    recovering server are spread out by jitter over the upper half of each step)."""

    idle_s: float = 180.0  # nothing waits, or the server is there: a pull every few minutes
    probe_first_s: float = 1.0
    probe_cap_s: float = 15.0

    def probe_delay(self, failures: int, rng: random.Random | None = None) -> float:
        upper = min(self.probe_cap_s, self.probe_first_s * 2 ** min(max(0, failures), 32))
        return (rng or random).uniform(upper / 2, upper)

    def next_delay(self, *, waiting: int, unreachable: bool, probe_failures: int,
                   next_attempt_at: float | None, now: float,
                   rng: random.Random | None = None) -> float:
        if waiting and unreachable:
            return self.probe_delay(probe_failures, rng)
        if waiting and next_attempt_at is not None:  # waiting out a server error's backoff
            return min(self.idle_s, max(self.probe_first_s, next_attempt_at - now))
        return self.idle_s


@dataclass
class AutoSync:
    """The loop. ``sync`` runs one sync pass (None when it did not run, e.g. no network);
    ``probe`` asks whether the server answers; ``waiting`` counts what waits to be sent;
    ``ready`` says whether syncing makes sense now (logged in, the radio on)."""

    sync: Callable[[], Awaitable[SyncResult | None]]
    probe: Callable[[], Awaitable[bool]]
    waiting: Callable[[], int]
    next_attempt_at: Callable[[], float | None]
    ready: Callable[[], bool]
    on_error: Callable[[BaseException], None] = lambda exc: None
    schedule: SyncSchedule = SyncSchedule()
    sleep: Callable[[float], Awaitable[None]] | None = None  # default: until woken or timed out
    clock: Callable[[], float] = time.time
    rng: random.Random | None = None
    unreachable: bool = False
    probe_failures: int = 0

    def __post_init__(self) -> None:
        self._wake = asyncio.Event()

    def saw(self, result: SyncResult | None) -> None:
        """Tell the loop about a sync run elsewhere (a save, the Send button, the network
        coming back): an offline outcome starts the probes at once."""
        if result is None:
            return
        unreachable = result.outcome is Outcome.OFFLINE
        if unreachable and not self.unreachable:
            self.probe_failures = 0
        self.unreachable = unreachable
        self._wake.set()

    def delay(self) -> float:
        return self.schedule.next_delay(
            waiting=self.waiting(), unreachable=self.unreachable,
            probe_failures=self.probe_failures, next_attempt_at=self.next_attempt_at(),
            now=self.clock(), rng=self.rng)

    async def run(self, *, rounds: int | None = None) -> None:
        """Forever (or ``rounds`` times, for tests)."""
        n = 0
        while rounds is None or n < rounds:
            n += 1
            await self._pause()
            try:
                await self.tick()
            except Exception as exc:  # noqa: BLE001 -- a failed round must not end auto-sync
                log.exception("auto-sync round failed")
                self.on_error(exc)

    async def tick(self) -> None:
        if not self.ready():
            return
        if self.unreachable and self.waiting():
            if not await self.probe():
                self.probe_failures += 1
                return
            self.probe_failures = 0
        self.saw(await self.sync())

    async def _pause(self) -> None:
        """Until the next look is due. Woken by :meth:`saw`, the wait is measured afresh: a
        sync that just failed offline starts the probes from their first, short step."""
        if self.sleep is not None:
            await self.sleep(self.delay())
            return
        while True:
            self._wake.clear()
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for returns the event's result
                # when a cancellation arrives just as the event is set, and the loop would then
                # outlive its session (seen: a test's teardown waited out the 180 s pause)
                async with asyncio.timeout(self.delay()):
                    await self._wake.wait()
            except TimeoutError:
                return
