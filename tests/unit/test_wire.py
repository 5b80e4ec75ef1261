"""The wire format: strict decoding, canonical encoding, schema, the stable catalogues."""

import json
import random
from datetime import datetime, timezone

import msgspec
import pytest

import patrol_wire as wire
from patrol_wire import ErrorCode, WireError, encoding
from patrol_wire.fields import RuleError, Wire, text
from tests.conftest import make_report


def test_report_round_trip_keeps_every_field():
    body = make_report(answers={"b": 2, "a": True, "c": "x"}, measures=["talk"], counts={"persons": 4})
    report = wire.decode(wire.Report, body)
    again = wire.decode(wire.Report, json.loads(wire.canonical_json(report)))
    assert again == report
    assert report.fix.source is wire.FixSource.GPS
    assert report.findings == [wire.Finding.LITTER]
    assert wire.decode_json(wire.Report, wire.canonical_json(report)) == report
    assert wire.Report(*(getattr(report, f) for f in report.__struct_fields__)) == report  # positional


def test_canonical_json_is_the_same_for_equal_content_spelled_differently():
    body = make_report(answers={"b": 1, "a": 2})
    shuffled = dict(reversed(list(body.items())))
    shuffled["answers"] = {"a": 2, "b": 1}
    shuffled["fix"] = {**body["fix"], "accuracy_m": 8}  # int instead of float
    assert wire.canonical_json(wire.decode(wire.Report, body)) == \
        wire.canonical_json(wire.decode(wire.Report, shuffled))
    assert wire.canonical_json(wire.decode(wire.Report, body)) == \
        wire.canonical_json(wire.decode_json(wire.Report, json.dumps(shuffled, indent=2)))


