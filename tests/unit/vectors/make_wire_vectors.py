"""Writes wire_vectors.json: inputs -> canonical bytes -> sha256, as THIS tree's codec spells them.

Run once, on the hand-written codec (before the move to msgspec), so that the file pins the
bytes (and hence the content hashes) of every report already stored. It refuses to overwrite.
Run: .venv/bin/python tests/unit/vectors/make_wire_vectors.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
import patrol_wire as wire  # noqa: E402

OUT = Path(__file__).with_name("wire_vectors.json")
RID = "0190a000-0000-7000-8000-00000000000a"
FIX = {"lat": 51.6807235, "lon": 7.8105532, "accuracy_m": 8.5,
       "fixed_at": "2026-11-01T07:59:50.000Z", "source": "gps"}


def report(**over) -> dict:
    body = {"id": RID, "observed_at": "2026-11-01T08:00:00.000Z", "severity": "low",
            "visibility": "cooperation", "presence": {"verdict": "on_site", "distance_m": 4.1},
            "place_id": "westentor", "fix": dict(FIX)}
    body.update(over)
    return body


def fix(**over) -> dict:
    return {**FIX, **over}


FLOAT_TEXTS = ["1e-05", "1E-5", "0.00001", "5e-324", "-0.0", "0.0", "0", "0.1", "1e-4", "0.0001",
               "0.00012345", "999999.9999999999", "1000000", "1e6", "8", "8.50", "5e0",
               "2.2250738585072014e-308", "1e-300", "1.0000000000000002", "0.30000000000000004",
               "4.35", "123456.789", "0.000099999999999999991"]
LAT_TEXTS = ["51.680723512345671", "51.68072351234567", "-89.99999999999999", "90", "-90.0",
             "0.1", "1e-05", "-1e-05", "51.6807235", "12.345678901234567890123"]
LON_TEXTS = ["-179.99999999999997", "180", "7.8105532489712345", "-0.0", "5e-324"]
POLY_TEXTS = ["1e16", "1e22", "1e+16", "1.5e300", "-1e16", "1e15", "9999999999999998",
              "123456789012345678", "1e-05", "5e-324", "-0.0", "0.1", "1.7976931348623157e308",
              "4.9e-324", "7", "-7", "1e-7", "1.5e-07", "100000000000000000000000"]

STRINGS = ["Kontrolle ohne Befund", "Spielplatz \u00e4\u00f6\u00fc\u00df \u00c4\u00d6\u00dc",
           "\U0001f6b2 \U0001f6a8 \u2603", "\u6f22\u5b57 \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
           'quote " backslash \\ slash /', "line\nbreak\ttab\rcr\bbs\fff",
           "ctl \u0001\u001f\u007f", "sep \u2028\u2029", "bom \ufeff zwj \u200d", "rtl \u202e x",
           "  spaces  ", "", "x" * 4000]
ESCAPED_NOTES = [r'"\u00e4\u00f6\u00fc"', r'"\/slash"', r'"\ud83d\udeb2"', r'"\u0041\u0062"',
                 r'"tab\u0009x"', r'"\"q\""', r'"\u2028"', r'"\u007f"', r'"\u00DF"']


def cases() -> list[tuple[str, str, str]]:
    """(model, note, input JSON text)."""
    out: list[tuple[str, str, str]] = []

    def add(model: str, note: str, body: dict | str) -> None:
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        out.append((model, note, text))

    add("Report", "device report, minimal fields", report())
    add("Report", "device report, every field", report(
        team_id="team-1", no_fix_reason=None, checklist_id="playground", checklist_version=3,
        answers={"known_group_present": True, "persons_present": 3, "state": "ok"},
        findings=["litter", "syringes", "broken_glass"], measures=["talk", "identity_check"],
        counts={"persons": 4, "dogs": 0}, note="Kontrolle ohne Befund",
        photos=["a" * 64, "0123456789abcdef" * 4], amends="0190a000-0000-7000-8000-00000000000b"))
    add("Report", "no fix, with a reason", report(fix=None, no_fix_reason="im Tunnel",
                                                  presence={"verdict": "no_fix"}))
    add("Report", "fields in reverse order", dict(reversed(list(report(
        answers={"b": 1, "a": "x"}, counts={"z": 1, "a": 2}).items()))))
    add("Report", "answers and counts unsorted", report(answers={"z": "1", "a": False, "m": 0},
                                                         counts={"q": 5, "b": 6}))
    add("Report", "spaced json", json.dumps(report(), indent=2))
    add("Report", "ascii-escaped json", json.dumps(report(note="M\u00fcller \U0001f6b2"), ensure_ascii=True))
    for t in FLOAT_TEXTS:
        add("Report", f"accuracy_m {t}", json.dumps(report()).replace('"accuracy_m": 8.5', f'"accuracy_m": {t}'))
        if not t.startswith("-") or t == "-0.0":
            add("Report", f"distance_m {t}", json.dumps(report()).replace('"distance_m": 4.1', f'"distance_m": {t}'))
    for t in LAT_TEXTS:
        add("Report", f"lat {t}", json.dumps(report()).replace('"lat": 51.6807235', f'"lat": {t}'))
    for t in LON_TEXTS:
        add("Report", f"lon {t}", json.dumps(report()).replace('"lon": 7.8105532', f'"lon": {t}'))
    for s in STRINGS:
        add("Report", f"note {s[:12]!r}", report(note=s))
        add("Report", f"answer text {s[:12]!r}", report(answers={"t": s[:500]}))
    for e in ESCAPED_NOTES:
        add("Report", f"escaped note {e}", json.dumps(report()).replace(
            '"place_id"', f'"note": {e}, "place_id"'))
    add("Report", "no_fix_reason non-ascii", report(fix=None, no_fix_reason="Keller \u00fc",
                                                    presence={"verdict": "no_fix"}))
    add("Report", "ints at their bounds", report(checklist_id="c", checklist_version=1000000,
                                                 counts={"a": 0, "b": 1000000}, answers={"n": -5, "m": 10**15}))
    for when in ("2026-11-01T09:00:00.000+01:00", "2026-11-01T08:00:00+00:00", "2026-11-01T08:00:00Z",
                 "2026-11-01T08:00:00.123456Z", "2026-11-01T08:00:00.1Z", "2026-10-31T23:00:00.000-09:00",
                 "2026-11-01T08:00:00.000+00:00"):
        add("Report", f"observed_at {when}", report(observed_at=when))
        add("Report", f"fixed_at {when}", report(fix=fix(fixed_at=when)))

    place = {"id": "pg-1", "name": "Spielplatz S\u00fcdstra\u00dfe", "type": "playground",
             "lat": 51.68, "lon": 7.82, "radius_m": 30}
    add("Place", "radius only", place)
    add("Place", "every field", {**place, "district_id": "mitte", "category": "A",
                                 "polygon": [[7.8, 51.6], [7.81, 51.61], [7.8, 51.62], [7.8, 51.6]],
                                 "address": "S\u00fcdstra\u00dfe 1", "active_from": "2026-05-01T00:00:00.000Z",
                                 "active_until": "2026-09-30T22:00:00.000Z", "active": False})
    add("Place", "polygon with extreme floats", json.dumps({**place, "polygon": [[0, 0]]}).replace(
        "[[0, 0]]", "[" + ",".join(f"[{a}, {b}]" for a, b in zip(POLY_TEXTS, reversed(POLY_TEXTS))) + "]"))
    add("District", "district", {"id": "mitte", "name": "Hamm-Mitte", "lat": 51.68, "lon": 7.82,
                                 "area_km2": 1e-05})
    add("Checklist", "checklist", {"id": "playground", "place_type": "playground", "version": 2, "fields": [
        {"key": "persons_present", "kind": "count", "label_de": "Personen anwesend",
         "label_en": "Persons present", "required": True},
        {"key": "state", "kind": "choice", "label_de": "Zustand \u00fc", "label_en": "State",
         "choices": ["gut", "m\u00e4\u00dfig", "schlecht"]}]})
    add("RouteTemplate", "route", {"id": "r-1", "name": "Runde S\u00fcd", "stops": [
        {"place_id": "pg-1", "start_min": 0, "end_min": 30}, {"place_id": "pg-2", "start_min": 30, "end_min": 1440}]})
    add("Assignment", "assignment", {"id": "a-1", "route_id": "r-1", "route_name": "Runde",
                                     "team_id": "t-1", "shift_start": "2026-11-01T13:00:00.000Z",
                                     "shift_end": "2026-11-01T21:00:00.000Z", "stops": [
                                         {"seq": 1, "place_id": "pg-1", "window_start": "2026-11-01T13:00:00.000Z",
                                          "window_end": "2026-11-01T13:30:00.000Z"}]})
    add("Query", "query", {"id": RID, "report_id": "0190a000-0000-7000-8000-00000000000b",
                           "question": "Wer war dabei? \u00e4", "asked_by": "Lagebild", "asked_at": "2026-11-02T10:00:00.000Z",
                           "place_id": "pg-1"})
    add("UserInfo", "user", {"username": "kod", "display_name": "K\u00f6nig", "role": "officer",
                             "agency": "kod", "team_ids": ["t-1"]})
    add("Team", "team", {"id": "t-1", "name": "Streife Mitte 1", "members": [
        {"username": "polizei", "display_name": "P", "agency": "police"},
        {"username": "kod", "display_name": "K", "agency": "kod"}], "shift_date": "2026-11-01"})
    return out


def main() -> None:
    if OUT.exists():
        raise SystemExit(f"{OUT} exists: golden vectors are pinned, not regenerated")
    vectors = []
    for model, note, text in cases():
        canonical = wire.canonical_json(wire.normalize(getattr(wire, model), wire.parse_json(text.encode())))
        vectors.append({"model": model, "note": note, "input": text,
                        "canonical": canonical.decode("utf-8"),
                        "sha256": hashlib.sha256(canonical).hexdigest()})
    OUT.write_text(json.dumps({"generated_by": "the hand-written codec (patrol_wire/codec.py) at "
                                              "commit e2351a5, before the move to msgspec",
                               "vectors": vectors}, ensure_ascii=True, indent=1) + "\n")
    print(f"{len(vectors)} vectors -> {OUT}")


if __name__ == "__main__":
    main()
