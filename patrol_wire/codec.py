"""Strict decoding, encoding and JSON Schema for the wire dataclasses.

The wire format must be checked identically on the device and on the server, and the server
ingests tens of thousands of reports per second, so each dataclass gets one decoder compiled
from its type hints the first time it is used: a list of small closures, no reflection per call.

Constraints ride on the type hints with ``typing.Annotated``::

    note: Annotated[str, MaxLen(4000)] = ""

Decoding rejects unknown keys, missing required keys, wrong JSON types (``True`` is not an
int) and values outside their constraints, with a :class:`WireError` naming the field path.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import types
import typing
from datetime import datetime, timezone
from typing import Any, Callable

from .errors import ErrorCode

_MISSING = object()


class WireError(ValueError):
    """A payload that does not match the wire format; ``path`` names the offending field."""

    def __init__(self, code: ErrorCode, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.code = code
        self.path = path
        self.message = message


# ---------------------------------------------------------------- constraint markers


@dataclasses.dataclass(frozen=True)
class MaxLen:
    """Longest string (characters) or list (items) accepted."""

    value: int


@dataclasses.dataclass(frozen=True)
class MinLen:
    value: int


@dataclasses.dataclass(frozen=True)
class Range:
    """Inclusive numeric bounds."""

    lo: float
    hi: float


@dataclasses.dataclass(frozen=True)
class Pattern:
    regex: str
    description: str


@dataclasses.dataclass(frozen=True)
class Unique:
    """List items must not repeat."""


@dataclasses.dataclass(frozen=True)
class Timestamp:
    """ISO 8601 instant with an explicit UTC offset, e.g. ``2026-11-22T10:15:00.123Z``."""


UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SLUG_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
SHA256_RE = r"^[0-9a-f]{64}$"

Uuid = Pattern(UUID_RE, "a lowercase UUID")
Slug = Pattern(SLUG_RE, "1-64 letters, digits, '_', '-' or '.'")
Sha256 = Pattern(SHA256_RE, "64 lowercase hex digits")

_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


def parse_timestamp(text: str) -> datetime:
    """Parse a wire timestamp into an aware datetime (raises ValueError)."""
    if not _TS_RE.fullmatch(text):
        raise ValueError("not an ISO 8601 timestamp with offset")
    return datetime.fromisoformat(text)


def format_timestamp(moment: datetime) -> str:
    """The canonical wire spelling of an instant: UTC, milliseconds, 'Z'."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _is_timestamp(text: str) -> bool:
    try:
        parse_timestamp(text)
    except ValueError:
        return False
    return True


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- decoding
#
# Two steps: ``normalize`` validates parsed JSON and returns plain data with every field present
# (defaults filled, enums as their string values, small maps sorted) -- the canonical content the
# server hashes and stores; ``build`` turns normalized data into dataclass instances.

Normalizer = Callable[[Any, str], Any]
_normalizers: dict[type, Callable[[Any, str], dict]] = {}
_builders: dict[type, Callable[[dict], Any]] = {}
_encoders: dict[type, Callable[[Any], dict]] = {}


def normalize(cls: type, data: Any, path: str = "") -> dict:
    """Validate parsed JSON against ``cls`` and return its canonical plain form."""
    fn = _normalizers.get(cls)
    if fn is None:
        fn = _compile_normalizer(cls)
    return fn(data, path)


def build(cls: type, data: dict) -> Any:
    """Instantiate ``cls`` from data that :func:`normalize` produced (trusted, not re-checked)."""
    fn = _builders.get(cls)
    if fn is None:
        fn = _compile_builder(cls)
    return fn(data)


def decode(cls: type, data: Any, path: str = "") -> Any:
    """Build a ``cls`` instance from parsed JSON, or raise :class:`WireError`."""
    return build(cls, normalize(cls, data, path))


def _fail(code: ErrorCode, path: str, message: str) -> typing.NoReturn:
    raise WireError(code, path, message)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _split_annotated(hint: Any) -> tuple[Any, tuple]:
    if typing.get_origin(hint) is typing.Annotated:
        base, *extras = typing.get_args(hint)
        return base, tuple(extras)
    return hint, ()


def _optional_inner(hint: Any) -> Any | None:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return rest[0]
    return None


def _scalar_type(hint: Any) -> type | None:
    base, _ = _split_annotated(hint)
    return base if base in (str, int, float, bool) else None