@pytest.mark.parametrize("mutate, code, path", [
    (lambda b: b.update(extra=1), ErrorCode.UNKNOWN_FIELD, "extra"),
    (lambda b: b["fix"].update(extra=1), ErrorCode.UNKNOWN_FIELD, "fix.extra"),
    (lambda b: b.pop("severity"), ErrorCode.MISSING_FIELD, "severity"),
    (lambda b: b["fix"].pop("lat"), ErrorCode.MISSING_FIELD, "fix.lat"),
    (lambda b: b.update(id="not-a-uuid"), ErrorCode.INVALID_VALUE, "id"),
    (lambda b: b["fix"].update(lat=90.0001), ErrorCode.INVALID_VALUE, "fix.lat"),
    (lambda b: b["fix"].update(lon=-180.5), ErrorCode.INVALID_VALUE, "fix.lon"),
    (lambda b: b["fix"].update(lat="51"), ErrorCode.INVALID_TYPE, "fix.lat"),
    (lambda b: b["fix"].update(accuracy_m=True), ErrorCode.INVALID_TYPE, "fix.accuracy_m"),
    (lambda b: b.update(checklist_id="c", checklist_version=2.0), ErrorCode.INVALID_TYPE,
     "checklist_version"),
    (lambda b: b.update(severity="apocalyptic"), ErrorCode.INVALID_VALUE, "severity"),
    (lambda b: b.update(note="x" * 4001), ErrorCode.INVALID_VALUE, "note"),
    (lambda b: b.update(findings=["litter", "litter"]), ErrorCode.INVALID_VALUE, "findings"),
    (lambda b: b.update(measures=["talk", "talk"]), ErrorCode.INVALID_VALUE, "measures"),
    (lambda b: b.update(photos=["a" * 64] * 2), ErrorCode.INVALID_VALUE, "photos"),
    (lambda b: b.update(photos=["abc"]), ErrorCode.INVALID_VALUE, "photos[0]"),
    (lambda b: b.update(observed_at="yesterday"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(observed_at="2026-11-22T10:00:00"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(observed_at="2026-02-30T10:00:00.000Z"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(observed_at="2026-11-22T24:00:00.000+01:00"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b["fix"].update(fixed_at="2026-02-29T10:00:00Z"), ErrorCode.INVALID_VALUE, "fix.fixed_at"),
    (lambda b: b.update(fix=None), ErrorCode.INVALID_VALUE, "no_fix_reason"),
    (lambda b: b.update(fix=None, no_fix_reason=""), ErrorCode.INVALID_VALUE, "no_fix_reason"),
    (lambda b: b.update(amends=b["id"]), ErrorCode.INVALID_VALUE, "amends"),
    (lambda b: b.update(note="a\x00b"), ErrorCode.INVALID_VALUE, "note"),
    (lambda b: b.update(answers={"k": "a\x00"}), ErrorCode.INVALID_VALUE, "answers.k"),
    (lambda b: b.update(answers={"k": [1]}), ErrorCode.INVALID_TYPE, "answers.k"),
    (lambda b: b.update(answers={"a": 1, "k": 2**53}), ErrorCode.INVALID_VALUE, "answers.k"),
    (lambda b: b.update(answers={"bad key": 1}), ErrorCode.INVALID_VALUE, "answers.<key>"),
    (lambda b: b.update(counts={"p": -1}), ErrorCode.INVALID_VALUE, "counts.p"),
    (lambda b: b.update(counts={f"k{i}": 1 for i in range(21)}), ErrorCode.INVALID_VALUE, "counts"),
    # a pattern's '$' also matches before a final newline: ids, slugs and hashes must not end in one
    (lambda b: b.update(id=b["id"] + "\n"), ErrorCode.INVALID_VALUE, "id"),
    (lambda b: b.update(place_id="pg-1\n"), ErrorCode.INVALID_VALUE, "place_id"),
    (lambda b: b.update(photos=["a" * 64 + "\n"]), ErrorCode.INVALID_VALUE, "photos[0]"),
    (lambda b: b.update(observed_at=b["observed_at"] + "\n"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(answers={"pg-1\n": 1}), ErrorCode.INVALID_VALUE, "answers.<key>"),
    # years: the instant must lie in 1970-2999 (UTC), also after its offset
    (lambda b: b.update(observed_at="0001-01-01T00:00:00.000+01:00"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(observed_at="0999-12-31T23:59:59.000Z"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(observed_at="1970-01-01T00:30:00.000+01:00"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(observed_at="2999-12-31T23:30:00.000-01:00"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(observed_at="9999-12-31T23:59:59.999-01:00"), ErrorCode.INVALID_VALUE, "observed_at"),
    (lambda b: b.update(observed_at="\u0662\u0660\u0662\u0666-11-01T08:00:00Z"), ErrorCode.INVALID_VALUE,
     "observed_at"),  # Arabic-Indic digits are digits to Python's \d, not to ISO 8601
])
def test_bad_reports_are_refused_naming_the_field(mutate, code, path):
    body = make_report()
    mutate(body)
    for how in (lambda: wire.decode(wire.Report, body),
                lambda: wire.decode_json(wire.Report, json.dumps(body).encode()),
                lambda: _batch_error(json.dumps(body))):
        with pytest.raises(WireError) as err:
            how()
        assert (err.value.code, err.value.path) == (code, path)


def _batch_error(text: str) -> None:
    (item,) = wire.decode_batch(('{"reports":[' + text + "]}").encode())
    assert item.report is None
    raise item.error


def test_no_fix_is_allowed_with_a_reason():
    body = make_report(fix=None, no_fix_reason="im Tunnel", presence={"verdict": "no_fix"})
    assert wire.decode(wire.Report, body).no_fix_reason == "im Tunnel"


@pytest.mark.parametrize("cls, body, path", [
    (wire.ReviewRequest, {"action": "ask", "text": "  "}, "text"),
    (wire.ReviewRequest, {"action": "reject"}, "text"),
    (wire.RouteTemplate, {"id": "r", "name": "R", "stops": [
        {"place_id": "a", "start_min": 0, "end_min": 10}, {"place_id": "b", "start_min": 30, "end_min": 30}]},
     "stops[1].end_min"),
    (wire.RouteTemplate, {"id": "r", "name": "R", "stops": []}, "stops"),
    (wire.AssignRequest, {"route_id": "r", "team_id": "t", "shift_start": "2026-11-01T13:00:00.000Z",
                          "shift_end": "2026-11-01T14:00:00+01:00"}, "shift_end"),
    (wire.TeamRequest, {"name": "T", "members": ["pol", "pol"]}, "members"),
    (wire.TeamRequest, {"name": "T", "members": ["Pol"]}, "members[0]"),
    (wire.TeamRequest, {"name": "T", "members": [], "shift_date": "2026-11-01\n"}, "shift_date"),
    (wire.UserCreate, {"username": "x" * 65, "display_name": "X", "role": "officer", "agency": "kod",
                       "password": "long enough!"}, "username"),
    (wire.LoginRequest, {"username": "", "password": "x"}, "username"),
    (wire.Place, {"id": "p", "name": "P", "type": "event", "lat": 1, "lon": 1, "radius_m": 5,
                  "active_from": "2026-04-31T00:00:00Z"}, "active_from"),
])
def test_every_rule_of_the_model_is_enforced(cls, body, path):
    with pytest.raises(WireError) as err:
        wire.decode(cls, body)
    assert (err.value.code, err.value.path) == (ErrorCode.INVALID_VALUE, path)


def test_a_pattern_never_replaces_the_length_and_nul_rules():
    """One definition of each type rule: a patterned text still checks its length and NUL."""
    class Loose(Wire):
        name: text(5, min_length=2, pattern=r"[\s\S]*")  # a pattern that admits anything

    assert wire.decode(Loose, {"name": "abc"}).name == "abc"
    for bad in ("a", "abcdef", "a\x00b"):
        with pytest.raises(WireError) as err:
            wire.decode(Loose, {"name": bad})
        assert (err.value.code, err.value.path) == (ErrorCode.INVALID_VALUE, "name")


def test_timestamps_are_spelled_in_utc_with_milliseconds():
    """The same instant is the same content, however it was spelled."""
    spellings = ["2026-11-01T08:00:00.000Z", "2026-11-01T08:00:00Z", "2026-11-01T08:00:00+00:00",
                 "2026-11-01T09:00:00.000+01:00", "2026-11-01T03:00:00.000400-05:00",
                 "2026-10-31T23:00:00-09:00"]
    body = make_report()
    reports = [wire.decode(wire.Report, {**body, "observed_at": s}) for s in spellings]
    assert {r.observed_at for r in reports} == {"2026-11-01T08:00:00.000Z"}
    assert len({wire.content_hash(r) for r in reports}) == 1
    assert wire.format_timestamp(datetime(1970, 1, 1, tzinfo=timezone.utc)) == "1970-01-01T00:00:00.000Z"
    assert wire.decode(wire.Report, {**body, "observed_at": "1970-01-01T00:00:00Z"})  # a reset clock


@pytest.mark.parametrize("raw", [b"{bad", b'{"a": NaN}', b'{"a": 1, "a": 2}', b"\xff\xfe",
                                 b'{"a": "\\ud800"}', b'{"a": "\\udfff x"}', b'{"a": 1} x',
                                 b"[" * 100_000 + b"]" * 100_000, b'{"a": Infinity}'])
def test_parse_json_refuses_ambiguous_or_broken_json(raw):
    with pytest.raises(WireError) as err:
        wire.parse_json(raw)
    assert err.value.code is ErrorCode.MALFORMED_JSON
    with pytest.raises(WireError):
        wire.decode_json(wire.LoginRequest, raw)


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


def test_duplicate_keys_are_refused_in_typed_decoding_and_in_batch_items():
    text = wire.canonical_json(wire.decode(wire.Report, make_report())).decode()
    twice = text.replace('"severity":"low"', '"severity":"high","severity":"low"')
    with pytest.raises(WireError) as err:
        wire.decode_json(wire.Report, twice)
    assert err.value.message == "duplicate key"
    good, bad = wire.decode_batch(('{"reports":[' + text + "," + twice + "]}").encode())
    assert good.report is not None and bad.error.message == "duplicate key"
    assert bad.id == json.loads(text)["id"]
    with pytest.raises(WireError):  # the envelope itself
        wire.decode_batch(('{"reports":[' + text + '],"reports":[' + text + "]}").encode())


def test_duplicate_keys_are_found_in_random_documents_as_their_generator_knows():
    """The oracle is the generator itself: it knows whether it wrote a key twice into an object
    (compact and not, keys spelled with and without escapes, strings holding quotes, colons)."""
    rng = random.Random(7)
    keys = ["a", "b", 'q"', "x:", "\\", "ä", "a b"]
    texts = ["", "x", '":', '\\":', ' : ', '"', "ü", "\\"]

    def value(depth: int) -> tuple[str, bool]:
        kind = rng.random()
        if depth < 3 and kind < 0.3:
            return obj(depth + 1)
        if depth < 3 and kind < 0.4:
            parts = [value(depth + 1) for _ in range(rng.randint(0, 3))]
            return "[" + ",".join(p for p, _ in parts) + "]", any(d for _, d in parts)
        if kind < 0.7:
            return json.dumps(rng.choice(texts), ensure_ascii=rng.random() < 0.5), False
        return str(rng.randint(-5, 5)), False

    def obj(depth: int) -> tuple[str, bool]:
        ks = [rng.choice(keys) for _ in range(rng.randint(0, 4))]
        sep = rng.choice([":", ":", ":", " :", ": ", "\n:"])
        members, dup = [], len(set(ks)) != len(ks)
        for k in ks:
            v, inner = value(depth)
            members.append(json.dumps(k, ensure_ascii=rng.random() < 0.5) + sep + v)
            dup = dup or inner
        return "{" + ",".join(members) + "}", dup

    refused = 0
    for _ in range(3000):
        raw, has_dup = obj(0)
        try:
            wire.parse_json(raw.encode())
            ok = True
        except WireError:
            ok = False
        assert ok != has_dup, raw
        refused += not ok
    assert 300 < refused < 2700  # both kinds were tried


def test_floats_read_as_python_reads_them():
    """The server reads floats with msgspec, the device writes them with repr: both must mean
    the same double for every text (short, long, with exponents, subnormal)."""
    rng = random.Random(3)
    texts = ["51.680723512345671", "0.1", "5e-324", "2.2250738585072011e-308", "1e-05",
             "0.30000000000000004", "9007199254740993", "1.7976931348623157e308"]
    for _ in range(20000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
        whole = digits[:rng.randint(1, len(digits))].lstrip("0") or "0"  # (JSON: no leading zeros)
        texts.append(f"{whole}.{digits}e{rng.randint(-330, 310)}")
        texts.append(repr(rng.uniform(-180, 180)))
    for t in texts:
        if abs(float(t)) < float("inf"):
            assert msgspec.json.decode(t.encode(), type=float) == float(t), t


def test_canonical_floats_are_spelled_by_repr_whatever_msgspec_writes():
    """An independent oracle (the text built by hand with repr) for fixes with random floats, the
    exponent forms included: msgspec writes 1e-05 as 0.00001 and 1e+16 as 1e16."""
    rng = random.Random(9)
    for _ in range(5000):
        lat, lon = rng.uniform(-90, 90), rng.choice([rng.uniform(-180, 180), 1e-05, 5e-324, -0.0])
        acc = rng.choice([rng.uniform(0, 1e6), 1e-7, 8.0, 0.1, 123456.789])
        fix = wire.GpsFix(lat, lon, acc, "2026-11-01T08:00:00.000Z")
        want = (f'{{"lat":{lat!r},"lon":{lon!r},"accuracy_m":{acc!r},'
                f'"fixed_at":"2026-11-01T08:00:00.000Z","source":"gps"}}')
        assert wire.canonical_json(fix).decode() == want
    place = wire.Place("p", "P", wire.PlaceType.EVENT, 1.0, 2.0, 5.0, polygon=[[1e16, 1e-05]])
    assert b'"polygon":[[1e+16,1e-05]]' in wire.canonical_json(place)


def test_canonical_json_does_not_follow_another_msgspec_versions_spelling(monkeypatch):
    """Should an msgspec version spell floats or escapes otherwise (the phone and the server may
    run different ones), the canonical bytes stay the golden ones."""
    real = encoding._MSGSPEC

    class Other:
        def encode(self, obj):  # exponents as 1e16, escapes as \u00XX
            out = real.encode(obj)
            return out.replace(b"51.68", b"5.168e1").replace(b"\\n", b"\\u000a")

    report = wire.decode(wire.Report, make_report(note="zwei\nZeilen", fix={
        "lat": 51.68, "lon": 7.82, "accuracy_m": 8.0, "fixed_at": "2026-11-01T08:00:00.000Z"}))
    before = wire.canonical_json(report)
    monkeypatch.setattr(encoding, "_MSGSPEC", Other())
    assert wire.canonical_json(report) == before
    assert b'"lat":51.68,' in before and b'"note":"zwei\\nZeilen"' in before


def test_schema_states_the_rules_the_decoder_enforces():
    comps = wire.schema_components([wire.Report, wire.TeamRequest])
    report = comps["Report"]
    assert report["additionalProperties"] is False
    assert set(report["required"]) == {"id", "observed_at", "presence", "severity", "visibility"}
    assert comps["GpsFix"]["properties"]["lat"]["maximum"] == 90
    props = report["properties"]
    assert props["findings"]["uniqueItems"] is True and props["photos"]["uniqueItems"] is True
    assert props["observed_at"]["format"] == "date-time" and "1970-2999" in props["observed_at"]["description"]
    assert props["note"]["pattern"] == r"^[^\x00]*$" and props["note"]["maxLength"] == 4000
    assert props["id"]["pattern"].endswith(r"$(?!\n)")
    assert comps["TeamRequest"]["properties"]["members"]["uniqueItems"] is True


# the codes are a public contract: the device maps them to sentences, so they are only appended
ERROR_CODES = [
    "malformed_json", "invalid_type", "invalid_value", "missing_field", "unknown_field", "invalid_id",
    "id_mismatch", "timestamp_in_future", "body_too_large", "batch_too_large", "unsupported_media_type",
    "auth_required", "invalid_credentials", "token_expired", "forbidden", "too_many_attempts",
    "report_conflict", "unknown_place", "photo_hash_mismatch", "photo_not_an_image",
    "photo_not_referenced", "invalid_cursor", "not_found", "unknown_report", "unknown_team",
    "unknown_route", "unknown_user", "unknown_assignment", "invalid_transition", "user_exists",
    "version_conflict", "method_not_allowed", "internal_error", "unavailable"]


def test_error_codes_are_stable_unique_and_only_appended():
    values = [c.value for c in ErrorCode]
    assert values[:len(ERROR_CODES)] == ERROR_CODES
    assert len(set(values)) == len(values)
    assert ErrorCode.__members__.keys() == {c.name for c in ErrorCode}  # no aliases (enum.unique)
    assert wire.error_body(ErrorCode.REPORT_CONFLICT, "m")["error"]["code"] == "report_conflict"


def test_finding_bits_are_pinned_for_every_finding():
    # the server stores findings as bits in this order: never reorder, only append
    assert list(wire.FINDING_BITS.items()) == list(zip([
        "litter", "broken_glass", "syringes", "damaged_equipment", "vandalism", "drug_use",
        "drug_dealing", "alcohol", "youth_protection", "noise", "aggression", "weapons",
        "unleashed_dogs", "illegal_dumping", "poor_lighting", "other"], range(16)))


def test_wire_objects_are_frozen_and_rules_run_on_construction_too():
    fix = wire.GpsFix(51.0, 7.0, 5.0, "2026-11-01T09:00:00+01:00")
    assert fix.fixed_at == "2026-11-01T08:00:00.000Z"
    with pytest.raises(AttributeError):
        fix.lat = 1.0  # type: ignore[misc]
    with pytest.raises(RuleError):
        wire.Report("0190a000-0000-7000-8000-00000000000a", "2026-11-01T08:00:00.000Z",
                    wire.Presence(wire.Verdict.NO_FIX), wire.Severity.LOW, wire.Visibility.AGENCY)
    again = wire.replace(fix, lat=52.0)
    assert (again.lat, again.fixed_at) == (52.0, fix.fixed_at)

