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
    # a pattern's '$' also matches before a final newline: ids, slugs and hashes must not end in one
    (lambda b: b.update(id=b["id"] + "\n"), ErrorCode.INVALID_VALUE, "id"),
    (lambda b: b.update(place_id="pg-1\n"), ErrorCode.INVALID_VALUE, "place_id"),
    (lambda b: b.update(photos=["a" * 64 + "\n"]), ErrorCode.INVALID_VALUE, "photos[0]"),
    (lambda b: b.update(observed_at=b["observed_at"] + "\n"), ErrorCode.INVALID_VALUE, "observed_at"),
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


@pytest.mark.parametrize("raw", [
    b'{"a":1,"a":2}',                          # compact
    b'{"a" :1,"a":2}',                         # a space before the colon hides one key end
    b'{"a"\t:1,"a":2}', b'{"a":1,\n"a":2}',      # tabs and line breaks between tokens
    b'{"n":"\\":","a":1,"a":2}',               # an escaped quote + colon inside a string
    b'{"x":{"a":1,"b":{"c":1,"c":2}}}',         # deep
    b'[{"a":1},{"a":1,"b":2,"a":3}]',           # in a later list item
    '{"\u00e4":1,"\u00e4":2}'.encode(), '{"ä":1,"\\u00e4":2}'.encode(),  # one key, two spellings
    b'{"reports":[{"id":"x","id":"x"}]}',
])
def test_parse_json_finds_duplicate_keys_however_they_are_spelled(raw):
    with pytest.raises(WireError) as err:
        wire.parse_json(raw)
    assert err.value.message == "duplicate key"
    with pytest.raises(WireError):
        wire.parse_json(raw.decode())  # the same text as str


def test_parse_json_agrees_with_the_pairs_hook_on_random_documents():
    """parse_json refuses exactly what an exact pairs check refuses: random documents with and
    without repeated keys, compact and not, with strings that hold quotes, colons and escapes."""
    import random

    rng = random.Random(7)
    keys = ["a", "b", 'q"', "x:", "\\", "ä", "a b"]
    texts = ["", "x", '":', '\\":', ' : ', '"', "ü", "\\"]

    def value(depth: int) -> str:
        kind = rng.random()
        if depth < 3 and kind < 0.3:
            return obj(depth + 1)
        if depth < 3 and kind < 0.4:
            return "[" + ",".join(value(depth + 1) for _ in range(rng.randint(0, 3))) + "]"
        if kind < 0.7:
            return json.dumps(rng.choice(texts), ensure_ascii=rng.random() < 0.5)
        return str(rng.randint(-5, 5))

    def obj(depth: int) -> str:
        ks = [rng.choice(keys) for _ in range(rng.randint(0, 4))]
        sep = rng.choice([":", ":", ":", " :", ": ", "\n:"])
        return "{" + ",".join(json.dumps(k, ensure_ascii=rng.random() < 0.5) + sep + value(depth)
                              for k in ks) + "}"

    def exact(raw: bytes) -> bool:
        def hook(pairs):
            if len({k for k, _ in pairs}) != len(pairs):
                raise KeyError("dup")
            return dict(pairs)
        try:
            json.loads(raw, object_pairs_hook=hook)
            return True
        except KeyError:
            return False

    refused = 0
    for _ in range(3000):
        raw = obj(0).encode()
        try:
            wire.parse_json(raw)
            ok = True
        except WireError:
            ok = False
        assert ok == exact(raw), raw
        refused += not ok
    assert 300 < refused < 2700  # both kinds were tried


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
