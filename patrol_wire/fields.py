"""The wire's field types: each rule defined once, so that msgspec enforces it and the JSON Schema
(the OpenAPI document) states it.

A rule lives in a ``msgspec.Meta`` on an ``Annotated`` type. The two rules JSON Schema words but
msgspec does not enforce -- ``uniqueItems`` and ``format: date-time`` -- are enforced by
:class:`Wire`'s ``__post_init__``, which reads them from the same ``Meta``: what the schema says is
what the server checks.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import datetime, timezone
from typing import Annotated, Any, Callable

import msgspec
from msgspec import Meta

# ---------------------------------------------------------------- strings


def text(max_length: int | None = None, *, min_length: int = 0, pattern: str | None = None,
         description: str | None = None, extra: dict[str, Any] | None = None) -> Any:
    """A string type. NUL is refused in every string. ``pattern`` must match the whole string:
    msgspec searches with ``re.search`` and Python's ``$`` also matches before a final newline,
    so the body is anchored as ``^(?:...)$(?!\\n)`` (which reads the same in ECMA-262, the
    dialect of JSON Schema, where ``$`` is the end already). A pattern never replaces the
    length or NUL rules: all three are checked."""
    rx = r"^[^\x00]*$" if pattern is None else r"^(?=[^\x00]*$)(?:" + pattern + r")$(?!\n)"
    _DESCRIPTIONS[rx] = description or "free of NUL characters"
    return Annotated[str, Meta(pattern=rx, min_length=min_length or None, max_length=max_length,
                               description=description, extra_json_schema=extra)]


_DESCRIPTIONS: dict[str, str] = {}


def pattern_description(rx: str) -> str:
    """What a text() pattern asks for, in words (for error messages)."""
    return _DESCRIPTIONS.get(rx, "in the expected form")


UUID_BODY = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SLUG_BODY = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
SHA256_BODY = r"[0-9a-f]{64}"

Uuid = text(pattern=UUID_BODY, description="a lowercase UUID")
Slug = text(pattern=SLUG_BODY, description="1-64 letters, digits, '_', '-' or '.'")
Sha256 = text(pattern=SHA256_BODY, description="64 lowercase hex digits")
Str = text()  # any text without NUL

# for ids in paths and query parameters (re.fullmatch)
UUID_RE, SLUG_RE, SHA256_RE = (typing.get_args(t)[1].pattern for t in (Uuid, Slug, Sha256))


def unique(tp: Any, *, max_length: int | None = None, min_length: int = 0) -> Any:
    """A list whose items must not repeat (checked by :class:`Wire`)."""
    return Annotated[tp, Meta(max_length=max_length, min_length=min_length or None,
                              extra_json_schema={"uniqueItems": True})]


# ---------------------------------------------------------------- numbers


def between(tp: type, lo: float, hi: float) -> Any:
    """An inclusive numeric range."""
    return Annotated[tp, Meta(ge=lo, le=hi)]


# ---------------------------------------------------------------- timestamps

FIRST_YEAR, LAST_YEAR = 1970, 2999
_SHAPE = (r"[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})")
TIMESTAMP_BODY = r"(?:19[7-9][0-9]|2[0-9]{3})-" + _SHAPE
_ANY_YEAR = re.compile(r"[0-9]{4}-" + _SHAPE)

Ts = text(pattern=TIMESTAMP_BODY, extra={"format": "date-time"},
          description="an instant in 1970-2999 (UTC), ISO 8601 with an offset, a real calendar "
                      "day; stored as UTC with milliseconds and 'Z'")


def parse_timestamp(text: str) -> datetime:
    """A wire timestamp as an aware datetime; ValueError unless it is one (syntax, calendar,
    the years 1970-2999, also after conversion to UTC)."""
    if type(text) is not str or not _ANY_YEAR.fullmatch(text):
        raise ValueError("must be an ISO 8601 timestamp with offset")
    moment = datetime.fromisoformat(text)  # ValueError for 30 February, hour 25, offset 24:00
    try:
        year = moment.astimezone(timezone.utc).year
    except OverflowError:  # year 1 minus an offset, or 9999 plus one
        year = 0
    if not (FIRST_YEAR <= moment.year <= LAST_YEAR and FIRST_YEAR <= year <= LAST_YEAR):
        raise ValueError(f"must lie in the years {FIRST_YEAR}-{LAST_YEAR} (UTC)")
    return moment


def format_timestamp(moment: datetime) -> str:
    """The canonical wire spelling of an instant: UTC, milliseconds, 'Z'."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    m = moment.astimezone(timezone.utc)
    return (f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}."
            f"{m.microsecond // 1000:03d}Z")


