"""A check being filled in (the draft) and the report it becomes when saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from uuid6 import uuid7

import patrol_wire as wire
from patrol_wire import Finding, GpsFix, Measure, Place, Presence, Report, Severity, Visibility

from patrol_rules import presence as rules_presence
from .photos import ProcessedPhoto


@dataclass
class CheckDraft:
    place: Place | None
    checklist: wire.Checklist | None = None
    answers: dict[str, bool | int | str] = field(default_factory=dict)
    findings: set[Finding] = field(default_factory=set)
    measures: set[Measure] = field(default_factory=set)
    severity: Severity = Severity.NONE
    note: str = ""
    photos: list[ProcessedPhoto] = field(default_factory=list)
    fix: GpsFix | None = None
    no_fix_reason: str = ""
    agency_only: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # event mode: persons, incidents, ...
    amends: str | None = None  # the report this one answers a query about

    def bump(self, key: str, delta: int) -> int:
        """Change an event counter, never below zero; returns the new value."""
        value = max(0, min(1_000_000, self.counts.get(key, 0) + delta))
        self.counts[key] = value
        return value

    def presence(self, at: datetime, rules: rules_presence.PresenceRules = rules_presence.PresenceRules()
                 ) -> rules_presence.PresenceResult:
        return rules_presence.presence(self.fix, self.place, at=at, rules=rules)

    def add_photo(self, photo: ProcessedPhoto) -> bool:
        """False when the same picture is already attached."""
        if any(p.sha256 == photo.sha256 for p in self.photos):
            return False
        self.photos.append(photo)
        return True

    def remove_photo(self, sha256: str) -> None:
        self.photos = [p for p in self.photos if p.sha256 != sha256]

    def problems(self) -> list[str]:
        """What stops saving, as catalogue keys (shown translated)."""
        out = []
        if self.fix is None and not self.no_fix_reason.strip():
            out.append("need_fix_or_reason")
        return out


def build_report(draft: CheckDraft, *, team_id: str | None, now: datetime,
                 rules: rules_presence.PresenceRules = rules_presence.PresenceRules()) -> Report:
    """Freeze a draft into a report with a fresh time-ordered id (uuid7: cheap B-tree appends)."""
    verdict = draft.presence(now, rules)
    return Report(
        id=str(uuid7()),
        observed_at=wire.format_timestamp(now),
        presence=Presence(verdict.verdict, verdict.distance_m),
        severity=draft.severity,
        visibility=Visibility.AGENCY if draft.agency_only else Visibility.COOPERATION,
        place_id=draft.place.id if draft.place else None,
        team_id=team_id,
        fix=draft.fix,
        no_fix_reason=None if draft.fix else (draft.no_fix_reason.strip()[:200] or None),
        checklist_id=draft.checklist.id if draft.checklist else None,
        checklist_version=draft.checklist.version if draft.checklist else None,
        answers=dict(sorted(draft.answers.items())),
        findings=sorted(draft.findings, key=lambda f: f.value),
        measures=sorted(draft.measures, key=lambda m: m.value),
        note=draft.note.strip()[:4000],
        photos=[p.sha256 for p in draft.photos],
        counts={k: v for k, v in sorted(draft.counts.items()) if v},
        amends=draft.amends,
    )
