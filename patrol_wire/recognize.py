"""Recognise wire objects that arrive already valid and canonically spelled, without normalizing.

Devices encode every report with :func:`patrol_wire.canonical_json`, so the server usually
receives the very text it would store. For such text, one regular expression (syntax, every field
in model order, enums, string patterns and lengths, number spelling) and a few checks on the parsed
values (numeric ranges, the shortest float spelling, unique lists, sorted maps without repeated keys,
the class's cross-field rule) decide what ``normalize`` + ``canonical_json`` would decide: the
object is valid and this text is its canonical spelling. The server then skips both steps (and
the duplicate-key hook of the strict parse), about a third of its CPU per report.

The recogniser only ever says "yes, exactly as the full path would accept and spell it" or "not
sure"; "not sure" (any other spelling, any invalid value) goes the full way, which also names the
error. Types it has no pattern for make the whole class unrecognisable (``None``).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
import types
import typing
from datetime import datetime
from typing import Any, Callable

from .codec import MaxLen, MinLen, Pattern, Range, Timestamp, Unique, _TS_RE
from .codec import _optional_inner as _optional
from .codec import _split_annotated as _split

# A JSON string needing no escape: ensure_ascii=False writes exactly these characters as they are.
_PLAIN = r'[^"\\\x00-\x1f]'
_INT = r"(?:0|-?[1-9][0-9]*)"  # str(int): no '-0', no leading zeros, no exponent
# repr's fixed notation (1e-4 <= |x| < 1e16): no exponent, no trailing zero but in "5.0", at most
# three zeros after "0." (repr writes 0.00001 as 1e-05). A text of at most 16 characters has at
# most 15 significant digits, and such a decimal is the only one of its length or shorter that
# reads back as its float (IEEE doubles keep 15 digits), so it is what repr writes: only longer
# texts (a GPS fix in full precision) need repr to confirm them.
_FLOAT = r"-?(?:[1-9][0-9]*\.(?:0|[0-9]*[1-9])|0\.(?:0|0{0,3}[1-9](?:[0-9]*[1-9])?))"
_SHORT_FLOAT = 16

Check = Callable[[dict, re.Match], bool]


@dataclasses.dataclass(frozen=True)
class Recogniser:
    """``pattern`` matches the candidate text; ``check(parsed, match)`` confirms the values."""

    pattern: re.Pattern
    check: Check


_cache: dict[type, Recogniser | None] = {}


def recogniser(cls: type) -> Recogniser | None:
    """The recogniser of a wire dataclass, or None when some field type has no pattern here."""
    if cls not in _cache:
        _cache[cls] = _Compiler().compile(cls)
    return _cache[cls]


def canonical_batch(raw: bytes, cls: type, key: str, max_items: int) -> tuple[list[dict], list[str]] | None:
    """The items of a ``{"<key>":[...]}`` body and each one's text, when every item is a valid
    ``cls`` in canonical spelling and there are 1..max_items of them; otherwise None.

    The items equal what ``normalize(cls, item)`` returns and each text is their
    ``canonical_json``. Duplicate keys cannot hide in the body: every object's keys are fixed by
    the pattern, except free-form maps, whose members are counted.
    """
    rec = recogniser(cls)
    if rec is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = '{"' + key + '":['
    end = len(text) - 2
    if not text.startswith(head) or not text.endswith("]}"):
        return None
    match = rec.pattern.match
    matches: list[re.Match] = []
    pos = len(head)
    while True:
        m = match(text, pos)
        if m is None or len(matches) == max_items:
            return None
        matches.append(m)
        pos = m.end()
        if pos == end:
            break
        if pos > end or text[pos] != ",":
            return None
        pos += 1
    try:
        items = json.loads(text)[key]
    except (ValueError, RecursionError):  # e.g. an integer of more digits than Python parses
        return None
    check = rec.check
    for item, m in zip(items, matches):
        if not check(item, m):
            return None
    return items, [m.group() for m in matches]


class _Compiler:
    """Builds one pattern and one generated check function per dataclass.

    The check is straight-line code over the parsed value: each nested object and each checked
    field bound to a local once, then ``if not (...): return False`` per rule. A float's text
    (a named group of the match) is compared with ``repr`` only when it is too long to be
    repr's own by its length alone (see ``_FLOAT``)."""

    def __init__(self) -> None:
        self.groups = 0
        self.locals = 0
        self.env: dict[str, Any] = {"_ts": datetime.fromisoformat}

    def compile(self, cls: type) -> Recogniser | None:
        try:
            rx, lines = self.object(cls, "d", in_collection=False)
        except _Unsupported:
            return None
        body = "".join(f"        {line}\n" for line in lines)
        src = f"def check(d, m):\n    try:\n{body}        return True\n" \
            "    except (ValueError, TypeError):\n        return False\n"
        exec(compile(src, f"<wire recogniser {cls.__name__}>", "exec"), self.env)  # noqa: S102
        return Recogniser(re.compile(rx), self.env["check"])

    def group(self) -> str:
        """A named group (an embedded pattern may bring numbered groups of its own)."""
        self.groups += 1
        return f"rg{self.groups}"

    def local(self) -> str:
        self.locals += 1
        return f"v{self.locals}"

    def object(self, cls: type, var: str, *, in_collection: bool) -> tuple[str, list[str]]:
        hints = typing.get_type_hints(cls, include_extras=True)
        parts, lines = [], []
        for i, f in enumerate(dataclasses.fields(cls)):
            field_var = self.local()
            rx, sub = self.value(hints[f.name], field_var, in_collection)
            parts.append((r"\{" if i == 0 else ",") + re.escape(json.dumps(f.name)) + ":" + rx)
            if sub:
                lines += [f"{field_var} = {var}[{f.name!r}]", *sub]
        rule = getattr(cls, "wire_check", None)
        if rule is not None:
            self.env[f"rule_{cls.__name__}"] = rule
            lines += _require(f"rule_{cls.__name__}({var}) is None")
        return "".join(parts) + r"\}" if parts else r"\{\}", lines

    def value(self, hint: Any, var: str, in_collection: bool) -> tuple[str, list[str]]:
        base, extras = _split(hint)
        inner = _optional(base)
        if inner is not None:
            rx, sub = self.value(typing.Annotated[(inner, *extras)] if extras else inner, var,
                                 in_collection)
            return f"(?:null|{rx})", ([f"if {var} is not None:", *_indent(sub)] if sub else [])
        max_len = next((e.value for e in extras if isinstance(e, MaxLen)), None)
        min_len = next((e.value for e in extras if isinstance(e, MinLen)), 0)
        rng = next((e for e in extras if isinstance(e, Range)), None)
        pattern = next((e for e in extras if isinstance(e, Pattern)), None)
        in_range = _require(f"{rng.lo!r} <= {var} <= {rng.hi!r}") if rng else []
        if base is str:
            return self.string(var, pattern, min_len, max_len,
                               any(isinstance(e, Timestamp) for e in extras))
        if base is bool:
            return "(?:true|false)", []
        if base is int:
            return _INT, in_range
        if base is float:
            if in_collection:  # a float's text is checked by its group: one per field only
                raise _Unsupported
            group, text = self.group(), self.local()
            return f"(?P<{group}>{_FLOAT})", [
                f"{text} = m.group({group!r})",
                *_require(f"len({text}) <= {_SHORT_FLOAT} or repr({var}) == {text}"), *in_range]
        if isinstance(base, type) and issubclass(base, enum.Enum):
            values = sorted((m.value for m in base), key=len, reverse=True)
            return '"(?:' + "|".join(re.escape(v) for v in values) + ')"', []
        if dataclasses.is_dataclass(base):
            return self.object(base, var, in_collection=in_collection)
        origin = typing.get_origin(base)
        if origin is list and max_len is not None:
            return self.list(typing.get_args(base)[0], var, min_len, max_len,
                             any(isinstance(e, Unique) for e in extras))
        if origin is dict and max_len is not None:
            return self.map(*typing.get_args(base), var, max_len)
        if origin in (typing.Union, types.UnionType):
            return self.union(typing.get_args(base), var, in_collection)
        raise _Unsupported

    def string(self, var: str, pattern: Pattern | None, lo: int, hi: int | None, ts: bool
               ) -> tuple[str, list[str]]:
        if ts:
            pattern = Pattern(_TS_RE.pattern, "timestamp")
        if pattern is None:
            return f'"{_PLAIN}{{{lo},{"" if hi is None else hi}}}"', []
        body = pattern.regex.removeprefix("^").removesuffix("$")
        if "^" in body.replace("[^", "") or "$" in body:
            raise _Unsupported
        # the lookahead pins the string's end to the first quote, so the pattern matches all of it
        rx = f'"(?={_PLAIN}*")(?:{body})"'
        lines = []
        if lo or hi is not None:
            lines += _require(f"{lo} <= len({var})" + (f" <= {hi}" if hi is not None else ""))
        if ts:
            lines += _require(f"_ts({var}) is not None")  # the calendar: no 30 February
        return rx, lines

    def list(self, item_hint: Any, var: str, lo: int, hi: int, unique: bool) -> tuple[str, list[str]]:
        x = self.local()
        item, sub = self.value(item_hint, x, True)
        if lo == 0:
            rx = rf"\[(?:{item}(?:,{item}){{0,{hi - 1}}})?\]" if hi > 0 else r"\[\]"
        else:
            rx = rf"\[{item}(?:,{item}){{{lo - 1},{hi - 1}}}\]"
        lines = [f"for {x} in {var}:", *_indent(sub)] if sub else []
        if unique:
            lines += _require(f"len(set({var})) == len({var})")
        return rx, lines

    def map(self, key_hint: Any, val_hint: Any, var: str, hi: int) -> tuple[str, list[str]]:
        k, x = self.local(), self.local()
        key, key_lines = self.value(key_hint, k, True)
        val, val_lines = self.value(val_hint, x, True)
        if hi == 0:
            raise _Unsupported
        group = self.group()
        rx = rf"(?P<{group}>\{{(?:{key}:{val}(?:,{key}:{val}){{0,{hi - 1}}})?\}})"
        # canonical maps are sorted; a key given twice would have been collapsed by the parser,
        # so the members written (each key ends in '":', which no unescaped string can hold)
        # must be as many as the keys parsed
        lines = [f"if {var}:",
                 *_indent(_require(f"list({var}) == sorted({var})")),
                 *_indent(_require(f"m.group({group!r}).count('\":') == len({var})"))]
        if key_lines or val_lines:
            lines += [f"for {k}, {x} in {var}.items():", *_indent(key_lines + val_lines)]
        return rx, lines

    def union(self, args: tuple, var: str, in_collection: bool) -> tuple[str, list[str]]:
        alts, lines = [], []
        for arg in args:
            base, _ = _split(arg)
            if base not in (bool, int, str):  # floats would need their own text group
                raise _Unsupported
            rx, sub = self.value(arg, var, in_collection)
            alts.append(rx)
            if sub:
                lines += [f"if type({var}) is {base.__name__}:", *_indent(sub)]
        return "(?:" + "|".join(alts) + ")", lines


def _require(condition: str) -> list[str]:
    return [f"if not ({condition}):", "    return False"]


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


class _Unsupported(Exception):
    """A field type without a pattern here: the class is left to the full path."""
