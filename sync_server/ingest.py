"""From a decoded JSON item to a stored report: validation, the server's presence verdict, storage.

Used by both the single PUT and the batch endpoint, so both answer the same item the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import patrol_wire as wire
from patrol_rules import presence
from patrol_wire import ErrorCode, ItemStatus, WireError

from .access import can_amend
from .config import Settings
from .places import PlaceBook
from .storage import NewReport, Storage, User


CLOCK_TOLERANCE = timedelta(seconds=60)  # a device clock this close is taken as it reads


@dataclass(frozen=True)
class ItemError:
    code: ErrorCode
    message: str
    field: str | None = None


class Ingestor:
    def __init__(self, storage: Storage, settings: Settings, places: PlaceBook | None = None) -> None:
        self.storage = storage
        self.places = places or PlaceBook(storage)
        self.settings = settings
        self.rules = presence.PresenceRules(settings.accuracy_gate_m, settings.max_fix_age)
        self._clock: tuple = (None, None, None, None, None)  # see clock_rule

    def prepare(self, item: object, *, now: datetime, canonical: str | None = None,
                skew: timedelta | None = None) -> NewReport | ItemError:
        """Validate one report; an ItemError says why it cannot be stored.

        ``canonical``: the item's text when ``wire.canonical_batch`` recognised it as a valid
        report in canonical spelling; then the item is already normalized and the text is what
        ``canonical_json`` would write, so neither is done again. ``skew``: the device clock
        minus the server clock when the request arrived (``X-Device-Time``), None if unsaid."""
        if canonical is None:
            try:
                data = wire.normalize(wire.Report, item)
            except WireError as err:
                return ItemError(err.code, err.message, err.path or None)
        else:
            data = item  # type: ignore[assignment]
        observed = _instant(data["observed_at"])  # normalize or the recogniser checked it
        _, _, shift, latest, skew_s = self.clock_rule(now, skew)
        counted = observed if shift is None else observed - shift
        if counted > latest:
            counted = now
        fix = data["fix"]
        fixed_at = None if fix is None else _instant(fix["fixed_at"])
        if fixed_at is not None and fixed_at > observed + CLOCK_TOLERANCE:
            # a fix dated after the check: as unfit for proof as one that old before it
            fixed_at = observed - (fixed_at - observed)
        place = None
        if data["place_id"] is not None:
            place = self.places.get(data["place_id"])
            if place is None:
                return ItemError(ErrorCode.UNKNOWN_PLACE, "no such place", "place_id")
        if fix is None:
            verdict = presence.PresenceResult(wire.Verdict.NO_FIX)
        else:
            verdict = presence.presence_of(fix["lat"], fix["lon"], fix["accuracy_m"], fixed_at, place,
                                      at=observed, rules=self.rules)
        if canonical is None:
            canonical = wire.canonical_json(data).decode("utf-8")
        return NewReport(
            id=data["id"], content_hash=_sha256(canonical.encode("utf-8")), body=canonical,
            place_id=data["place_id"], team_id=data["team_id"],
            observed_at=_utc(data["observed_at"], observed) if counted is observed
            else wire.format_timestamp(counted),
            lat=None if fix is None else fix["lat"], lon=None if fix is None else fix["lon"],
            accuracy_m=None if fix is None else fix["accuracy_m"],
            device_verdict=data["presence"]["verdict"], server_verdict=verdict.verdict.value,
            server_distance_m=verdict.distance_m, severity=data["severity"],
            visibility=data["visibility"], photos=data["photos"], amends=data["amends"],
            findings_mask=_mask(data["findings"]), n_findings=len(data["findings"]),
            n_measures=len(data["measures"]),
            clock_skew_s=skew_s)

    def clock_rule(self, now: datetime, skew: timedelta | None) -> tuple:
        """When a check happened, on the server's clock -- what the ``observed_at`` column
        holds and every figure, progress view and list counts by. Never a reason to refuse.

        With the device's clock reading (``skew`` known): the claim minus the skew when the
        skew exceeds ``CLOCK_TOLERANCE``, else the claim as it is. Without one (older
        clients): the claim. Either way a time after the receipt (beyond the tolerance, or
        ``future_slack`` without a reading) cannot be when the check happened -- the clock was
        set back between save and send, or it is unknown how wrong it was -- and the receipt
        time is stored instead, with the skew as known (or unknown): the reviewer sees the
        claim, the receipt and the skew, nothing is estimated silently.

        Returns (now, skew, shift to subtract or None, latest believable time, skew in s):
        the same for every report of a request, so worked out once per request (the tuple is
        swapped whole: threads share the ingestor)."""
        rule = self._clock
        if rule[0] is now and rule[1] is skew:
            return rule
        if skew is None:
            rule = (now, skew, None, now + self.settings.future_slack, None)
        else:
            rule = (now, skew, skew if abs(skew) > CLOCK_TOLERANCE else None,
                    now + CLOCK_TOLERANCE, round(skew.total_seconds(), 3))
        self._clock = rule
        return rule

    def ingest(self, items: list[object], *, author: User, canonical: list[str] | None = None,
               skew: timedelta | None = None) -> list[dict]:
        """One receipt per item, in order; valid items are stored in one transaction.
        ``canonical``: the items' texts when ``wire.canonical_batch`` recognised them all;
        ``skew``: see :meth:`prepare`."""
        now = datetime.now(timezone.utc)
        self.refresh_places()
        texts = canonical or [None] * len(items)
        prepared = [self.prepare(item, now=now, canonical=text, skew=skew)
                    for item, text in zip(items, texts, strict=True)]
        return self.store(items, prepared, author=author, now=now)

    def store(self, items: list[object], prepared: list[NewReport | ItemError], *, author: User,
              now: datetime) -> list[dict]:
        """Store the valid items; a receipt per item: a ``wire.ReportResult`` in its plain JSON
        form (built as dicts: the batch answer is on the ingest hot path; a test pins the shape)."""
        prepared = self._check_amendments(prepared, author)
        valid = [p for p in prepared if isinstance(p, NewReport)]
        outcomes = iter(self.storage.ingest_reports(
            valid, author=author, received_at=wire.format_timestamp(now)) if valid else [])
        results = []
        for item, p in zip(items, prepared):
            if isinstance(p, ItemError):
                rid = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
                results.append(receipt(rid, ItemStatus.INVALID.value, [], p.code,
                                       f"{p.field}: {p.message}" if p.field else p.message))
            else:
                o = next(outcomes)
                if o.status == ItemStatus.CONFLICT.value:
                    results.append(receipt(o.id, o.status, [], ErrorCode.REPORT_CONFLICT,
                                           "a different report with this id exists"))
                else:
                    results.append(receipt(o.id, o.status, o.missing_photos))
        return results

    def _check_amendments(self, prepared: list[NewReport | ItemError], author: User
                          ) -> list[NewReport | ItemError]:
        """An amendment must name a stored report its author (or a team mate) wrote."""
        targets = {p.amends for p in prepared if isinstance(p, NewReport) and p.amends}
        if not targets:
            return prepared
        refs = self.storage.report_refs(targets)
        teams = self.storage.team_ids_of(author.id)
        out: list[NewReport | ItemError] = []
        for p in prepared:
            if isinstance(p, NewReport) and p.amends:
                ref = refs.get(p.amends)
                if ref is None or not can_amend(author, ref, teams):
                    p = ItemError(ErrorCode.UNKNOWN_REPORT, "no report of yours with this id",
                                  "amends")
            out.append(p)
        return out

    def refresh_places(self) -> None:
        """See places changed since the last request (e.g. an import from the command line)."""
        self.places.refresh()


_BITS = wire.FINDING_BITS


def _mask(findings: list[str]) -> int:
    mask = 0
    for f in findings:
        mask |= 1 << _BITS[f]
    return mask


def receipt(report_id: str | None, status: str, missing_photos: list[str],
            code: ErrorCode | None = None, message: str = "") -> dict:
    """A ``wire.ReportResult`` as the JSON the client decodes (``status``: an ItemStatus value)."""
    return {"id": report_id, "status": status, "missing_photos": missing_photos,
            "error": None if code is None else {"code": code.value, "message": message}}


def _instant(text: str) -> datetime:
    """A timestamp ``normalize`` or the recogniser already accepted (no second spelling check)."""
    return datetime.fromisoformat(text)


def _utc(text: str, moment: datetime) -> str:
    """The canonical UTC spelling, so that stored times compare as strings."""
    return text if len(text) == 24 and text[-1] == "Z" else wire.format_timestamp(moment)


def _sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()
