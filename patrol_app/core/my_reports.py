"""An officer's own reports read back: what the device knows of one (delivery, photos, the
questions review asked about it) and which question an answer answers.

The device learns the server's presence verdict and review state only by asking the server
(``GET /reports/{id}``): neither the send receipts nor the sync pull carry them, only questions.
So a report's server side is "not known yet" until it is fetched, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import patrol_wire as wire

from .store import ItemKind, LocalStore, OutboxItem, OutboxState


@dataclass(frozen=True)
class ReportFacts:
    report: wire.Report
    outbox: OutboxItem | None  # None: not in the outbox (should not happen for own reports)
    photos_confirmed: int
    photos_total: int
    questions: list[wire.Query] = field(default_factory=list)  # asked about this report
    answers: wire.Query | None = None  # this report is the answer to that question
    original: wire.Report | None = None  # the report this one amends, when on the device

    @property
    def state(self) -> OutboxState | None:
        return self.outbox.state if self.outbox else None

    @property
    def server_has_it(self) -> bool:
        return self.state is OutboxState.SENT


def report_facts(store: LocalStore, report_id: str) -> ReportFacts | None:
    report = store.get_report(report_id)
    if report is None:
        return None
    queries = store.ref_items("query")
    done, total = store.report_receipts([report_id]).get(report_id, (0, 0))
    return ReportFacts(
        report, store.outbox_entry(ItemKind.REPORT, report_id), done, total,
        sorted((q for q in queries if q.report_id == report_id), key=lambda q: q.asked_at),
        answered_query(report, queries),
        store.get_report(report.amends) if report.amends else None)


def answered_query(report: wire.Report | dict, queries: list[wire.Query]) -> wire.Query | None:
    """The question an amendment answers: the one the server linked to it, else (not synced
    yet) the latest question on the original still open when the answer was written. None for
    a report that amends nothing, or when no open question about the original is known."""
    rid, amends, observed = ((report["id"], report.get("amends"), report["observed_at"])
                             if isinstance(report, dict)
                             else (report.id, report.amends, report.observed_at))
    if amends is None:
        return None
    asked = [q for q in queries if q.report_id == amends]
    linked = [q for q in asked if q.answer_report_id == rid]
    if not linked:  # the phone's clock may be behind the server's: "before" is a preference
        unanswered = [q for q in asked if q.answer_report_id is None]
        at = wire.parse_timestamp(observed)
        linked = [q for q in unanswered if wire.parse_timestamp(q.asked_at) <= at] or unanswered
    return max(linked, key=lambda q: wire.parse_timestamp(q.asked_at), default=None)


def checklist_labels(store: LocalStore, checklist_id: str | None, version: int | None,
                     lang: str) -> dict[str, str]:
    """A checklist's questions in words ("de" or "en"), from the version a report was filled
    with -- a newer version may reword or drop a question the report answered."""
    for c in store.ref_items("checklist"):
        if c.id == checklist_id and c.version == version:
            return {f.key: f.label_de if lang == "de" else f.label_en for f in c.fields}
    return {}
