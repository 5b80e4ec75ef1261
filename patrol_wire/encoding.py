"""Encoding: wire objects to plain data, to canonical JSON bytes (what the server hashes), and to
JSON Schema (what the OpenAPI document states)."""

from __future__ import annotations

import hashlib
import json
import operator
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
    out = _MSGSPEC.encode(obj)
    if _spelled_canonically([out], [obj]):
        return out
    return _STDLIB.encode(msgspec.to_builtins(obj, order="deterministic")).encode("utf-8")


def canonical_texts(objs: list) -> list[bytes] | None:
    """The objects' canonical texts when msgspec's spelling is the canonical one for all of
    them (else None: ask :func:`canonical_json` for each)."""
    texts = [_MSGSPEC.encode(obj) for obj in objs]
    return texts if _spelled_canonically(texts, objs) else None


def _spelled_canonically(texts: list[bytes], objs: list) -> bool:
    """Whether ``texts``, msgspec's spelling of ``objs``, are their canonical ones (see above)."""
    for out in texts:
        if out.find(92) >= 0 and (b"\\u" in out or b"\\/" in out):  # 92: a backslash
            return False
    values = []
    for obj in objs:
        floats = _floats_of(type(obj))
        if floats is None:
            return False
        values += floats(obj)
    values = [v for v in values if v is not None]
    return not values or _MSGSPEC.encode(values) == ("[" + ",".join(map(repr, values)) + "]").encode()


def content_hash(obj: Any) -> str:
    """sha256 of the canonical JSON: how the server tells an identical replay from a conflict."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def schema_components(types_: Iterable[type], prefix: str = "#/components/schemas/") -> dict[str, Any]:
    """JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) of the wire types and all they refer to,
    by name, referenced as ``{prefix}Name``."""
    _, components = msgspec.json.schema_components(list(types_), ref_template=prefix + "{name}")
    for cls in _structs(msgspec.Struct):  # rules across fields that JSON Schema can state
        rules = getattr(cls, "schema_rules", None)
        if rules and cls.__name__ in components:
            components[cls.__name__] = {**components[cls.__name__], **rules}
    return components


def _structs(cls: type) -> Iterable[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _structs(sub)


# ---------------------------------------------------------------- where an object keeps its floats

_COMPLEX = object()  # floats inside a list or map: no fixed path reaches them
_readers: dict[type, Any] = {}


def _floats_of(cls: type) -> Callable[[Any], tuple] | None:
    """A function giving every float field of a ``cls`` instance (None where a value or an
    optional object is missing); None when ``cls`` is not a Struct or keeps floats in lists or
    maps, which the standard library spells then."""
    reader = _readers.get(cls)
    if reader is None:
        paths = _float_paths(cls) if isinstance(cls, type) and issubclass(cls, msgspec.Struct) else None
        reader = _readers[cls] = _COMPLEX if paths is None else _reader(paths)
    return None if reader is _COMPLEX else reader


def _reader(paths: list[str]) -> Callable[[Any], tuple]:
    if len(paths) < 2:
        one = operator.attrgetter(*paths) if paths else None
        return lambda obj: () if one is None else (_walk(obj, paths[0]),)
    fast = operator.attrgetter(*paths)  # in C

    def read(obj: Any) -> tuple:
        try:
            return fast(obj)
        except AttributeError:  # an optional object on the way is None
            return tuple(_walk(obj, p) for p in paths)

    return read


def _walk(obj: Any, path: str) -> Any:
    for name in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def _float_paths(cls: type) -> list[str] | None:
    """Dotted paths of the float fields of ``cls`` and of the Structs it holds; None when a float
    sits in a list or a map."""
    hints = typing.get_type_hints(cls, include_extras=True)
    paths: list[str] = []
    for name in cls.__struct_fields__:
        kind = _kind(hints[name])
        if kind is _COMPLEX:
            return None
        if kind is float:
            paths.append(name)
        elif isinstance(kind, list):
            paths += [f"{name}.{p}" for p in kind]
    return paths


def _kind(hint: Any) -> Any:
    """float, the float paths of a Struct, None (no floats) or _COMPLEX."""
    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        kinds = [k for k in (_kind(a) for a in typing.get_args(hint) if a is not type(None))
                 if k is not None]
        return None if not kinds else kinds[0] if len(kinds) == 1 and kinds[0] is not _COMPLEX \
            and len([a for a in typing.get_args(hint) if a is not type(None)]) == 1 else _COMPLEX
    if hint is float:
        return float
    if origin in (list, dict, tuple, set, frozenset):
        return _COMPLEX if any(_kind(a) is not None for a in typing.get_args(hint)) else None
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        sub = _float_paths(hint)
        return _COMPLEX if sub is None else sub or None
    return None