def normal_timestamp(text: str) -> str:
    """The canonical spelling of a wire timestamp (ValueError unless it is one).

    Timestamps arrive as ISO 8601 with an explicit offset; decoding stores them in one spelling,
    UTC with milliseconds and 'Z' (what devices write anyway), so the same instant spelled
    '+00:00', 'Z' or '+01:00' is the same content with the same hash: a replay is identical,
    not a conflict. Normalising where the wire object is made (decoding and construction alike)
    keeps every later comparison -- content hashes, stored columns, windows compared as text --
    free of spellings. Reports stored before keep their bytes (the golden vectors); the server
    recognises their replays by reading the stored text (sync_server/ingest.py). The years are
    bounded to 1970-2999 (UTC): a phone whose clock fell back to the epoch is still heard, and
    the server's arithmetic on wire times (windows, previous periods) stays far inside what
    datetime represents, where year 1 minus an offset was an OverflowError."""
    return format_timestamp(parse_timestamp(text))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- the base of every wire object


class RuleError(ValueError):
    """A rule across fields or items, raised in ``__post_init__``; names the field it is about
    (msgspec keeps the message and adds where the object was)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


Rules = tuple[tuple[str, ...], tuple[str, ...], Callable[[Any], None] | None]


class Wire(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """A wire object: unknown fields refused, immutable once made, never in a reference cycle
    (so the collector need not track it). A class whose fields' Meta say ``format: date-time``
    or ``uniqueItems``, or which has a rule across fields (:meth:`check`), gets
    :func:`_enforce` as its ``__post_init__`` (run on decoding and on construction)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        rules = _rules_of(cls)
        if rules != ((), (), None):
            cls._wire_rules = rules
            cls.__post_init__ = _enforce  # type: ignore[method-assign]

    def check(self) -> None:
        """A class's rule across fields: raise RuleError(field, message)."""


def _rules_of(cls: type) -> Rules:
    """The fields of ``cls`` whose Meta says ``format: date-time`` and ``uniqueItems``, and its
    ``check`` (None when it has none of its own)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    stamps = tuple(n for n, h in hints.items() if _extra_schema(h).get("format") == "date-time")
    uniques = tuple(n for n, h in hints.items() if _extra_schema(h).get("uniqueItems"))
    return stamps, uniques, None if cls.check is Wire.check else cls.check


_FIRST, _LAST = str(FIRST_YEAR), str(LAST_YEAR)


def _enforce(self: Any) -> None:
    """Put each timestamp into its canonical spelling (checking its calendar), refuse repeated
    list items, then run the class's check. (Written out flat: it runs for every report.)"""
    stamps, uniques, check = self._wire_rules
    for name in stamps:
        value = getattr(self, name)
        if value is None:
            continue
        if len(value) == 24 and value[23] == "Z" and value[19] == "." and \
                _FIRST <= value[:4] <= _LAST:  # canonical already, as devices send it
            try:
                datetime.fromisoformat(value)  # the calendar: no 30 February
                continue
            except ValueError:
                pass
        try:
            msgspec.structs.force_setattr(self, name, normal_timestamp(value))
        except ValueError as exc:
            raise RuleError(name, str(exc)) from None
    for name in uniques:
        value = getattr(self, name)
        if len(value) > 1 and len(set(value)) != len(value):
            raise RuleError(name, "must not contain duplicates")
    if check is not None:
        check(self)


def _extra_schema(hint: Any) -> dict[str, Any]:
    """The merged ``extra_json_schema`` of a field's own Meta (through Optional)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = inner[0] if len(inner) == 1 else hint
    out: dict[str, Any] = {}
    if typing.get_origin(hint) is Annotated:
        for meta in typing.get_args(hint)[1:]:
            if isinstance(meta, Meta) and meta.extra_json_schema:
                out.update(meta.extra_json_schema)
    return out
