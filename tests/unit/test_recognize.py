"""The canonical-batch recogniser: it may only ever say what the full path would say.

The server skips parsing checks, ``normalize`` and ``canonical_json`` for batches it recognises,
so the recogniser must accept exactly the valid reports already in canonical spelling (leaving
strings with escapes and floats with an exponent to the full path), and hand over the same items
and the same bytes the full path would have made.
"""

import json
import random
import re

import pytest

import patrol_wire as wire
from patrol_wire import WireError
from patrol_wire.recognize import canonical_batch, recogniser


def full_path(text: str) -> tuple[dict, str] | None:
    """What the server did before: strict parse, normalize, canonical spelling; None if refused."""
    try:
        item = wire.normalize(wire.Report, wire.parse_json(text.encode()))
    except WireError:
        return None
    return item, wire.canonical_json(item).decode()


def recognised(*texts: str) -> tuple[list[dict], list[str]] | None:
    return canonical_batch(('{"reports":[' + ",".join(texts) + "]}").encode(), wire.Report,
                           "reports", wire.MAX_BATCH)


def canonical(**over) -> str:
    body = {"id": "0190a000-0000-7000-8000-00000000000a", "observed_at": "2026-11-01T08:00:00.000Z",
            "severity": "low", "visibility": "cooperation",
            "presence": {"verdict": "on_site", "distance_m": 5.0}, "place_id": "pg-1",
            "fix": {"lat": 51.68072351234567, "lon": 7.810553, "accuracy_m": 8.5,
                    "fixed_at": "2026-11-01T07:59:50.000Z", "source": "gps"},
            "findings": ["litter"], "answers": {"a": True, "b": 2, "c": "x"}, "counts": {"p": 3},
            "note": "Kontrolle, Spielplatz \u00e4\u00f6\u00fc \U0001f6b2", **over}
    return wire.canonical_json(wire.normalize(wire.Report, body)).decode()


def test_a_devices_batch_is_recognised_as_the_full_path_would_store_it():
    texts = [canonical(), canonical(id="0190a000-0000-7000-8000-00000000000b", fix=None,
                                      no_fix_reason="im Tunnel", presence={"verdict": "no_fix"},
                                      answers={}, counts={}, findings=[], note="")]
    items, spelled = recognised(*texts)
    assert spelled == texts
    assert [full_path(t) for t in texts] == list(zip(items, texts))


SAME = canonical()


@pytest.mark.parametrize("text", [
    SAME.replace('"accuracy_m":8.5', '"accuracy_m":8.50'),        # not the shortest float
    SAME.replace('"distance_m":5.0', '"distance_m":5'),            # an int where a float goes
    SAME.replace('"distance_m":5.0', '"distance_m":5e0'),
    SAME.replace('"lon":7.810553', '"lon":7.8105530000000001'),  # the same float, more digits
    SAME.replace('"b":2', '"b":-0'),
    SAME.replace('"a":true,"b":2', '"b":2,"a":true'),              # map not sorted
    SAME.replace('"a":true,"b":2', '"a":true,"a":2'),              # a key twice (still sorted)
    SAME.replace(",", ", ", 1),
    SAME.replace("\u00e4", "\\u00e4"),                              # an escape for a plain letter
    SAME.replace('"pg-1"', '"pg\\u002d1"'),
    SAME.replace('"severity":"low",', "") ,                          # a field left out
    SAME.replace('"severity":"low","visibility":"cooperation"',
                 '"visibility":"cooperation","severity":"low"'),   # fields out of model order
])
def test_other_spellings_of_valid_reports_go_the_full_way(text):
    assert recognised(text) is None
    if full_path(text) is not None:  # valid, just spelled otherwise: same content, canonical bytes
        assert full_path(text)[1] != text


