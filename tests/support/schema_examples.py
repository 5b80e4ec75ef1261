"""Examples and boundary cases derived from a JSON Schema (the server's OpenAPI components).

A small schema-driven generator of our own (hypothesis-jsonschema is not installed): for a
schema, one valid example with every property present; for every constraint the schema states
(maxLength, minLength, minimum, maximum, pattern, enum, required, additionalProperties: false,
uniqueItems, maxItems, minItems, maxProperties, type, format: date-time, the anyOf/if rules),
a value just inside (must be accepted) and one just outside (must be refused), each at its field
path in the wire's notation (``fix.lat``, ``photos[0]``, ``answers.k``, ``answers.<key>``).
Patterns are read as Python's ``re.search`` reads them, as the server and python-jsonschema do.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

DELETE = object()  # a variant that removes the field


@dataclass(frozen=True)
class Case:
    path: str  # the field the case is about (wire notation), "" for the object itself
    steps: tuple  # where in the example to put the value (keys and indexes)
    value: Any  # the new value, or DELETE
    accepted: bool
    why: str


class Schemas:
    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components
        self.counter = 0

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    # ------------------------------------------------------------ valid examples

    def example(self, schema: dict[str, Any]) -> Any:
        s = self.resolve(schema)
        if "anyOf" in s and "properties" not in s:
            alts = [a for a in s["anyOf"] if self.resolve(a).get("type") != "null"]
            return self.example(alts[0])
        if "enum" in s:
            return s["enum"][0]
        kind = s.get("type")
        if kind == "object":
            return self.object_example(s)
        if kind == "array":
            n = max(s.get("minItems", 1), 1)
            return [self.example(s["items"]) for _ in range(n)]
        if kind == "string":
            return self.string(s)
        if kind == "integer":
            return int(s.get("minimum", 0))
        if kind == "number":
            lo, hi = s.get("minimum"), s.get("maximum")
            return float((lo + hi) / 2) if lo is not None and hi is not None else float(lo or 0)
        if kind == "boolean":
            return True
        return None

    def object_example(self, s: dict[str, Any]) -> dict[str, Any]:
        if "properties" not in s:  # a free-form map
            key = self.string(s.get("propertyNames", {"type": "string"}))
            return {key: self.example(s.get("additionalProperties", {"type": "string"}))}
        return {name: self.example(sub) for name, sub in s["properties"].items()}

    def string(self, s: dict[str, Any], salt: int | None = None) -> str:
        """A string the schema allows (a fresh one each call where the pattern leaves room)."""
        self.counter += 1
        i = self.counter if salt is None else salt
        lo, hi = s.get("minLength", 0), s.get("maxLength")
        for candidate in candidates(i):
            if lo <= len(candidate) <= (hi if hi is not None else 10**9) and matches(s, candidate):
                return candidate
        if "pattern" not in s or matches(s, "x" * max(lo, 1)):
            return "x" * max(lo, 1)
        raise AssertionError(f"no example for the pattern {s.get('pattern')!r}: add a candidate")

    # ------------------------------------------------------------ boundary cases

    def cases(self, schema: dict[str, Any], example: Any, path: str = "", steps: tuple = (),
              typed: bool = True) -> Iterator[Case]:
        s = self.resolve(schema)
        if "anyOf" in s and "properties" not in s:
            alts = [a for a in s["anyOf"] if self.resolve(a).get("type") != "null"]
            if len(alts) < len(s["anyOf"]):
                yield Case(path, steps, None, True, "null is allowed")
            if len(alts) > 1:  # a union of scalars: each alternative with its own cases
                kinds = {self.resolve(a).get("type") for a in alts}
                yield Case(path, steps, [1] if "array" not in kinds else {"x": 1}, False,
                           "not of any type of the union")
            for alt in alts:
                mine = example if len(alts) == 1 else self.example(alt)
                yield Case(path, steps, mine, True, f"a{'n alternative' if len(alts) > 1 else ' value'}")
                yield from self.cases(alt, mine, path, steps, typed=len(alts) == 1)
            return
        kind = s.get("type")
        if "enum" in s:
            for v in s["enum"]:
                yield Case(path, steps, v, True, f"enum value {v!r}")
            yield Case(path, steps, "not-one-of-them", False, "not in the enum")
            return
        if kind is not None and typed:
            wrong = {"string": 12345, "integer": "1", "number": "1.5", "boolean": "true",
                     "array": {"x": 1}, "object": [1]}[kind]
            yield Case(path, steps, wrong, False, f"not of type {kind}")
        if kind == "string":
            yield from self.string_cases(s, example, path, steps)
        elif kind in ("integer", "number"):
            yield from self.number_cases(s, kind, path, steps, typed)
        elif kind == "array":
            yield from self.array_cases(s, example, path, steps)
        elif kind == "object":
            yield from self.object_cases(s, example, path, steps)

    def string_cases(self, s, example, path, steps):
        lo, hi = s.get("minLength"), s.get("maxLength")
        plain = "pattern" not in s or matches(s, "x" * (hi or lo or 1))
        if hi is not None and plain:
            yield Case(path, steps, "x" * hi, True, f"maxLength {hi}")
            yield Case(path, steps, "x" * (hi + 1), False, f"maxLength {hi}")
        if lo and plain:
            yield Case(path, steps, "x" * lo, True, f"minLength {lo}")
            yield Case(path, steps, "x" * (lo - 1), False, f"minLength {lo}")
        if "pattern" in s:
            for bad in (example + "\n", example[:1] + "\x00" + example[1:], example.upper(),
                        "-" + example, example + "!", ""):
                if not matches(s, bad) and (lo or 0) <= len(bad) <= (hi if hi is not None else 10**9):
                    yield Case(path, steps, bad, False, f"pattern {s['pattern']}")
            if example and not example.endswith("\n"):
                yield Case(path, steps, example, True, "the pattern's own example")
        if s.get("format") == "date-time":
            for good in ("1970-01-01T00:00:00.000Z", "2026-01-15T10:00:00+01:00",
                         "2026-01-15T09:00:00.123456Z", "2026-02-28T23:59:59-05:00"):
                yield Case(path, steps, good, True, "a date-time")
            for bad in ("2026-02-30T10:00:00.000Z", "2026-13-01T10:00:00.000Z",
                        "2026-01-15T24:00:00.000Z", "2026-01-15T10:60:00.000Z",
                        "1970-01-01T00:30:00.000+01:00", "0001-01-01T00:00:00.000+01:00",
                        "2999-12-31T23:30:00.000-01:00", "2026-01-15 10:00:00Z", "2026-01-15T10:00:00"):
                yield Case(path, steps, bad, False, "not a date-time the schema describes")

    def number_cases(self, s, kind, path, steps, typed=True):
        lo, hi = s.get("minimum"), s.get("maximum")
        cast = int if kind == "integer" else float
        if lo is not None:
            yield Case(path, steps, cast(lo), True, f"minimum {lo}")
            below = lo - 1 if kind == "integer" else math.nextafter(lo, -math.inf)
            yield Case(path, steps, below, False, f"minimum {lo}")
        if hi is not None:
            yield Case(path, steps, cast(hi), True, f"maximum {hi}")
            above = hi + 1 if kind == "integer" else math.nextafter(hi, math.inf)
            yield Case(path, steps, above, False, f"maximum {hi}")
        if kind == "integer" and typed:
            yield Case(path, steps, 1.5, False, "not a whole number")
            yield Case(path, steps, True, False, "a boolean is not an integer")

    def array_cases(self, s, example, path, steps):
        lo, hi = s.get("minItems", 0), s.get("maxItems")
        items = s["items"]
        distinct = self.distinct(items, (hi or lo or 1) + 1)
        if lo:
            yield Case(path, steps, distinct[:lo], True, f"minItems {lo}")
            yield Case(path, steps, distinct[:lo - 1], False, f"minItems {lo}")
        else:
            yield Case(path, steps, [], True, "an empty list")
        if hi is not None and len(distinct) > hi:
            yield Case(path, steps, distinct[:hi], True, f"maxItems {hi}")
            yield Case(path, steps, distinct[:hi + 1], False, f"maxItems {hi}")
        if s.get("uniqueItems"):
            yield Case(path, steps, [example[0], example[0]], False, "uniqueItems")
        if example:
            yield from self.cases(items, example[0], f"{path}[0]", steps + (0,))

    def distinct(self, items, n):
        s = self.resolve(items)
        if "enum" in s:
            return list(s["enum"])[:n]
        if s.get("type") == "string":
            return [self.string(s, salt=10**6 + i) for i in range(n)]
        return [self.example(items) for _ in range(n)]

    def object_cases(self, s, example, path, steps):
        join = (lambda name: f"{path}.{name}" if path else name)
        if "properties" not in s:  # a free-form map
            key = next(iter(example))
            names, values = s.get("propertyNames"), s.get("additionalProperties")
            hi = s.get("maxProperties")
            if hi is not None:
                keys = [self.string(names or {"type": "string"}, salt=2 * 10**6 + i) for i in range(hi + 1)]
                value = example[key]
                yield Case(path, steps, {k: value for k in keys[:hi]}, True, f"maxProperties {hi}")
                yield Case(path, steps, {k: value for k in keys}, False, f"maxProperties {hi}")
            if names:
                for bad in (key + "\n", "bad key", ""):
                    if not matches(names, bad):
                        yield Case(f"{path}.<key>", steps, {bad: example[key]}, False, "propertyNames")
            if values:
                yield from self.cases(values, example[key], f"{path}.{key}", steps + (key,))
            return
        for name in s.get("required", []):
            yield Case(join(name), steps + (name,), DELETE, False, "required")
        for name, sub in s["properties"].items():
            if name not in s.get("required", []):
                yield Case(join(name), steps + (name,), DELETE, True, "optional")
            yield from self.cases(sub, example[name], join(name), steps + (name,))
        if s.get("additionalProperties") is False:
            yield Case(join("zz_unknown"), steps + ("zz_unknown",), 1, False, "additionalProperties")
        yield from self.rule_cases(s, example, path, steps)

    def rule_cases(self, s, example, path, steps):
        """The rules across fields a schema states with anyOf or if/then."""
        join = (lambda name: f"{path}.{name}" if path else name)
        if "anyOf" in s:  # e.g. a GPS fix, or a reason why there is none
            names = [b["required"][0] for b in s["anyOf"]]
            for keep in names:
                value = copy.deepcopy(example)
                for other in names:
                    if other != keep:
                        value[other] = None
                yield Case(join(keep), steps, value, True, f"anyOf: {keep} alone")
            none = {**copy.deepcopy(example), **{n: None for n in names}}
            yield Case(join(names[-1]), steps, none, False, "anyOf: none of them")
            empty = {**none, names[-1]: ""}
            yield Case(join(names[-1]), steps, empty, False, "anyOf: empty")
        if "if" in s:
            (name, cond), = s["if"]["properties"].items()
            (then_name, then), = s["then"]["properties"].items()
            for v in cond["enum"]:
                yield Case(join(then_name), steps, {**example, name: v, then_name: " \n "}, False,
                           f"if {name}={v}: {then_name} {then}")
                yield Case(join(then_name), steps, {**example, name: v, then_name: "Warum?"}, True,
                           f"if {name}={v}: {then_name} {then}")


def matches(s: dict[str, Any], text: str) -> bool:
    return "pattern" not in s or re.search(s["pattern"], text) is not None


_BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def candidates(i: int) -> list[str]:
    """Strings of the kinds our patterns describe (the first the schema allows is taken)."""
    when = _BASE + timedelta(minutes=i)
    slug = "pg-1" if i < 10**6 else f"pg-{i}"  # (the place and district the test's world has)
    return [slug, f"0190a000-0000-7000-8000-{i:012x}", f"{i:064x}",
            when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), f"user{i}", "2026-01-15", f"Text {i}"]


def apply(example: Any, case: Case) -> Any:
    """The example with the case's value put in (or its field removed)."""
    out = copy.deepcopy(example)
    if not case.steps:
        return case.value
    parent = out
    for step in case.steps[:-1]:
        parent = parent[step]
    if case.value is DELETE:
        del parent[case.steps[-1]]
    else:
        parent[case.steps[-1]] = case.value
    return out


def string_paths(schemas: Schemas, schema: dict[str, Any], example: Any, steps: tuple = ()
                 ) -> Iterator[tuple]:
    """Where the example holds a text (keys and indexes)."""
    s = schemas.resolve(schema)
    if "anyOf" in s and "properties" not in s:
        alts = [a for a in s["anyOf"] if schemas.resolve(a).get("type") != "null"]
        yield from string_paths(schemas, alts[-1], example, steps)
    elif s.get("type") == "string" and "enum" not in s:
        yield steps
    elif s.get("type") == "array" and example:
        yield from string_paths(schemas, s["items"], example[0], steps + (0,))
    elif s.get("type") == "object" and isinstance(example, dict):
        if "properties" in s:
            for name, sub in s["properties"].items():
                yield from string_paths(schemas, sub, example[name], steps + (name,))
        elif example:
            key = next(iter(example))
            yield from string_paths(schemas, s.get("additionalProperties", {}), example[key],
                                    steps + (key,))
