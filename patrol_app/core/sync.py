"""The sync engine: push reports (oldest first, in batches), then the photos the server lacks,
then pull what changed. Every step is safe to repeat: report ids are made on the device and the
server treats an identical replay as success, so a lost answer costs a resend, never a duplicate.

Stops on "offline" and "auth needed" (nothing more can succeed now), moves on past a report the
server rejected (it is marked with the reason), and retries transient failures (5xx, 507 "storage
full", 429) with exponential backoff and full jitter -- within a run a few times, across runs via
``next_attempt_at``. A batch the server refuses as a whole (a 4xx for the request, not per item:
too large, unreadable) is never retried as it was: it is halved until the one report that cannot
pass is alone, and that one is marked refused with the server's reason -- at most 2n-1 requests
for n reports, never a loop.

Photos go up to PHOTO_UPLOADS at a time: one after another, each upload waited a round trip for
its answer with the link idle (a shift's backlog at 1 Mbit/s and 150 ms each way: 90 s, 3 at a
time 72 s against a floor of 71 s; bench/slow_link.py). Concurrency changes nothing about exactly-once: a photo's PUT is named by
the hash of its bytes and the server answers a repeat with "identical", each photo is in the
outbox once, and one that never started stays pending. When one upload stops the run (offline,
auth, a server error past its retries, storage_full) no further upload starts; those in flight
end as they end (each marks its own item), and the first stop is the run's outcome.
"""

from __future__ import annotations

import enum
import random
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

from patrol_wire import ItemStatus

from .client import AuthRequired, ClientError, Offline, Rejected, ServerError, SyncClient
from .store import ItemKind, LocalStore, OutboxItem, OutboxState

BATCH_SIZE = 100
# enough to keep a 3G uplink busy through a round trip (a 150 KB photo is 1.2 s at 1 Mbit/s,
# the answer 0.3 s away); few enough that the phone holds 3 photos and 3 connections at most
PHOTO_UPLOADS = 3


class Outcome(str, enum.Enum):
    OK = "ok"
    OFFLINE = "offline"
    AUTH_NEEDED = "auth_needed"
    SERVER_ERROR = "server_error"