@pytest.mark.parametrize("text", [
    canonical().replace('"lat":51.68072351234567', '"lat":90.0001'),
    canonical().replace('"lon":7.810553', '"lon":-180.5'),
    canonical().replace('"accuracy_m":8.5', '"accuracy_m":-0.5'),
    canonical().replace('"p":3', '"p":1000001'),
    canonical().replace('"findings":["litter"]', '"findings":["litter","litter"]'),
    canonical().replace('"observed_at":"2026-11-01', '"observed_at":"2026-02-30'),
    canonical().replace('"observed_at":"2026-11-01T08:00:00.000Z"', '"observed_at":"2026-11-01T08:00:00"'),
    canonical().replace('"place_id":"pg-1"', '"place_id":"pg-1\\n"'),
    canonical().replace('"place_id":"pg-1"', '"place_id":"-pg"'),
    canonical().replace('"severity":"low"', '"severity":"apocalyptic"'),
    canonical().replace('"checklist_version":null', '"checklist_version":0'),
    canonical().replace('"note":"', '"note":"' + "x" * 4000),
    canonical().replace('"c":"x"', '"c":"' + "x" * 501 + '"'),
    canonical(fix=None, presence={"verdict": "no_fix"}, no_fix_reason="x").replace(
        '"no_fix_reason":"x"', '"no_fix_reason":""'),                # the cross-field rule
    canonical().replace('"b":2', '"b":' + "9" * 5000),                # more digits than Python parses
])
def test_invalid_reports_are_left_to_the_full_path_which_refuses_them(text):
    assert recognised(text) is None
    assert full_path(text) is None


def test_batch_framing_must_be_exact():
    t = canonical()
    assert recognised(t, t) is not None  # the same report twice: ingest tells replays apart
    raw = ('{"reports":[' + t + "]}").encode()
    for bad in (raw.replace(b"[", b"[ ", 1), raw + b" ", raw[:-1], raw.replace(b'"reports"', b'"items"'),
                b'{"reports":[]}', raw.replace(b"]}", b",]}"), b"\xff" + raw):
        assert canonical_batch(bad, wire.Report, "reports", 500) is None
    assert canonical_batch(('{"reports":[' + ",".join([t] * 3) + "]}").encode(),
                           wire.Report, "reports", 2) is None  # more than allowed


def test_the_recogniser_agrees_with_the_full_path_on_random_reports():
    """Random reports, valid and not, spelled canonically and otherwise: whatever is recognised
    must be what the full path stores, and every valid canonical one must be recognised
    (except strings holding escapes and floats repr spells with an exponent, which the pattern
    leaves out)."""
    rng = random.Random(11)
    findings = [f.value for f in wire.Finding]

    def pick(good: list, bad: list) -> object:  # mostly valid, so both outcomes are common
        return rng.choice(good if rng.random() < 0.97 or not bad else bad)

    def number() -> object:
        return pick([5.0, 0.0, -0.0, 8.5, 51.68072351234567, 7.81, 0.0001, 123456.789, 90.0,
                     1e-05, Raw("5"), Raw("5.0")],
                    [90.00001, -1.0, 1e16, 1_000_000.5, Raw("5.00"), Raw("5e0"), Raw("-0"),
                     Raw("0.10000000000000001"), Raw("1E2"), Raw("007"), Raw("-0.0")])

    def words() -> str:
        return pick(["", "x", "Kontrolle", "\u00e4", "\U0001f6b2", " ", "a\"b", "a\\b"],
                    ["tab\tx", "\x00"])

    accepted = refused = 0
    for _ in range(6000):
        fix = {"lat": number(), "lon": number(), "accuracy_m": number(),
               "fixed_at": "2026-11-01T07:59:50.000Z", "source": pick(["gps", "browser"], ["sat"])}
        body: dict = {
            "id": pick(["0190a000-0000-7000-8000-00000000000a"], ["0190A000-0000-7000-8000-00000000000a"]),
            "observed_at": pick(["2026-11-01T08:00:00.000Z", "2026-11-01T08:00:00+01:00"],
                                ["2026-13-01T08:00:00.000Z", "2026-11-01 08:00:00Z", "2026-02-30T08:00:00Z"]),
            "presence": {"verdict": pick(["on_site", "no_fix"], ["unsure"]),
                         "distance_m": pick([None, number()], [])},
            "severity": pick(["low", "high"], ["LOW"]),
            "visibility": "cooperation",
            "place_id": pick([None, "pg-1", "westentor"], ["a" * 65, "pg 1"]),
            "team_id": None,
            "fix": pick([None, fix, fix], []),
            "no_fix_reason": pick(["im Tunnel", None], [""]),
            "checklist_id": None,
            "checklist_version": pick([None, 1], [0, True]),
            "answers": {k: pick([True, 3, words()], [-0.5, [1]])
                        for k in rng.sample(["a", "b", "c", "d"], rng.randint(0, 3))},
            "findings": rng.sample(findings, rng.randint(0, 3)) + pick([[]], [["litter", "litter"]]),
            "measures": pick([[], ["talk"]], [["talk", "talk"]]),
            "counts": {k: pick([0, 4], [1_000_001, -1]) for k in rng.sample(["p", "q"], rng.randint(0, 2))},
            "note": words() * pick([1, 2, 4000], [4001]),
            "photos": pick([[], ["a" * 64], ["a" * 64, "b" * 64]], [["A" * 64], ["a" * 64] * 2]),
            "amends": None,
        }
        for k in list(body):
            if rng.random() < 0.003:
                del body[k]
        if rng.random() < 0.8 and isinstance(body.get("answers"), dict):
            body["answers"] = dict(sorted(body["answers"].items()))
        text = spell(body, rng)
        full = full_path(text)
        got = recognised(text)
        if got is not None:
            assert full is not None, text
            assert (got[0][0], got[1][0]) == full, text
            accepted += 1
        elif full is not None and full[1] == text:
            # the only canonical texts left out: escapes in strings, floats with an exponent
            assert "\\" in text or "e-" in text or "e+" in text, text
        refused += got is None
    assert accepted > 400 and refused > 1000  # both sides of the line were walked