def _compile_value(hint: Any) -> Normalizer:
    base, extras = _split_annotated(hint)
    inner = _optional_inner(base)
    if inner is not None:
        sub = _compile_value(typing.Annotated[(inner, *extras)] if extras else inner)

        def opt(v: Any, p: str) -> Any:
            return None if v is None else sub(v, p)

        return opt

    max_len = next((e.value for e in extras if isinstance(e, MaxLen)), None)
    min_len = next((e.value for e in extras if isinstance(e, MinLen)), None)
    rng = next((e for e in extras if isinstance(e, Range)), None)
    pattern = next((e for e in extras if isinstance(e, Pattern)), None)
    unique = any(isinstance(e, Unique) for e in extras)
    is_ts = any(isinstance(e, Timestamp) for e in extras)

    if base is str:
        rx = re.compile(pattern.regex) if pattern else None  # fullmatch: '$' admits a final \n
        desc = pattern.description if pattern else ""
        lo = min_len or 0
        hi = max_len

        def norm_str(v: Any, p: str) -> str:
            if type(v) is not str:
                _fail(ErrorCode.INVALID_TYPE, p, "must be a string")
            n = len(v)
            if n < lo:
                _fail(ErrorCode.INVALID_VALUE, p, f"must have at least {lo} characters")
            if hi is not None and n > hi:
                _fail(ErrorCode.INVALID_VALUE, p, f"must have at most {hi} characters")
            if "\x00" in v:
                _fail(ErrorCode.INVALID_VALUE, p, "must not contain NUL characters")
            if rx is not None and not rx.fullmatch(v):
                _fail(ErrorCode.INVALID_VALUE, p, f"must be {desc}")
            if is_ts:
                try:
                    parse_timestamp(v)
                except ValueError:
                    _fail(ErrorCode.INVALID_VALUE, p, "must be an ISO 8601 timestamp with offset")
            return v

        return norm_str

    if base is dict:

        def norm_object(v: Any, p: str) -> dict:
            if type(v) is not dict:
                _fail(ErrorCode.INVALID_TYPE, p, "must be an object")
            return v

        return norm_object

    if base is bool:

        def norm_bool(v: Any, p: str) -> bool:
            if type(v) is not bool:
                _fail(ErrorCode.INVALID_TYPE, p, "must be true or false")
            return v

        return norm_bool

    if base in (int, float):
        want_int = base is int
        lo_v = rng.lo if rng else None
        hi_v = rng.hi if rng else None

        def norm_num(v: Any, p: str) -> Any:
            t = type(v)
            if t is int:
                if not want_int:
                    v = float(v)
            elif t is float:
                if want_int:
                    _fail(ErrorCode.INVALID_TYPE, p, "must be a whole number")
                if not math.isfinite(v):
                    _fail(ErrorCode.INVALID_VALUE, p, "must be a finite number")
            else:
                _fail(ErrorCode.INVALID_TYPE, p, "must be a number")
            if lo_v is not None and (v < lo_v or v > hi_v):
                _fail(ErrorCode.INVALID_VALUE, p, f"must be between {lo_v:g} and {hi_v:g}")
            return v

        return norm_num

    if isinstance(base, type) and issubclass(base, enum.Enum):
        values = frozenset(m.value for m in base)
        allowed = ", ".join(sorted(values))

        def norm_enum(v: Any, p: str) -> Any:
            if type(v) is not str or v not in values:
                _fail(ErrorCode.INVALID_VALUE, p, f"must be one of: {allowed}")
            return v

        return norm_enum

    origin = typing.get_origin(base)
    if origin is list:
        (item_hint,) = typing.get_args(base)
        item = _compile_value(item_hint)
        hi_items = max_len
        lo_items = min_len or 0

        def norm_list(v: Any, p: str) -> list:
            if type(v) is not list:
                _fail(ErrorCode.INVALID_TYPE, p, "must be a list")
            if hi_items is not None and len(v) > hi_items:
                _fail(ErrorCode.INVALID_VALUE, p, f"must have at most {hi_items} items")
            if len(v) < lo_items:
                _fail(ErrorCode.INVALID_VALUE, p, f"must have at least {lo_items} items")
            out = [item(x, f"{p}[{i}]") for i, x in enumerate(v)]
            if unique and len(set(map(_hashable, out))) != len(out):
                _fail(ErrorCode.INVALID_VALUE, p, "must not contain duplicates")
            return out

        return norm_list

    if origin is dict:
        key_hint, val_hint = typing.get_args(base)
        key = _compile_value(key_hint)
        val = _compile_value(val_hint)
        hi_items = max_len

        def norm_dict(v: Any, p: str) -> dict:
            if type(v) is not dict:
                _fail(ErrorCode.INVALID_TYPE, p, "must be an object")
            if hi_items is not None and len(v) > hi_items:
                _fail(ErrorCode.INVALID_VALUE, p, f"must have at most {hi_items} entries")
            return {key(k, f"{p}.<key>"): val(v[k], f"{p}.{k}") for k in sorted(v)}

        return norm_dict

    if origin in (typing.Union, types.UnionType):
        # Scalar unions (checklist answers: bool | int | str) dispatch on the JSON type.
        by_type: dict[type, Normalizer] = {}
        for arg in typing.get_args(base):
            scalar = _scalar_type(arg)
            if scalar is None:
                raise TypeError(f"only unions of scalars are supported, not {hint!r}")
            by_type[scalar] = _compile_value(arg)
        names = " or ".join(t.__name__ for t in by_type)

        def norm_union(v: Any, p: str) -> Any:
            fn = by_type.get(type(v))
            if fn is None:
                _fail(ErrorCode.INVALID_TYPE, p, f"must be {names}")
            return fn(v, p)

        return norm_union

    if dataclasses.is_dataclass(base):
        return _normalizers.get(base) or _compile_normalizer(base)

    if base is Any:
        return lambda v, p: v

    raise TypeError(f"unsupported wire type {hint!r}")


