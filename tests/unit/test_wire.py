"""The wire format: strict decoding, canonical encoding, schema."""

import json

import pytest

import patrol_wire as wire
from patrol_wire import ErrorCode, WireError
from tests.conftest import make_report


def test_report_round_trip_keeps_every_field():
    body = make_report(answers={"b": 2, "a": True, "c": "x"}, measures=["talk"], counts={"persons": 4})
    report = wire.decode(wire.Report, body)
    again = wire.decode(wire.Report, json.loads(wire.canonical_json(report)))
    assert again == report
    assert report.fix.source is wire.FixSource.GPS
    assert report.findings == [wire.Finding.LITTER]


def test_canonical_json_is_the_same_for_equal_content_spelled_differently():
    body = make_report(answers={"b": 1, "a": 2})
    shuffled = dict(reversed(list(body.items())))
    shuffled["answers"] = {"a": 2, "b": 1}
    shuffled["fix"] = {**body["fix"], "accuracy_m": 8}  # int instead of float
    assert wire.canonical_json(wire.normalize(wire.Report, body)) == \
        wire.canonical_json(wire.normalize(wire.Report, shuffled))
    assert wire.canonical_json(wire.decode(wire.Report, body)) == \
        wire.canonical_json(wire.normalize(wire.Report, body))


@pytest.mark.parametrize("mutate, code, path", [
    (lambda b: b.update(extra=1), ErrorCode.UNKNOWN_FIELD, "extra"),
    (lambda b: b.pop("severity"), ErrorCode.MISSING_FIELD, "severity"),
    (lambda b: b.update(id="not-a-uuid"), ErrorCode.INVALID_VALUE, "id"),
    (lambda b: b["fix"].update(lat=90.0001), ErrorCode.INVALID_VALUE, "fix.lat"),
    (lambda b: b["fix"].update(lon=-180.5), ErrorCode.INVALID_VALUE, "fix.lon"),
    (lambda b: b["fix"].update(lat="51"), ErrorCode.INVALID_TYPE, "fix.lat"),
    (lambda b: b["fix"].update(accuracy_m=True), ErrorCode.INVALID_TYPE, "fix.accuracy_m"),
    (lambda b: b.update(severity="apocalyptic"), ErrorCode.INVALID_VALUE, "severity"),
    (lambda b: b.update(note="x" * 4001), ErrorCode.INVALID_VALUE, "note"),
    (lambda b: b.update(findings=["litter", "litter"]), ErrorCode.INVALID_VALUE, "findings"),
    (lambda b: b.update(photos=["abc"]), ErrorCode.INVALID_VALUE, "photos[0]"),
    (lambda b: b.update(observed_at="yesterday"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(observed_at="2026-11-22T10:00:00"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(fix=None), ErrorCode.INVALID_VALUE, "no_fix_reason"),
    (lambda b: b.update(note="a\x00b"), ErrorCode.INVALID_VALUE, "note"),
    (lambda b: b.update(answers={"k": [1]}), ErrorCode.INVALID_TYPE, "answers.k"),
])
def test_bad_reports_are_refused_naming_the_field(mutate, code, path):
    body = make_report()
    mutate(body)
    with pytest.raises(WireError) as err:
        wire.decode(wire.Report, body)
    assert err.value.code is code
    assert err.value.path == path


def test_no_fix_is_allowed_with_a_reason():
    body = make_report(fix=None, no_fix_reason="im Tunnel", presence={"verdict": "no_fix"})
    assert wire.decode(wire.Report, body).no_fix_reason == "im Tunnel"


@pytest.mark.parametrize("raw", [b"{bad", b'{"a": NaN}', b'{"a": 1, "a": 2}', b"\xff\xfe"])
def test_parse_json_refuses_ambiguous_or_broken_json(raw):
    with pytest.raises(WireError) as err:
        wire.parse_json(raw)
    assert err.value.code is ErrorCode.MALFORMED_JSON


def test_json_schema_lists_required_fields_and_forbids_extras():
    defs = {}
    schema = wire.json_schema(wire.Report, defs)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"id", "observed_at", "presence", "severity", "visibility"}
    assert defs["GpsFix"]["properties"]["lat"]["maximum"] == 90


def test_error_codes_are_unique_and_stable_strings():
    values = [c.value for c in ErrorCode]
    assert len(values) == len(set(values))
    assert wire.error_body(ErrorCode.REPORT_CONFLICT, "m")["error"]["code"] == "report_conflict"