@dataclass
class SyncResult:
    outcome: Outcome = Outcome.OK
    reports_sent: int = 0
    photos_sent: int = 0
    rejected: int = 0
    pulled: int = 0  # items of every kind pulled (reference data and questions)
    message: str = ""
    code: str | None = None  # the server's error code when it stopped the run (storage_full ...)
    rejected_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter (AWS architecture blog): sleep U(0, min(cap, base*2^n))."""

    base_s: float = 1.0
    cap_s: float = 300.0
    tries_per_run: int = 3

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        # 2**1024 does not fit a float: past the cap the exponent no longer matters
        exponent = min(max(0, attempt), 64)
        upper = min(self.cap_s, self.base_s * (2 ** exponent))
        return (rng or random).uniform(0, upper)


Progress = Callable[[int, int], None]  # (done, total)


class _Stop(Exception):
    def __init__(self, outcome: Outcome, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.code = code


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        client: SyncClient,
        *,
        backoff: Backoff = Backoff(),
        batch_size: int = BATCH_SIZE,
        photo_uploads: int = PHOTO_UPLOADS,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.backoff = backoff
        self.batch_size = batch_size
        self.photo_uploads = max(1, photo_uploads)
        self._sleep = sleep
        self._rng = rng or random.Random()

    def run(self, progress: Progress | None = None, *, pull: bool = True) -> SyncResult:
        """One full sync pass. Never raises for network trouble; the outcome says what happened."""
        result = SyncResult()
        self.store.recover_interrupted()
        total = self.store.due_count()
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        if progress:
            progress(0, total)
        try:
            self._push_reports(result, step)
            self._push_photos(result, step)
            if pull:
                self._pull(result)
        except _Stop as stop:
            result.outcome = stop.outcome
            result.message = stop.message
            result.code = stop.code
        return result

    # ------------------------------------------------------------ push

    def _push_reports(self, result: SyncResult, step: Callable[[int], None]) -> None:
        while True:
            items = self.store.due_items(ItemKind.REPORT, limit=self.batch_size)
            if not items:
                return
            self._push_batch(items, result, step)

    def _push_batch(self, items: list[OutboxItem], result: SyncResult,
                    step: Callable[[int], None]) -> None:
        ids = [it.ref for it in items]
        bodies = self.store.report_bodies(ids)
        self.store.mark(ItemKind.REPORT, ids, OutboxState.SENDING)
        try:
            results = self._with_retries(lambda: self.client.push_batch(bodies), ItemKind.REPORT,
                                         ids, items)
        except _Rejected as rej:  # the request as a whole was refused
            if len(items) == 1:
                self._refuse_reports(ids, rej.code, rej.message, result)
                step(1)
                return
            self.store.mark(ItemKind.REPORT, ids, OutboxState.PENDING)  # not left "sending"
            half = len(items) // 2  # what cannot pass is in one half (or both): find it
            self._push_batch(items[:half], result, step)
            self._push_batch(items[half:], result, step)
            return
        if len(results) != len(ids):
            self._fail_transient(ItemKind.REPORT, ids, items, "server answered a different number of items")
            raise _Stop(Outcome.SERVER_ERROR, "unexpected batch answer")
        self._record_batch(ids, results, result)
        step(len(ids))

    def _refuse_reports(self, ids: list[str], code: str, message: str, result: SyncResult) -> None:
        """Refused for good (until the officer resends or corrects it); photos only these
        reports carry are held back with them -- kept on the device, not sent."""
        self.store.mark(ItemKind.REPORT, ids, OutboxState.REJECTED, error_code=code, error=message,
                        count_attempt=True)
        photos_of = self.store.photo_refs_by_report(ids)
        held = self.store.photos_without_live_report([s for rid in ids for s in photos_of.get(rid, [])])
        self.store.mark(ItemKind.PHOTO, held, OutboxState.REJECTED, error_code="report_rejected",
                        error=message)
        result.rejected += len(ids)
        result.rejected_ids += ids

    def _record_batch(self, ids: list[str], results, result: SyncResult) -> None:
        """Apply a batch's receipts in a few store writes, not two per report (each write is
        an fsync on the phone's flash)."""
        photos_of = self.store.photo_refs_by_report(ids)
        sent: list[str] = []
        photos_present: list[str] = []
        for rid, res in zip(ids, results):
            if res.status in (ItemStatus.CREATED, ItemStatus.IDENTICAL):
                sent.append(rid)
                missing = set(res.missing_photos)
                # the server already has these (another report carried them): nothing to send
                photos_present += [s for s in photos_of.get(rid, []) if s not in missing]
            else:
                code = res.error.code if res.error else res.status.value
                msg = res.error.message if res.error else res.status.value
                self._refuse_reports([rid], code, msg, result)
        self.store.mark(ItemKind.REPORT, sent, OutboxState.SENT)
        self.store.mark(ItemKind.PHOTO, photos_present, OutboxState.SENT)
        result.reports_sent += len(sent)

    def _push_photos(self, result: SyncResult, step: Callable[[int], None]) -> None:
        """Every due photo, up to ``photo_uploads`` in flight: a new one starts as one ends,
        none after a stop. Outcomes are applied here, on the calling thread (the counts, the
        progress callback); the uploads only talk to the server and mark their own item."""
        todo = iter(self.store.due_items(ItemKind.PHOTO, limit=1_000_000, report_sent=True))
        stopped = threading.Event()
        stop: _Stop | None = None
        with ThreadPoolExecutor(max_workers=self.photo_uploads,
                                thread_name_prefix="photo-upload") as pool:
            running: set[Future] = set()
            while True:
                while not stopped.is_set() and len(running) < self.photo_uploads:
                    item = next(todo, None)
                    if item is None:
                        break
                    running.add(pool.submit(self._upload_photo, item, stopped))
                if not running:
                    break
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    try:
                        sent = future.result()
                    except _Stop as exc:
                        stop = stop or exc
                        stopped.set()
                        continue
                    if sent is None:  # not started: the run had stopped
                        continue
                    if sent:
                        result.photos_sent += 1
                    else:
                        result.rejected += 1
                    step(1)
        if stop is not None:
            raise stop

    def _upload_photo(self, item: OutboxItem, stopped: threading.Event) -> bool | None:
        """One photo: True sent (or already there), False refused, None not started because
        the run stopped meanwhile; raises _Stop like every other step."""
        if stopped.is_set():
            return None
        self.store.mark(ItemKind.PHOTO, [item.ref], OutboxState.SENDING)
        data = self.store.photo_bytes(item.ref)
        try:
            self._with_retries(lambda: self.client.put_photo(item.ref, data), ItemKind.PHOTO,
                               [item.ref], [item])
        except _Rejected as rej:
            self.store.mark(ItemKind.PHOTO, [item.ref], OutboxState.REJECTED,
                            error_code=rej.code, error=rej.message, count_attempt=True)
            return False
        self.store.mark(ItemKind.PHOTO, [item.ref], OutboxState.SENT)
        return True

    # ------------------------------------------------------------ pull

    def _pull(self, result: SyncResult) -> None:
        cursor = self.store.get_meta("sync_cursor")
        for _ in range(1000):  # bounded: a misbehaving server cannot keep us here forever
            try:
                page = self.client.pull(cursor)
            except Offline as exc:
                raise _Stop(Outcome.OFFLINE, str(exc)) from exc
            except AuthRequired as exc:
                raise _Stop(Outcome.AUTH_NEEDED, str(exc)) from exc
            except ClientError as exc:
                raise _Stop(Outcome.SERVER_ERROR, str(exc), exc.code) from exc
            self.store.apply_sync_page(page)
            # every kind the page carries, questions included: the app redraws Today only
            # when something was pulled, and a question alone must show up there
            result.pulled += sum(map(len, (page.places, page.districts, page.checklists,
                                           page.teams, page.assignments, page.queries,
                                           page.agencies, page.operations)))
            cursor = page.next_cursor
            if not page.has_more:
                return

    # ------------------------------------------------------------ retries

    def _with_retries(self, call, kind: ItemKind, refs: list[str], items):
        """The call's answer; transient failures retried a few times. Raises _Stop (nothing
        more can go now) or _Rejected (the server refused this request as it is)."""
        attempt = 0
        while True:
            try:
                return call()
            except Offline as exc:
                self._fail_transient(kind, refs, items, str(exc), pending=True)
                raise _Stop(Outcome.OFFLINE, str(exc)) from exc
            except AuthRequired as exc:
                self.store.mark(kind, refs, OutboxState.PENDING)
                raise _Stop(Outcome.AUTH_NEEDED, str(exc)) from exc
            except Rejected as exc:
                raise _Rejected(exc.code or "rejected", str(exc)) from exc
            except ServerError as exc:
                attempt += 1
                if attempt >= self.backoff.tries_per_run:
                    self._fail_transient(kind, refs, items, str(exc), code=exc.code)
                    raise _Stop(Outcome.SERVER_ERROR, str(exc), exc.code) from exc
                self._sleep(self.backoff.delay(attempt, self._rng))

    def _fail_transient(self, kind: ItemKind, refs: list[str], items, message: str,
                        *, pending: bool = False, code: str | None = None) -> None:
        """Back to the queue: pending when simply offline, failed with a backoff otherwise
        (keeping the server's code, e.g. storage_full, for the officer to read)."""
        attempts = max((it.attempts for it in items), default=0) + 1
        if pending:
            self.store.mark(kind, refs, OutboxState.PENDING, error_code="offline", error=message)
        else:
            self.store.mark(kind, refs, OutboxState.FAILED, error_code=code or "server_error",
                            error=message, count_attempt=True,
                            next_attempt_at=time.time() + self.backoff.delay(attempts, self._rng))


class _Rejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

