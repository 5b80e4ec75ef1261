"""Encoding: wire objects to plain data, to canonical JSON bytes (what the server hashes), and to
JSON Schema (what the OpenAPI document states)."""

from __future__ import annotations

import hashlib
import json
import types
import typing
from typing import Any, Callable, Iterable

import msgspec

# The canonical spelling is the standard library's, as before msgspec: floats by repr (1e-05,
# 1e+16), no spaces, UTF-8 with only the escapes JSON needs, fields in model order, free-form
# maps sorted by key (tests/unit/test_wire_vectors.py pins the bytes). Device and server must
# agree on it byte for byte whatever msgspec version each runs, so msgspec's spelling (faster)
# is taken only when it provably is that one: every float of the object spelled as repr spells
# it (msgspec writes 1e-05 as 0.00001 and 1e+16 as 1e16), and no escape but the short ones every
# encoder writes for '"', '\\' and \b \f \n \r \t (a \\u or \\/ would be a choice). Otherwise, and
# for types that keep floats in lists or maps, the standard library writes it.
_STDLIB = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                           check_circular=False)  # wire data is a tree
_MSGSPEC = msgspec.json.Encoder(order="deterministic")  # maps sorted, struct fields in order


def encode(obj: Any) -> Any:
    """A wire object (or a list/dict of them) as plain JSON-ready data, fields in model order."""
    return msgspec.to_builtins(obj)


def canonical_json(obj: Any) -> bytes:
    """One byte spelling per content (see above), for a wire object or plain data."""
    floats = _float_reader(type(obj))
    if floats is not None:
        out = _MSGSPEC.encode(obj)
        if b"\\u" not in out and b"\\/" not in out:
            values: list[float] = []
            floats(obj, values)
            if not values or _MSGSPEC.encode(values) == ("[" + ",".join(map(repr, values)) + "]").encode():
                return out
    return _STDLIB.encode(msgspec.to_builtins(obj, order="deterministic")).encode("utf-8")


def content_hash(obj: Any) -> str:
    """sha256 of the canonical JSON: how the server tells an identical replay from a conflict."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def schema_components(types_: Iterable[type], prefix: str = "#/components/schemas/") -> dict[str, Any]:
    """JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) of the wire types and all they refer to,
    by name, referenced as ``{prefix}Name``."""
    _, components = msgspec.json.schema_components(list(types_), ref_template=prefix + "{name}")
    return components


# ---------------------------------------------------------------- where an object keeps its floats

FloatReader = Callable[[Any, list], None]
_COMPLEX = object()  # floats inside a list or map: left to the standard library
_readers: dict[type, Any] = {}


def _float_reader(cls: type) -> FloatReader | None:
    """A function appending every float of a ``cls`` instance to a list; None when ``cls`` is
    not a Struct or keeps floats where no fixed path reaches them."""
    reader = _readers.get(cls)
    if reader is None:
        reader = _readers[cls] = _build_reader(cls) if isinstance(cls, type) and issubclass(
            cls, msgspec.Struct) else _COMPLEX
    return None if reader is _COMPLEX else reader


def _build_reader(cls: type) -> Any:
    hints = typing.get_type_hints(cls, include_extras=True)
    direct: list[str] = []
    nested: list[tuple[str, FloatReader]] = []
    for name in cls.__struct_fields__:
        kind = _kind(hints[name])
        if kind is _COMPLEX:
            return _COMPLEX
        if kind is float:
            direct.append(name)
        elif kind is not None:
            nested.append((name, kind))

    def read(obj: Any, out: list) -> None:
        for name in direct:
            v = getattr(obj, name)
            if v is not None:
                out.append(v)
        for name, sub in nested:
            v = getattr(obj, name)
            if v is not None:
                sub(v, out)

    return read


def _kind(hint: Any) -> Any:
    """float, a nested reader, None (no floats) or _COMPLEX."""
    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        kinds = [_kind(a) for a in typing.get_args(hint) if a is not type(None)]
        found = [k for k in kinds if k is not None]
        if not found:
            return None
        return found[0] if len(kinds) == 1 else _COMPLEX
    if hint is float:
        return float
    if origin in (list, dict, tuple, set, frozenset):
        return _COMPLEX if any(_kind(a) is not None for a in typing.get_args(hint)) else None
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        sub = _float_reader(hint)
        if sub is None:
            return _COMPLEX
        return sub
    return None
