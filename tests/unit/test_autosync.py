"""Auto-sync: the probe schedule while the server is away, and a loop no failure can end."""

from __future__ import annotations

import asyncio
import random

import pytest

from patrol_app.core.autosync import AutoSync, SyncSchedule
from patrol_app.core.sync import Outcome, SyncResult


@pytest.fixture
def anyio_backend():
    return "asyncio"


def test_probes_back_off_from_a_second_to_the_cap_and_stay_there():
    s, rng = SyncSchedule(), random.Random(1)
    for failures, upper in [(0, 1), (1, 2), (2, 4), (3, 8), (4, 15), (5, 15), (60, 15), (10**6, 15)]:
        for _ in range(20):
            assert upper / 2 <= s.probe_delay(failures, rng) <= upper, failures


def test_what_decides_the_next_look():
    s, now = SyncSchedule(idle_s=180), 1000.0
    probe = s.next_delay(waiting=3, unreachable=True, probe_failures=2, next_attempt_at=None, now=now)
    assert 2 <= probe <= 4  # reports wait, the server is away: probe soon
    assert s.next_delay(waiting=0, unreachable=True, probe_failures=9, next_attempt_at=None,
                        now=now) == 180  # nothing waits: no hurry
    assert s.next_delay(waiting=3, unreachable=False, probe_failures=0, next_attempt_at=now + 40,
                        now=now) == 40  # a server error's backoff runs out
    assert s.next_delay(waiting=3, unreachable=False, probe_failures=0, next_attempt_at=now + 900,
                        now=now) == 180
    assert s.next_delay(waiting=0, unreachable=False, probe_failures=0, next_attempt_at=None,
                        now=now) == 180


class Phone:
    """The loop's world: a server that is away or back, a queue, a log of what was done."""

    def __init__(self) -> None:
        self.server_up = False
        self.queue = 3
        self.log: list[str] = []
        self.slept: list[float] = []
        self.errors: list[BaseException] = []
        self.raise_next = 0

    async def sync(self) -> SyncResult:
        self.log.append("sync")
        if self.raise_next:
            self.raise_next -= 1
            raise OverflowError("int too large to convert to float")
        if not self.server_up:
            return SyncResult(outcome=Outcome.OFFLINE)
        self.queue = 0
        return SyncResult(reports_sent=3)

    async def probe(self) -> bool:
        self.log.append("probe")
        return self.server_up

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def loop(self) -> AutoSync:
        return AutoSync(sync=self.sync, probe=self.probe, waiting=lambda: self.queue,
                        next_attempt_at=lambda: None, ready=lambda: True,
                        on_error=self.errors.append, sleep=self.sleep, rng=random.Random(3))


@pytest.mark.anyio
async def test_a_sync_that_raises_is_reported_and_the_loop_goes_on():
    phone = Phone()
    phone.server_up = True
    phone.raise_next = 1
    await phone.loop().run(rounds=3)
    assert phone.log == ["sync", "sync", "sync"]  # the round after the failure ran
    assert len(phone.errors) == 1 and isinstance(phone.errors[0], OverflowError)
    assert phone.queue == 0


@pytest.mark.anyio
async def test_while_the_server_is_away_it_is_probed_and_the_queue_goes_when_it_is_back():
    phone = Phone()
    auto = phone.loop()
    await auto.run(rounds=1)  # the first look finds the server away
    assert phone.log == ["sync"] and auto.unreachable
    await auto.run(rounds=4)  # cheap probes, a sync only once it answers
    assert phone.log == ["sync", "probe", "probe", "probe", "probe"]
    phone.server_up = True
    await auto.run(rounds=1)
    assert phone.log[-2:] == ["probe", "sync"] and phone.queue == 0
    assert phone.slept[0] == 180  # nothing known yet: the idle pull
    assert all(d <= 15 for d in phone.slept[1:])  # then never more than the cap apart
    assert phone.slept[1:5] == sorted(phone.slept[1:5])  # backing off
    await auto.run(rounds=1)
    assert phone.slept[-1] == 180  # queue empty: back to the idle pull


@pytest.mark.anyio
async def test_an_offline_sync_elsewhere_wakes_the_loop_into_probing():
    """A save's own sync fails offline: the loop, asleep for minutes, starts probing at once
    (the real pause, not a fake sleep)."""
    phone = Phone()
    auto = AutoSync(sync=phone.sync, probe=phone.probe, waiting=lambda: phone.queue,
                    next_attempt_at=lambda: None, ready=lambda: True,
                    schedule=SyncSchedule(idle_s=3600, probe_first_s=0.05, probe_cap_s=0.1))
    task = asyncio.create_task(auto.run())
    try:
        await asyncio.sleep(0.05)
        assert phone.log == []  # asleep for an hour
        auto.saw(SyncResult(outcome=Outcome.OFFLINE))
        phone.server_up = True
        for _ in range(100):
            if "sync" in phone.log:
                break
            await asyncio.sleep(0.02)
        assert phone.log == ["probe", "sync"] and phone.queue == 0
    finally:
        task.cancel()


@pytest.mark.anyio
async def test_the_loop_ends_with_its_session_even_when_woken_as_it_is_cancelled():
    """The app's session cancels the loop when it ends; a wake-up arriving in the same moment
    (a sync that just finished) must not swallow that cancellation and pause another 180 s."""
    async def nothing() -> SyncResult:
        return SyncResult()

    async def up() -> bool:
        return True

    loop = AutoSync(sync=nothing, probe=up, waiting=lambda: 0, next_attempt_at=lambda: None,
                    ready=lambda: True, schedule=SyncSchedule(idle_s=180))
    for _ in range(20):
        task = asyncio.create_task(loop.run())
        await asyncio.sleep(0)  # the loop is in its pause now
        loop.saw(SyncResult())  # the event is set ...
        task.cancel()  # ... and the session ends in the same turn of the event loop
        done, _ = await asyncio.wait([task], timeout=2)
        assert done, "the auto-sync loop outlived its cancellation"
