"""A check being filled in (the draft) and the report it becomes when saved."""

from __future__ import annotations

import enum
import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from uuid6 import uuid7

import patrol_wire as wire
from patrol_wire import (Finding, GpsFix, Measure, Place, PlaceType, Presence, Report, Severity,
                         Verdict, Visibility)

from patrol_rules import presence as rules_presence
from .photos import ProcessedPhoto


MAX_COUNT = 1_000_000  # a checklist count above this is a typo, not a crowd
_tokens = itertools.count(1)


@dataclass
class PendingPhoto:
    """A picked photo not yet attached: its bytes are on their way or being processed. Save
    waits for every one of these, so no picked photo is left out of the report."""

    name: str
    size: int | None = None  # bytes, when the picker said
    progress: float | None = None  # 0..1 of the bytes' trip, None while unknown
    token: int = field(default_factory=lambda: next(_tokens))


class SaveStep(enum.Enum):
    """What a tap on Save leads to, in this order."""

    FIX_PROBLEMS = "fix_problems"  # something the officer must change first (words: problems())
    WAIT_FOR_PHOTOS = "wait_for_photos"  # picked photos still on their way: wait, then go on
    ASK_STALE = "ask_stale"  # the fix is too old: a fresh position, or save "zu alt" knowingly
    SAVE = "save"


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
    pending: list[PendingPhoto] = field(default_factory=list)
    bad_counts: dict[str, str] = field(default_factory=dict)  # checklist key -> text typed

    def bump(self, key: str, delta: int) -> int:
        """Change an event counter, never below zero; returns the new value."""
        value = max(0, min(1_000_000, self.counts.get(key, 0) + delta))
        self.counts[key] = value
        return value

    def presence(self, at: datetime, rules: rules_presence.PresenceRules = rules_presence.PresenceRules()
                 ) -> rules_presence.PresenceResult:
        """The verdict a report made from this draft at ``at`` carries (build_report uses
        this very call): what the form shows, ticking, is what Save stores."""
        return rules_presence.presence(self.fix, self.place, at=at, rules=rules)

    def set_count(self, key: str, text: str | None) -> str | None:
        """A checklist count as typed: a whole number is the answer, empty is no answer, and
        anything else ("ca. 10", "-3") is kept as a problem -- never silently saved as no
        count. Returns the problem's catalogue key, or None."""
        raw = (text or "").strip()
        self.bad_counts.pop(key, None)
        self.answers.pop(key, None)
        if not raw:
            return None
        if not (raw.isascii() and raw.isdigit()):
            self.bad_counts[key] = raw
            return "count_not_a_number"
        value = int(raw)
        if value > MAX_COUNT:
            self.bad_counts[key] = raw
            return "count_too_large"
        self.answers[key] = value
        return None

    # ------------------------------------------------------------ photos on their way

    def photo_picked(self, name: str, size: int | None = None) -> PendingPhoto:
        """Note a photo the moment it is picked, before its bytes arrive."""
        pending = PendingPhoto(name, size)
        self.pending.append(pending)
        return pending

    def photo_done(self, pending: PendingPhoto, photo: ProcessedPhoto | None) -> bool:
        """The picked photo is processed (``photo``) or could not be read (None). True when it
        was attached (False: unreadable, or the same picture is already attached)."""
        self.pending = [p for p in self.pending if p.token != pending.token]
        return photo is not None and self.add_photo(photo)

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
        if self.bad_counts:
            out.append("counts_invalid")
        return out

    def stale_at(self, at: datetime, rules: rules_presence.PresenceRules = rules_presence.PresenceRules()
                 ) -> rules_presence.PresenceResult | None:
        """The verdict at ``at`` when it is "zu alt" (the officer is asked), else None."""
        result = self.presence(at, rules)
        return result if result.verdict is Verdict.STALE else None

    def save_step(self, at: datetime, *, stale_ok: bool = False,
                  rules: rules_presence.PresenceRules = rules_presence.PresenceRules()) -> SaveStep:
        """What Save does next at ``at``: problems first, then waiting for photos (the fix
        ages meanwhile, so staleness is judged after), then the stale question unless the
        officer already chose to save "zu alt" knowingly."""
        if self.problems():
            return SaveStep.FIX_PROBLEMS
        if self.pending:
            return SaveStep.WAIT_FOR_PHOTOS
        if not stale_ok and self.stale_at(at, rules) is not None:
            return SaveStep.ASK_STALE
        return SaveStep.SAVE


# What officers tick most at each kind of place (the city's figures): shown on the form's first
# screen, ahead of what this officer ticked most lately.
COMMON_FINDINGS: dict[PlaceType | None, tuple[Finding, ...]] = {
    None: (Finding.LITTER, Finding.BROKEN_GLASS, Finding.ALCOHOL, Finding.NOISE,
           Finding.DRUG_USE, Finding.VANDALISM),
    PlaceType.PLAYGROUND: (Finding.BROKEN_GLASS, Finding.SYRINGES, Finding.LITTER,
                           Finding.DAMAGED_EQUIPMENT, Finding.ALCOHOL, Finding.UNLEASHED_DOGS),
    PlaceType.DRUG_SCENE: (Finding.SYRINGES, Finding.DRUG_USE, Finding.DRUG_DEALING,
                           Finding.LITTER, Finding.ALCOHOL, Finding.AGGRESSION),
    PlaceType.NIGHTLIFE: (Finding.NOISE, Finding.ALCOHOL, Finding.AGGRESSION, Finding.BROKEN_GLASS,
                          Finding.YOUTH_PROTECTION, Finding.LITTER),
}
FIRST_SCREEN_FINDINGS = 6


def first_findings(place_type: PlaceType | None, recent: Iterable[Iterable[str]],
                   n: int = FIRST_SCREEN_FINDINGS) -> list[Finding]:
    """The findings on the form's first screen: those this officer ticked most in ``recent``
    reports (their findings' codes), topped up with the usual ones for the place type; shown
    in the catalogue's order, so a finding keeps its spot from one check to the next."""
    used = Counter(code for findings in recent for code in findings)
    valid = {f.value for f in Finding} - {Finding.OTHER.value}
    mine = [Finding(code) for code, _ in used.most_common() if code in valid]
    usual = COMMON_FINDINGS.get(place_type, COMMON_FINDINGS[None])
    chosen: list[Finding] = []
    for f in [*mine, *usual]:
        if f not in chosen and len(chosen) < n:
            chosen.append(f)
    order = list(Finding)
    return sorted(chosen, key=order.index)


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