def _hashable(v: Any) -> Any:
    return v if not isinstance(v, (dict, list)) else repr(v)


def _fast_guard(hint: Any, var: str, env: dict[str, Any], key: str) -> str | None:
    """A Python expression that is true only when ``var`` is already valid and normalized.

    The generated normalizer checks common, valid values inline and calls the full checker only
    otherwise (which then names the error). None when no cheap inline check exists.
    """
    base, extras = _split_annotated(hint)
    inner = _optional_inner(base)
    if inner is not None:
        sub = _fast_guard(typing.Annotated[(inner, *extras)] if extras else inner, var, env, key)
        return None if sub is None else f"({var} is None or ({sub}))"
    if any(isinstance(e, Timestamp) for e in extras):
        env["_is_timestamp"] = _is_timestamp
        return f"type({var}) is str and _is_timestamp({var})"
    max_len = next((e.value for e in extras if isinstance(e, MaxLen)), None)
    min_len = next((e.value for e in extras if isinstance(e, MinLen)), 0)
    rng = next((e for e in extras if isinstance(e, Range)), None)
    pattern = next((e for e in extras if isinstance(e, Pattern)), None)
    if base is str:
        parts = [f"type({var}) is str"]
        if pattern is not None:  # our patterns admit no NUL and bound the length themselves
            env[f"rx_{key}"] = re.compile(pattern.regex).fullmatch
            parts.append(f"rx_{key}({var}) is not None")
        else:
            parts.append(f"{min_len} <= len({var})" + (f" <= {max_len}" if max_len is not None else ""))
            parts.append(f"'\\x00' not in {var}")
        return " and ".join(parts)
    if base is bool:
        return f"type({var}) is bool"
    if base is dict:
        return f"type({var}) is dict"
    if base in (int, float) and rng is not None:
        return f"type({var}) is {base.__name__} and {rng.lo!r} <= {var} <= {rng.hi!r}"
    if base is int:
        return f"type({var}) is int"
    if isinstance(base, type) and issubclass(base, enum.Enum):
        env[f"values_{key}"] = frozenset(m.value for m in base)
        return f"type({var}) is str and {var} in values_{key}"
    if typing.get_origin(base) is list and max_len is not None:
        item = _fast_guard(typing.get_args(base)[0], "x", env, f"{key}_item")
        if item is None:
            return None
        unique = any(isinstance(e, Unique) for e in extras)
        check = f"{min_len} <= len({var}) <= {max_len} and all({item} for x in {var})"
        if unique:
            check += f" and len(set({var})) == len({var})"
        if min_len == 0:
            check = f"not {var} or ({check})"  # most lists are empty: skip the generator
        return f"type({var}) is list and ({check})"
    if typing.get_origin(base) is dict and max_len is not None:
        # checklist answers and counts: valid and already in key order (devices send them
        # sorted), so the normalizer keeps the object as it came
        key_hint, val_hint = typing.get_args(base)
        k = _fast_guard(key_hint, "k", env, f"{key}_key")
        v = _fast_guard(val_hint, "x", env, f"{key}_val")
        if k is None or v is None:
            return None
        env["_sorted"] = sorted
        return (f"type({var}) is dict and (not {var} or len({var}) <= {max_len} and all(({k}) and ({v})"
                f" for k, x in {var}.items()) and list({var}) == _sorted({var}))")
    if typing.get_origin(base) in (typing.Union, types.UnionType):
        alts = [_fast_guard(a, var, env, f"{key}_{i}") for i, a in enumerate(typing.get_args(base))]
        if any(a is None for a in alts) or not all(_scalar_type(a) for a in typing.get_args(base)):
            return None
        return " or ".join(f"({a})" for a in alts)
    return None


