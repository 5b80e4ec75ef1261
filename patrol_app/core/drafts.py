"""A half-filled check kept for its author: written when the form must close (logout, lock, an
expired session), offered again at that person's next login -- and to nobody else.

The form's state is a :class:`CheckDraft`; this turns it into JSON (photos travel apart, as
bytes) and back. Reference data is looked up again on the way back: a place or checklist
removed meanwhile leaves the draft without it rather than losing the draft."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import patrol_wire as wire

from .checks import CheckDraft
from .photos import ProcessedPhoto

if TYPE_CHECKING:
    from .store import LocalStore

FORMAT = 1


def has_content(draft: CheckDraft) -> bool:
    """Did the officer enter anything? A form opened and left untouched is not worth keeping
    (the GPS fix the app filled in by itself does not count)."""
    return bool(draft.answers or draft.findings or draft.measures or draft.note.strip()
                or draft.photos or draft.no_fix_reason.strip() or any(draft.counts.values())
                or draft.agency_only or draft.severity is not wire.Severity.NONE
                or draft.amends or getattr(draft, "supersedes", None))


def encode(draft: CheckDraft) -> str:
    from .device import CorrectionDraft

    body: dict = {
        "format": FORMAT,
        "place_id": draft.place.id if draft.place else None,
        "checklist": [draft.checklist.id, draft.checklist.version] if draft.checklist else None,
        "answers": draft.answers,
        "findings": sorted(f.value for f in draft.findings),
        "measures": sorted(m.value for m in draft.measures),
        "severity": draft.severity.value,
        "note": draft.note,
        "fix": wire.encode(draft.fix) if draft.fix else None,
        "no_fix_reason": draft.no_fix_reason,
        "agency_only": draft.agency_only,
        "counts": draft.counts,
        "amends": draft.amends,
    }
    if isinstance(draft, CorrectionDraft):
        body["correction"] = {
            "supersedes": draft.supersedes,
            "original_fix": wire.encode(draft.original_fix) if draft.original_fix else None,
            "original_at": wire.format_timestamp(draft.original_at) if draft.original_at else None}
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


def decode(store: "LocalStore", text: str, photos: list[ProcessedPhoto]) -> CheckDraft:
    from .device import CorrectionDraft

    body = json.loads(text)
    place = store.place(body["place_id"]) if body.get("place_id") else None
    checklist = None
    if body.get("checklist"):
        cid, version = body["checklist"]
        checklist = next((c for c in store.ref_items("checklist")
                          if c.id == cid and c.version == version), None)
    fields = dict(
        place=place, checklist=checklist, answers=dict(body.get("answers") or {}),
        findings={wire.Finding(f) for f in body.get("findings", []) if f in _FINDINGS},
        measures={wire.Measure(m) for m in body.get("measures", []) if m in _MEASURES},
        severity=wire.Severity(body.get("severity", "none")), note=body.get("note", ""),
        photos=list(photos),
        fix=wire.decode(wire.GpsFix, body["fix"]) if body.get("fix") else None,
        no_fix_reason=body.get("no_fix_reason", ""), agency_only=bool(body.get("agency_only")),
        counts={k: int(v) for k, v in (body.get("counts") or {}).items()},
        amends=body.get("amends"))
    correction = body.get("correction")
    if correction:
        return CorrectionDraft(
            **fields, supersedes=correction["supersedes"],
            original_fix=wire.decode(wire.GpsFix, correction["original_fix"])
            if correction.get("original_fix") else None,
            original_at=wire.parse_timestamp(correction["original_at"])
            if correction.get("original_at") else None)
    return CheckDraft(**fields)


_FINDINGS = {f.value for f in wire.Finding}
_MEASURES = {m.value for m in wire.Measure}
