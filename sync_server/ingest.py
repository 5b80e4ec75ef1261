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
from .storage import IngestOutcome, NewReport, Storage, User


# Checks that need the author, made when a batch is stored: the field each one's code is about
# (a receipt carries code and message only; PUT names the field in its error details).
AUTHOR_CHECK_FIELD = {ErrorCode.UNKNOWN_TEAM: "team_id", ErrorCode.NOT_TEAM_MEMBER: "team_id",
                      ErrorCode.UNKNOWN_REPORT: "amends"}


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

    def prepare(self, report: wire.Report, *, now: datetime, text: bytes | None = None,
                skew: timedelta | None = None) -> NewReport | ItemError:
        """Check one decoded report against what the server knows; an ItemError says why it
        cannot be stored. ``text``: its canonical JSON when the decoder made it already.
        ``skew``: the device clock minus the server clock when the request arrived
        (``X-Device-Time``), None if unsaid."""
        observed = _instant(report.observed_at)  # decoding checked and normalised it
        _, _, shift, latest, skew_s = self.clock_rule(now, skew)
        counted = observed if shift is None else observed - shift
        if counted > latest:
            counted = now
        fix = report.fix
        fixed_at = None if fix is None else _instant(fix.fixed_at)
        if fixed_at is not None and fixed_at > observed + CLOCK_TOLERANCE:
            # a fix dated after the check: as unfit for proof as one that old before it
            fixed_at = observed - (fixed_at - observed)
        place = None
        if report.place_id is not None:
            place = self.places.get(report.place_id)
            if place is None:
                return ItemError(ErrorCode.UNKNOWN_PLACE, "no such place", "place_id")
        if fix is None:
            verdict = presence.PresenceResult(wire.Verdict.NO_FIX)
        else:
            verdict = presence.presence_of(fix.lat, fix.lon, fix.accuracy_m, fixed_at, place,
                                           at=observed, rules=self.rules)
        if text is None:
            text = wire.canonical_json(report)
        return NewReport(
            id=report.id, content_hash=_sha256(text), body=text.decode("utf-8"),
            place_id=report.place_id, team_id=report.team_id,
            observed_at=report.observed_at if counted is observed else wire.format_timestamp(counted),
            lat=None if fix is None else fix.lat, lon=None if fix is None else fix.lon,
            accuracy_m=None if fix is None else fix.accuracy_m,
            device_verdict=report.presence.verdict.value, server_verdict=verdict.verdict.value,
            server_distance_m=verdict.distance_m, severity=report.severity.value,
            visibility=report.visibility.value, photos=list(report.photos), amends=report.amends,
            findings_mask=_mask(report.findings), n_findings=len(report.findings),
            n_measures=len(report.measures), clock_skew_s=skew_s)

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

    def ingest(self, items: list[wire.Item | wire.Report], *, author: User,
               skew: timedelta | None = None) -> list[dict]:
        """One receipt per item, in order; valid items are stored in one transaction. Items
        come from ``wire.decode_batch`` (a refused one keeps its error) or are reports.
        ``skew``: see :meth:`prepare`."""
        now = datetime.now(timezone.utc)
        self.refresh_places()
        prepared = [self.prepare(x, now=now, skew=skew) if isinstance(x, wire.Report) else
                    self.prepare(x.report, now=now, text=x.text, skew=skew) if x.report is not None else
                    ItemError(x.error.code, x.error.message, x.error.path or None)
                    for x in items]
        return self.store(items, prepared, author=author, now=now)

    def store(self, items: list[wire.Item | wire.Report], prepared: list[NewReport | ItemError], *,
              author: User, now: datetime) -> list[dict]:
        """Store the valid items; a receipt per item: a ``wire.ReportResult`` in its plain JSON
        form (built as dicts: the batch answer is on the ingest hot path; a test pins the shape)."""
        prepared = self._check_amendments(self._check_teams(prepared, author), author)
        valid = [p for p in prepared if isinstance(p, NewReport)]
        outcomes = iter(self.storage.ingest_reports(
            valid, author=author, received_at=wire.format_timestamp(now)) if valid else [])
        results = []
        for item, p in zip(items, prepared):
            if isinstance(p, ItemError):  # refused when decoded, or by a check after it
                rid = item.id if isinstance(item, wire.Report) or item.report is None \
                    else item.report.id
                results.append(receipt(rid, ItemStatus.INVALID.value, [], p.code,
                                       f"{p.field}: {p.message}" if p.field else p.message))
            else:
                o = next(outcomes)
                if o.status == ItemStatus.CONFLICT.value:
                    o = self._stored_before_normalising(p, o, author)
                if o.status == ItemStatus.CONFLICT.value:
                    results.append(receipt(o.id, o.status, [], ErrorCode.REPORT_CONFLICT,
                                           "a different report with this id exists"))
                else:
                    results.append(receipt(o.id, o.status, o.missing_photos))
        return results

    def _stored_before_normalising(self, new: NewReport, outcome: IngestOutcome, author: User
                                   ) -> IngestOutcome:
        """A report stored before timestamps were put into their canonical spelling keeps its
        bytes and hash (e.g. '+01:00'); when its author sends it again, in the old spelling or
        any other, the content is the same if the stored text reads as the new one."""
        stored = self.storage.report_detail(new.id)
        if stored is None or stored["author"] != author.username:
            return outcome
        try:
            same = wire.canonical_json(wire.decode(wire.Report, stored["report"])) == new.body.encode()
        except WireError:
            same = False
        if not same:
            return outcome
        missing = [s for s in new.photos if not self.storage.photo_exists(s)]
        return IngestOutcome(new.id, ItemStatus.IDENTICAL.value, missing)

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
                                  AUTHOR_CHECK_FIELD[ErrorCode.UNKNOWN_REPORT])
            out.append(p)
        return out

    def _check_teams(self, prepared: list[NewReport | ItemError], author: User
                     ) -> list[NewReport | ItemError]:
        """A report's team must be one its author was in: at the observed time, or since then
        (joined meanwhile: a device clock running behind is no reason to refuse). A member
        removed mid-shift still delivers what they saw before; one query per batch."""
        teams = {p.team_id for p in prepared if isinstance(p, NewReport) and p.team_id}
        if not teams:
            return prepared
        ended = self.storage.memberships(author.id, teams)
        out: list[NewReport | ItemError] = []
        for p in prepared:
            if isinstance(p, NewReport) and p.team_id:
                if p.team_id not in ended:
                    p = ItemError(ErrorCode.UNKNOWN_TEAM, "no such team",
                                  AUTHOR_CHECK_FIELD[ErrorCode.UNKNOWN_TEAM])
                else:
                    until = ended[p.team_id]
                    if until is not None and until <= p.observed_at:
                        p = ItemError(ErrorCode.NOT_TEAM_MEMBER,
                                      "the author was not a member of this team at the observed"
                                      " time", AUTHOR_CHECK_FIELD[ErrorCode.NOT_TEAM_MEMBER])
            out.append(p)
        return out

    def refresh_places(self) -> None:
        """See places changed since the last request (e.g. an import from the command line)."""
        self.places.refresh()


_BITS = wire.FINDING_BITS


def _mask(findings: list[wire.Finding]) -> int:
    mask = 0
    for f in findings:
        mask |= 1 << _BITS[f.value]
    return mask


def receipt(report_id: str | None, status: str, missing_photos: list[str],
            code: ErrorCode | None = None, message: str = "") -> dict:
    """A ``wire.ReportResult`` as the JSON the client decodes (``status``: an ItemStatus value)."""
    return {"id": report_id, "status": status, "missing_photos": missing_photos,
            "error": None if code is None else {"code": code.value, "message": message}}


def _instant(text: str) -> datetime:
    """A timestamp decoding already accepted and spelled canonically (UTC, 'Z')."""
    return datetime.fromisoformat(text)


def _sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()