def _compile_normalizer(cls: type) -> Callable[[Any, str], dict]:
    """Generate a straight-line normalizer for ``cls`` (one function, no per-field loop)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    env: dict[str, Any] = {"_MISSING": _MISSING, "_fail": _fail, "_join": _join,
                           "ErrorCode": ErrorCode, "check": getattr(cls, "wire_check", None)}
    lines = [
        "def norm(data, path):",
        "    if type(data) is not dict:",
        "        _fail(ErrorCode.INVALID_TYPE, path, 'must be a JSON object')",
        "    if not known.issuperset(data):",
        "        extra = sorted(str(k) for k in data if k not in known)",
        "        _fail(ErrorCode.UNKNOWN_FIELD, _join(path, extra[0]), 'is not a known field')",
        "    out = {}",
    ]
    names = []
    for i, f in enumerate(dataclasses.fields(cls)):
        names.append(f.name)
        env[f"full_{i}"] = _compile_value(hints[f.name])
        lines.append(f"    v = data.get({f.name!r}, _MISSING)")
        lines.append("    if v is _MISSING:")
        if f.default is not dataclasses.MISSING:
            default = f.default.value if isinstance(f.default, enum.Enum) else f.default
            env[f"default_{i}"] = default
            lines.append(f"        out[{f.name!r}] = default_{i}")
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            env[f"factory_{i}"] = f.default_factory  # type: ignore[misc]
            lines.append(f"        out[{f.name!r}] = factory_{i}()")
        else:
            lines.append(f"        _fail(ErrorCode.MISSING_FIELD, _join(path, {f.name!r}), 'is required')")
        guard = _fast_guard(hints[f.name], "v", env, str(i))
        if guard is not None:
            lines.append(f"    elif {guard}:")
            lines.append(f"        out[{f.name!r}] = v")
        lines.append("    else:")
        lines.append(f"        out[{f.name!r}] = full_{i}(v, path + '.{f.name}' if path else {f.name!r})")
    lines += [
        "    if check is not None:",
        "        problem = check(out)",
        "        if problem is not None:",
        "            _fail(ErrorCode.INVALID_VALUE, _join(path, problem[0]), problem[1])",
        "    return out",
    ]
    env["known"] = frozenset(names)
    exec(compile("\n".join(lines), f"<wire normalizer {cls.__name__}>", "exec"), env)  # noqa: S102
    norm = env["norm"]
    _normalizers[cls] = norm
    return norm


def _compile_build_value(hint: Any) -> Callable[[Any], Any] | None:
    """How to turn one normalized value back into its typed form; None when it is already."""
    base, _ = _split_annotated(hint)
    inner = _optional_inner(base)
    if inner is not None:
        sub = _compile_build_value(inner)
        return None if sub is None else (lambda v: None if v is None else sub(v))
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return base
    origin = typing.get_origin(base)
    if origin is list:
        sub = _compile_build_value(typing.get_args(base)[0])
        return None if sub is None else (lambda v: [sub(x) for x in v])
    if origin is dict:
        sub = _compile_build_value(typing.get_args(base)[1])
        return None if sub is None else (lambda v: {k: sub(x) for k, x in v.items()})
    if dataclasses.is_dataclass(base):
        return lambda v: build(base, v)
    return None


def _compile_builder(cls: type) -> Callable[[dict], Any]:
    hints = typing.get_type_hints(cls, include_extras=True)
    plan = [(f.name, _compile_build_value(hints[f.name])) for f in dataclasses.fields(cls)]

    def make(data: dict) -> Any:
        return cls(**{n: (data[n] if fn is None else fn(data[n])) for n, fn in plan})

    _builders[cls] = make
    return make


# ---------------------------------------------------------------- encoding


def encode(obj: Any) -> Any:
    """Turn a wire dataclass (or list/dict of them) into plain JSON-ready data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fn = _encoders.get(type(obj))
        if fn is None:
            fn = _compile_encoder(type(obj))
        return fn(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, list):
        return [encode(x) for x in obj]
    if isinstance(obj, dict):
        return {k: encode(v) for k, v in obj.items()}
    return obj


