"""The device: its store, its login and its sync, as the UI uses them (no flet here)."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
import httpx

import patrol_wire as wire

from patrol_rules import presence as rules_presence
from patrol_rules import stops
from . import drafts
from .checks import CheckDraft, build_report
from .client import ClientError, Clock, SyncClient, utc_now
from .office import Office
from .store import LocalStore, OutboxState
from .sync import Outcome, Progress, SyncEngine, SyncResult

CLOCK_NOTABLE_S = 60.0  # a phone clock further off than this is worth a word (the server's tolerance)

log = logging.getLogger("patrol_app")


@dataclass(kw_only=True)
class CorrectionDraft(CheckDraft):
    """A check form prefilled from a refused report; saving it supersedes that report.

    With the refused report's fix unchanged it is the same check with its content corrected:
    it keeps the check's time, and its presence verdict is the one for that time (what the form
    shows is what is saved). With a new fix it is a new check, made now."""

    supersedes: str
    original_fix: wire.GpsFix | None = None
    original_at: datetime | None = None

    def check_time(self, now: datetime) -> datetime:
        if self.original_at is not None and self.fix == self.original_fix:
            return self.original_at
        return now

    def presence(self, at, rules=rules_presence.PresenceRules()):
        return super().presence(self.check_time(at), rules)


@dataclass(frozen=True)
class QueueState:
    """What the outbox holds after a sync, for the status line: never "all sent" while
    something waits or was refused."""

    waiting: int  # pending, being sent, or waiting out a backoff
    refused: int  # refused by the server, not yet resent or corrected


class Device:
    def __init__(self, data_dir: str | Path, server_url: str,
                 transport: httpx.BaseTransport | None = None, *, clock: Clock = utc_now) -> None:
        self.store = LocalStore(data_dir)
        self.server_url = self.store.get_meta("server_url") or server_url
        self._transport = transport
        self.clock = clock  # the phone's clock, right or wrong (tests shift it)
        self._sync_lock = threading.Lock()
        self.last_sync: SyncResult | None = None
        self.last_saved_at = 0.0  # time.monotonic() of the last saved check

    # ------------------------------------------------------------ session

    @property
    def user(self) -> wire.UserInfo | None:
        raw = self.store.get_meta("user")
        return None if raw is None else wire.decode(wire.UserInfo, json.loads(raw))

    @property
    def logged_in(self) -> bool:
        return self.store.get_meta("token") is not None and self.user is not None

    def client(self) -> SyncClient:
        return SyncClient(self.server_url, self.store.get_meta("token"), transport=self._transport,
                          clock=self.clock, on_server_time=self._server_time_seen)

    # ------------------------------------------------------------ the phone's clock

    def _server_time_seen(self, server: datetime, local: datetime) -> None:
        """Keep the offset (server - phone) the last answer showed; written only when it moved
        by a second or more (every write is an fsync on the phone's flash)."""
        offset = round((server - local).total_seconds(), 1)
        known = self.clock_offset()
        if known is None or abs(known - offset) >= 1.0:
            self.store.set_meta("clock_offset_s", repr(offset))

    def server_time(self, device_time: datetime | None = None) -> datetime:
        """A moment read off the phone's clock (default: now) on the server's clock: plus the
        known offset when that is notable, else as it reads."""
        moment = device_time or self.clock()
        offset = self.clock_offset()
        if offset is not None and abs(offset) > CLOCK_NOTABLE_S:
            return moment + timedelta(seconds=offset)
        return moment

    def clock_offset(self) -> float | None:
        """Seconds to add to the phone's clock to get the server's; None before any answer."""
        raw = self.store.get_meta("clock_offset_s")
        return None if raw is None else float(raw)

    def clock_notice(self) -> float | None:
        """The offset, once, when the phone's clock is notably wrong and the officer has not
        been told about this offset yet (told again only when it changes notably)."""
        offset = self.clock_offset()
        told_raw = self.store.get_meta("clock_told_s")
        told = None if told_raw is None else float(told_raw)
        if offset is None or abs(offset) <= CLOCK_NOTABLE_S:
            if told is not None:
                self.store.set_meta("clock_told_s", None)  # right again: a new error is news
            return None
        if told is not None and abs(told - offset) <= CLOCK_NOTABLE_S:
            return None
        self.store.set_meta("clock_told_s", repr(offset))
        return offset

    def office(self) -> Office:
        """Online calls for shift leads, supervisors and admins; close() it after use."""
        return Office(self.client())

    def login(self, username: str, password: str, server_url: str | None = None) -> wire.UserInfo:
        """Raises client errors (Offline, Rejected/AuthRequired for bad credentials)."""
        if server_url:
            self.server_url = server_url.rstrip("/")
        client = self.client()
        try:
            resp = client.login(username, password)
        finally:
            client.close()
        previous = self.user
        if previous is not None and previous.username != resp.user.username:
            self.store.set_meta("sync_cursor", None)  # another person's assignments: pull afresh
        self.store.set_meta("server_url", self.server_url)
        self.store.set_meta("token", resp.token)
        self.store.set_meta("user", wire.canonical_json(resp.user).decode())
        return resp.user

    def logout(self) -> str | None:
        """Forget the token; unsynced reports and a kept draft stay on the device. Returns the
        token it had, for :meth:`end_session` (the network part, which may take seconds)."""
        token = self.store.get_meta("token")
        self.store.set_meta("token", None)
        return token

    def end_session(self, token: str | None) -> bool:
        """Tell the server a session is over, so that a token copied off this phone stops
        working at once. Best effort, a few seconds at most: offline, the session simply ends
        at its expiry. True when the server confirmed."""
        if not token:
            return False
        client = SyncClient(self.server_url, token, transport=self._transport, clock=self.clock)
        try:
            client.logout()
        except ClientError as exc:
            log.info("session not ended on the server (%s); it expires there by itself", exc)
            return False
        finally:
            client.close()
        return True

    # ------------------------------------------------------------ a draft kept for its author

    def park_draft(self, draft: CheckDraft) -> bool:
        """Keep the logged-in person's half-filled check until they log in again (only theirs:
        the next person on this phone does not see it). False when there was nothing in it."""
        user = self.user
        if user is None or not drafts.has_content(draft):
            return False
        self.store.park_draft(user.username, drafts.encode(draft), draft.photos)
        return True

    def parked_draft(self) -> CheckDraft | None:
        """The logged-in person's kept draft, if any (it stays kept until taken)."""
        user = self.user
        kept = self.store.parked_draft(user.username) if user else None
        return None if kept is None else drafts.decode(self.store, *kept)

    def take_parked_draft(self) -> CheckDraft | None:
        """The kept draft, handed back to the form (and no longer kept)."""
        draft = self.parked_draft()
        if draft is not None:
            self.store.drop_draft(self.user.username)
        return draft

    def unsent_count(self) -> int:
        counts = self.store.outbox_counts()
        return sum(counts[s] for s in (OutboxState.PENDING, OutboxState.SENDING, OutboxState.FAILED))

    # ------------------------------------------------------------ checks

    def my_team_ids(self) -> list[str]:
        """My teams as last pulled (a shift lead may have changed them since login); the
        login's list until the first pull."""
        user = self.user
        if user is None:
            return []
        teams = self.store.ref_items("team")
        if not teams:
            return list(user.team_ids)
        return [t.id for t in teams if any(m.username == user.username for m in t.members)]

    def team_id(self, now: datetime | None = None) -> str | None:
        """The team a new report belongs to: the one on today's route, else my first team
        (``now`` on the server's clock, as the routes are)."""
        now = now or self.server_time()
        teams = self.my_team_ids()
        current = stops.current_assignment(self.store.ref_items("assignment"), teams, now)
        if current is not None:
            return current.team_id
        return teams[0] if teams else None

    def open_queries(self) -> list[wire.Query]:
        """Questions from review still waiting for my answer, oldest first. Answered on this
        device but not yet synced counts as answered."""
        unanswered = [q for q in self.store.ref_items("query") if q.answered_at is None]
        if not unanswered:  # the usual case: Today is drawn without reading the reports
            return []
        answered_here = self.store.amended_at()
        return sorted((q for q in unanswered
                       if answered_here.get(q.report_id, "") < _utc_text(q.asked_at)),
                      key=lambda q: q.asked_at)

    def answer_query(self, query: wire.Query, text: str, *, fix: wire.GpsFix | None = None,
                     now: datetime | None = None) -> wire.Report:
        """Save the answer as an amendment of the asked-about report; it syncs like any check."""
        original = self.store.get_report(query.report_id)
        place = self.store.place(query.place_id) if query.place_id else None
        draft = CheckDraft(place=place, note=text, fix=fix, amends=query.report_id,
                           no_fix_reason="Nachtrag zur Rückfrage",
                           severity=original.severity if original else wire.Severity.NONE,
                           agency_only=bool(original and original.visibility is wire.Visibility.AGENCY))
        return self.save_check(draft, now=now)

    def save_check(self, draft: CheckDraft, *, now: datetime | None = None) -> wire.Report:
        """Save a check as a report. A :class:`CorrectionDraft` keeps the refused report's
        time when its fix is unchanged (the same check, content corrected) and supersedes it;
        with a new fix it is a new check, made now."""
        now = now or self.clock()
        supersedes = None
        if isinstance(draft, CorrectionDraft):
            supersedes = draft.supersedes
            now = draft.check_time(now)
        report = build_report(draft, team_id=self.team_id(self.server_time(now)), now=now)
        self.store.save_report(report, draft.photos, supersedes=supersedes)
        self.last_saved_at = time.monotonic()
        return report

    def correction_draft(self, report_id: str) -> CorrectionDraft:
        """A draft with everything the refused report said (place, fix, answers, photos ...),
        for the check form; saving it supersedes the refused one."""
        r = self.store.get_report(report_id)
        if r is None:
            raise KeyError(report_id)
        place = self.store.place(r.place_id) if r.place_id else None
        checklist = None
        if r.checklist_id is not None:
            checklist = next((c for c in self.store.ref_items("checklist")
                              if c.id == r.checklist_id and c.version == r.checklist_version), None)
        if checklist is None and place is not None:
            checklist = self.store.checklist_for(place.type)
        return CorrectionDraft(
            place=place, checklist=checklist, answers=dict(r.answers), findings=set(r.findings),
            measures=set(r.measures), severity=r.severity, note=r.note,
            photos=self.store.photos_of(report_id), fix=r.fix, no_fix_reason=r.no_fix_reason or "",
            agency_only=r.visibility is wire.Visibility.AGENCY, counts=dict(r.counts),
            amends=r.amends, supersedes=report_id, original_fix=r.fix,
            original_at=wire.parse_timestamp(r.observed_at))

    def resend(self, report_id: str) -> bool:
        """Queue a refused report again as it is (the server changed, e.g. a place was added)."""
        return self.store.resend(report_id)

    def queue_state(self) -> QueueState:
        return QueueState(waiting=self.unsent_count(), refused=self.store.refused_count())

    def current_places(self, now: datetime | None = None) -> list[wire.Place]:
        """Active places that run now: events only during their dates. Every screen that offers
        places (list, "check here", map) uses this one filter."""
        now = now or self.server_time()
        return [p for p in self.store.places() if _is_current(p, now)]

    def route_today(self, now: datetime | None = None
                    ) -> tuple[wire.Assignment, list[stops.StopState]] | None:
        """My team's current assignment and each stop's status, from this device's reports --
        on the server's clock, as the route windows are: a phone two hours slow must not show
        its checks as missed."""
        now = now or self.server_time()
        user = self.user
        assignment = stops.current_assignment(self.store.ref_items("assignment"),
                                              self.my_team_ids() if user else [], now)
        if assignment is None:
            return None
        places = {p.id: p for p in self.store.places(active_only=False)}
        start = wire.parse_timestamp(assignment.shift_start)
        shift = self.server_time(start) - start  # the phone's readings -> the server's clock
        checks = [stops.Check(pid, wire.parse_timestamp(at) + shift,
                              verdict == wire.Verdict.ON_SITE.value)
                  for pid, at, verdict in self.store.checks_since(
                      wire.format_timestamp(start - shift))]
        return assignment, stops.stop_states(assignment, places, checks, now=now)

    # ------------------------------------------------------------ sync

    def probe(self) -> bool:
        """Is the server reachable now? Cheap (no login, no body); learns its clock too."""
        client = self.client()
        try:
            return client.probe()
        finally:
            client.close()

    def sync(self, progress: Progress | None = None) -> SyncResult:
        """One sync pass; concurrent calls wait for the running one instead of racing it."""
        with self._sync_lock:
            if not self.store.get_meta("token"):
                result = SyncResult(outcome=Outcome.AUTH_NEEDED, message="not logged in")
            else:
                client = self.client()
                try:
                    result = SyncEngine(self.store, client).run(progress)
                finally:
                    client.close()
            self.last_sync = result
            return result


def _utc_text(ts: str) -> str:
    return wire.format_timestamp(wire.parse_timestamp(ts))


def _is_current(place: wire.Place, now: datetime) -> bool:
    if place.active_from and wire.parse_timestamp(place.active_from) > now:
        return False
    return not (place.active_until and wire.parse_timestamp(place.active_until) < now)
