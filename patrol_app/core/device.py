"""The device: its store, its login and its sync, as the UI uses them (no flet here)."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path
import httpx

import patrol_wire as wire

from patrol_rules import stops
from .checks import CheckDraft, build_report
from .client import SyncClient
from .office import Office
from .store import LocalStore, OutboxState
from .sync import Outcome, Progress, SyncEngine, SyncResult


class Device:
    def __init__(self, data_dir: str | Path, server_url: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.store = LocalStore(data_dir)
        self.server_url = self.store.get_meta("server_url") or server_url
        self._transport = transport
        self._sync_lock = threading.Lock()
        self.last_sync: SyncResult | None = None

    # ------------------------------------------------------------ session

    @property
    def user(self) -> wire.UserInfo | None:
        raw = self.store.get_meta("user")
        return None if raw is None else wire.decode(wire.UserInfo, json.loads(raw))

    @property
    def logged_in(self) -> bool:
        return self.store.get_meta("token") is not None and self.user is not None

    def client(self) -> SyncClient:
        return SyncClient(self.server_url, self.store.get_meta("token"), transport=self._transport)

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

    def logout(self) -> int:
        """Forget the token; unsynced reports stay on the device. Returns how many wait."""
        self.store.set_meta("token", None)
        return self.unsent_count()

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
        """The team a new report belongs to: the one on today's route, else my first team."""
        now = now or datetime.now(timezone.utc)
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
        now = now or datetime.now(timezone.utc)
        report = build_report(draft, team_id=self.team_id(now), now=now)
        self.store.save_report(report, draft.photos)
        return report

    def current_places(self, now: datetime | None = None) -> list[wire.Place]:
        """Active places that run now: events only during their dates. Every screen that offers
        places (list, "check here", map) uses this one filter."""
        now = now or datetime.now(timezone.utc)
        return [p for p in self.store.places() if _is_current(p, now)]

    def route_today(self, now: datetime | None = None
                    ) -> tuple[wire.Assignment, list[stops.StopState]] | None:
        """My team's current assignment and each stop's status, from this device's reports."""
        now = now or datetime.now(timezone.utc)
        user = self.user
        assignment = stops.current_assignment(self.store.ref_items("assignment"),
                                              self.my_team_ids() if user else [], now)
        if assignment is None:
            return None
        places = {p.id: p for p in self.store.places(active_only=False)}
        checks = [stops.Check(pid, wire.parse_timestamp(at), verdict == wire.Verdict.ON_SITE.value)
                  for pid, at, verdict in self.store.checks_since(assignment.shift_start)]
        return assignment, stops.stop_states(assignment, places, checks, now=now)

    # ------------------------------------------------------------ sync

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