def _compile_value_encoder(hint: Any) -> Callable[[Any], Any] | None:
    """An encoder for one field's value, or None when the value is already plain JSON."""
    base, _ = _split_annotated(hint)
    inner = _optional_inner(base)
    if inner is not None:
        sub = _compile_value_encoder(inner)
        return None if sub is None else (lambda v: None if v is None else sub(v))
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return lambda v: v.value
    origin = typing.get_origin(base)
    if origin is list:
        sub = _compile_value_encoder(typing.get_args(base)[0])
        return None if sub is None else (lambda v: [sub(x) for x in v])
    if origin is dict:
        sub = _compile_value_encoder(typing.get_args(base)[1])
        return None if sub is None else (lambda v: {k: sub(x) for k, x in v.items()})
    if dataclasses.is_dataclass(base):
        return encode
    return None


def _compile_encoder(cls: type) -> Callable[[Any], dict]:
    hints = typing.get_type_hints(cls, include_extras=True)
    plan = [(f.name, _compile_value_encoder(hints[f.name])) for f in dataclasses.fields(cls)]

    def enc(obj: Any) -> dict:
        out = {}
        for name, fn in plan:
            v = getattr(obj, name)
            out[name] = v if fn is None else fn(v)
        return out

    _encoders[cls] = enc
    return enc


# ---------------------------------------------------------------- JSON Schema


def json_schema(cls: type, defs: dict[str, Any] | None = None) -> dict[str, Any]:
    """JSON Schema (draft 2020-12 subset, as OpenAPI 3.1 uses) for a wire dataclass.

    Nested dataclasses go into ``defs`` and are referenced as ``#/components/schemas/Name``.
    """
    defs = {} if defs is None else defs
    hints = typing.get_type_hints(cls, include_extras=True)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        props[f.name] = _schema_of(hints[f.name], defs)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            required.append(f.name)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
    if cls.__doc__:
        schema["description"] = cls.__doc__.strip().splitlines()[0]
    defs[cls.__name__] = schema
    return schema


def _schema_of(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    base, extras = _split_annotated(hint)
    inner = _optional_inner(base)
    if inner is not None:
        sub = _schema_of(typing.Annotated[(inner, *extras)] if extras else inner, defs)
        return {"anyOf": [sub, {"type": "null"}]}
    out: dict[str, Any]
    origin = typing.get_origin(base)
    if base is str:
        out = {"type": "string"}
    elif base is bool:
        out = {"type": "boolean"}
    elif base is int:
        out = {"type": "integer"}
    elif base is float:
        out = {"type": "number"}
    elif isinstance(base, type) and issubclass(base, enum.Enum):
        out = {"type": "string", "enum": [m.value for m in base]}
    elif origin is list:
        out = {"type": "array", "items": _schema_of(typing.get_args(base)[0], defs)}
    elif origin is dict:
        out = {"type": "object", "additionalProperties": _schema_of(typing.get_args(base)[1], defs)}
    elif base is dict:
        out = {"type": "object"}
    elif origin in (typing.Union, types.UnionType):
        out = {"anyOf": [_schema_of(a, defs) for a in typing.get_args(base)]}
    elif dataclasses.is_dataclass(base):
        if base.__name__ not in defs:
            defs[base.__name__] = {}  # placeholder against recursion
            json_schema(base, defs)
        return {"$ref": f"#/components/schemas/{base.__name__}"}
    else:
        out = {}
    for e in extras:
        if isinstance(e, MaxLen):
            out["maxItems" if out.get("type") == "array" else "maxLength"] = e.value
            if out.get("type") == "object":
                out.pop("maxLength")
                out["maxProperties"] = e.value
        elif isinstance(e, MinLen):
            out["minItems" if out.get("type") == "array" else "minLength"] = e.value
        elif isinstance(e, Range):
            out["minimum"], out["maximum"] = e.lo, e.hi
        elif isinstance(e, Pattern):
            out["pattern"] = e.regex
        elif isinstance(e, Unique):
            out["uniqueItems"] = True
        elif isinstance(e, Timestamp):
            out["format"] = "date-time"
    return out