class Raw:
    """A number as written in the JSON text (spellings json.dumps would not choose)."""

    def __init__(self, text: str) -> None:
        self.text = text


def spell(body: dict, rng: random.Random) -> str:
    raws: list[str] = []

    def mark(v):
        if isinstance(v, Raw):
            raws.append(v.text)
            return f"@@{len(raws) - 1}@@"
        if isinstance(v, dict):
            return {k: mark(x) for k, x in v.items()}
        return v

    compact = rng.random() < 0.9
    text = json.dumps(mark(body), ensure_ascii=rng.random() < 0.05,
                      separators=(",", ":") if compact else (", ", ": "))
    for i, raw in enumerate(raws):
        text = text.replace(f'"@@{i}@@"', raw)
    return text


def test_every_report_field_type_has_a_pattern():
    assert recogniser(wire.Report) is not None  # else the server quietly takes the slow way



def test_short_float_texts_are_what_repr_writes():
    """The recogniser takes a float text of at most 16 characters without asking repr; such
    texts (e.g. a fix to 7 decimals, as devices send) must be exactly repr's, and the pattern must
    refuse the fixed-notation texts repr would write otherwise (0.00001 is 1e-05)."""
    from patrol_wire.recognize import _FLOAT, _SHORT_FLOAT

    rx = re.compile(_FLOAT)
    rng = random.Random(5)
    seen = 0
    for _ in range(20000):
        digits = rng.randint(1, 17)
        x = rng.randint(10 ** (digits - 1), 10 ** digits - 1) * 10.0 ** rng.randint(-10, 18 - digits)
        x = -x if rng.random() < 0.2 else x
        for text in (repr(x), "%.*f" % (rng.randint(0, 12), x), repr(round(x, rng.randint(0, 9)))):
            if rx.fullmatch(text) and len(text) <= _SHORT_FLOAT:
                seen += 1
                assert repr(float(text)) == text
    assert seen > 10000
    for text in ("0.00001", "5.10", "5.", ".5", "05.0", "1e-05", "-0"):
        assert not rx.fullmatch(text)
    for text in ("0.0001", "-0.0", "5.0", "51.6807235", "7.8105532"):
        assert rx.fullmatch(text) and repr(float(text)) == text
