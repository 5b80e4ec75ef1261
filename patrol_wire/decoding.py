"""Strict decoding: JSON in, wire objects out, or a :class:`WireError` with a stable code and the
field's path.

msgspec validates (types, unknown and missing fields, every ``Meta`` constraint, the rules of
``__post_init__``) and refuses what is not JSON (NaN, lone surrogates, invalid UTF-8, trailing
text). It keeps the last of duplicate keys silently; an ambiguous payload is refused here: a text
that is its object's canonical spelling (what devices send) holds no key twice, since the decoded
object spelled again would be shorter, and any other text is checked by the standard library's
parser, which hands over every key pair.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, TypeVar

import msgspec

from .encoding import canonical_json, canonical_texts
from .errors import ErrorCode
from .fields import pattern_description
from .model import MAX_BATCH, Report

T = TypeVar("T")


class WireError(ValueError):
    """A payload that does not match the wire format; ``path`` names the offending field."""

    def __init__(self, code: ErrorCode, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.code = code
        self.path = path
        self.message = message


# ---------------------------------------------------------------- entry points

_ANY = msgspec.json.Decoder()
_decoders: dict[type, msgspec.json.Decoder] = {}


def parse_json(raw: bytes | str) -> Any:
    """Parse JSON strictly: no NaN/Infinity, no lone surrogates, no duplicate keys."""
    data = _parse(raw)
    if msgspec.json.encode(data) != _as_bytes(raw):  # (equal: compact, hence no key twice)
        _refuse_duplicates(raw)
    return data


def decode(cls: type[T], data: Any, path: str = "") -> T:
    """Build a ``cls`` from parsed JSON (see :func:`parse_json`), or raise :class:`WireError`."""
    try:
        return msgspec.convert(data, cls)
    except msgspec.ValidationError as exc:
        raise _wire_error(exc, cls, data, path) from None


def decode_json(cls: type[T], raw: bytes | str) -> T:
    """Decode a JSON text straight into a ``cls`` (faster than parse + decode)."""
    dec = _decoders.get(cls) or _decoders.setdefault(cls, msgspec.json.Decoder(cls))
    try:
        obj = dec.decode(raw)
    except msgspec.ValidationError as exc:
        raise _refused(exc, cls, raw) from None
    except (msgspec.DecodeError, UnicodeError, RecursionError):
        _parse(raw)  # raises the malformed_json WireError with the parser's words
        raise WireError(ErrorCode.MALFORMED_JSON, "", "body is not valid JSON") from None
    if not (cls is Report and canonical_json(obj) == _as_bytes(raw)):
        _refuse_duplicates(raw)
    return obj


class Item(msgspec.Struct, frozen=True):
    """One report of a batch: decoded with its canonical text, or the reason it was refused
    (``id``: what the item claimed, for its receipt). (A Struct: made in C, one per report.)"""

    report: Report | None
    text: bytes | None
    error: WireError | None = None
    id: str | None = None


class _RawBatch(msgspec.Struct, forbid_unknown_fields=True):
    reports: list[msgspec.Raw]


class _Batch(msgspec.Struct, forbid_unknown_fields=True):
    reports: list[Report]


class _ClaimedId(msgspec.Struct):
    id: Any = None


_BATCH = msgspec.json.Decoder(_RawBatch)
_WHOLE = msgspec.json.Decoder(_Batch)
_REPORT = msgspec.json.Decoder(Report)
_CLAIMED = msgspec.json.Decoder(_ClaimedId)


def decode_batch(raw: bytes) -> list[Item]:
    """The items of a ``{"reports": [...]}`` body, each decoded on its own: one bad report does
    not sink its batch. A WireError for the body itself (not JSON, not such an object, 1 to
    MAX_BATCH items; ``batch_too_large`` when there are more).

    What devices send -- valid reports, each in its canonical spelling -- is read in one pass:
    the whole batch decoded and spelled again by msgspec equals the body, which also proves that
    no key came twice. Anything else is read item by item."""
    try:
        reports = _WHOLE.decode(raw).reports
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        pass  # a bad item, or worse: item by item, which names it
    else:
        if 0 < len(reports) <= MAX_BATCH:
            texts = canonical_texts(reports)
            if texts is not None and _spelled_as(raw, texts):
                return [Item(r, t) for r, t in zip(reports, texts)]
    try:
        items = [bytes(x) for x in _BATCH.decode(raw).reports]
    except msgspec.ValidationError as exc:
        raise _refused(exc, _RawBatch, raw) from None
    except (msgspec.DecodeError, RecursionError):
        # msgspec refuses the whole body for one item it cannot read (a lone surrogate): the
        # standard library reads such text, so each item can be refused on its own
        data = _stdlib_strict(raw)
        if not isinstance(data, dict) or set(data) != {"reports"} or type(data["reports"]) is not list:
            raise WireError(ErrorCode.INVALID_VALUE, "reports", "must be a list of reports") from None
        items = [json.dumps(x).encode() for x in data["reports"]]  # a lone surrogate as an escape
        claims = [x.get("id") if isinstance(x, dict) else None for x in data["reports"]]
    else:
        claims = None
        if not _spelled_as(raw, items):
            _refuse_duplicates(raw)  # (spelled otherwise: the standard parser checks the body)
    if len(items) > MAX_BATCH:
        raise WireError(ErrorCode.BATCH_TOO_LARGE, "reports", f"at most {MAX_BATCH} reports per batch")
    if not items:
        raise WireError(ErrorCode.INVALID_VALUE, "reports", "must have at least 1 item")
    if claims is None:
        return [_item(text) for text in items]
    return [_item(text, claim) for text, claim in zip(items, claims)]


def _spelled_as(raw: bytes, texts: list[bytes]) -> bool:
    """``raw == b'{"reports":[' + b",".join(texts) + b"]}"``, without building that copy."""
    if not (raw.startswith(b'{"reports":[') and raw.endswith(b"]}")):
        return False
    pos, end = 12, len(raw) - 2
    for i, text in enumerate(texts):
        if i:
            if pos >= end or raw[pos] != 44:  # ','
                return False
            pos += 1
        if not raw.startswith(text, pos):
            return False
        pos += len(text)
    return pos == end


def _item(text: bytes, claimed: Any = None) -> Item:
    try:
        report = _REPORT.decode(text)
    except msgspec.ValidationError as exc:
        error = _refused(exc, Report, text)
    except (msgspec.DecodeError, UnicodeError):
        error = WireError(ErrorCode.MALFORMED_JSON, "", "the report is not valid JSON (e.g. a lone "
                                                        "surrogate escape in a text)")
    else:
        canonical = canonical_json(report)
        if canonical == text:  # what devices send: no key can be there twice
            return Item(report, canonical)
        try:
            _refuse_duplicates(text)
            return Item(report, canonical)
        except WireError as exc:
            error = exc
    if claimed is None:
        try:
            claimed = _CLAIMED.decode(text).id
        except (msgspec.DecodeError, msgspec.ValidationError):
            pass
    return Item(None, None, error, claimed if type(claimed) is str and _unicode(claimed) else None)


def _unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:  # a lone surrogate: never echoed back
        return False


# ---------------------------------------------------------------- JSON text


def _as_bytes(raw: bytes | str) -> bytes:
    return raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")


def _parse(raw: bytes | str) -> Any:
    try:
        return _ANY.decode(raw)
    except (msgspec.DecodeError, UnicodeError) as exc:
        raise WireError(ErrorCode.MALFORMED_JSON, "", f"body is not valid JSON: {exc}") from None
    except RecursionError:  # [[[[...]]]]: the decoder gives up cleanly; so do we
        raise WireError(ErrorCode.MALFORMED_JSON, "", "body is nested too deeply") from None


def _refuse_duplicates(raw: bytes | str) -> None:
    _stdlib_strict(raw)


def _stdlib_strict(raw: bytes | str) -> Any:
    """The standard library's parse, which sees every key pair: duplicate keys refused."""
    try:
        return json.loads(raw, object_pairs_hook=_no_dupes, parse_constant=_no_constants)
    except WireError:
        raise
    except (ValueError, UnicodeError) as exc:
        raise WireError(ErrorCode.MALFORMED_JSON, "", f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise WireError(ErrorCode.MALFORMED_JSON, "", "body is nested too deeply") from None


def _no_dupes(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)  # built in C; a shorter dict means a key came twice
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise WireError(ErrorCode.MALFORMED_JSON, dup, "duplicate key")
    return out


def _no_constants(name: str) -> Any:
    raise WireError(ErrorCode.MALFORMED_JSON, "", f"{name} is not valid JSON")


# ---------------------------------------------------------------- msgspec's errors, our codes

_AT = re.compile(r"^(?P<msg>.*?)(?: - at (?P<key>`key` in )?`\$(?P<path>[^`]*)`)?$", re.S)
_FIELD = re.compile(r"^Object (?P<kind>missing required|contains unknown) field `(?P<name>.*)`$", re.S)
_TYPE = re.compile(r"^Expected `(?P<want>[^`]*)`, got `[^`]*`$")
_REGEX = re.compile(r"^Expected `str` matching regex (?P<rx>'.*')$", re.S)
_LENGTH = re.compile(r"^Expected `(?P<what>str|array|object)` of length (?P<op>[<>]=) (?P<n>\d+)$")
_BOUND = re.compile(r"^Expected `(?:int|float)` (?P<op>[<>]=) (?P<n>\S+)$")
_RULE = re.compile(r"^(?P<field>[A-Za-z_][A-Za-z0-9_]*): (?P<msg>.*)$", re.S)

_KINDS = {"str": "a string", "int": "a whole number", "float": "a number", "bool": "true or false",
          "object": "an object", "array": "a list", "null": "null"}
_UNITS = {"str": "characters", "array": "items", "object": "entries"}


def _refused(exc: msgspec.ValidationError, cls: type, raw: bytes | str) -> WireError:
    """The error for a text msgspec refused: a duplicate key (which makes it ambiguous) first."""
    try:
        data = parse_json(raw)
    except WireError as err:
        return err
    return _wire_error(exc, cls, data)


def _wire_error(exc: msgspec.ValidationError, cls: type, data: Any, base: str = "") -> WireError:
    """Our code, path and message for msgspec's error (a path in a free-form map, which msgspec
    writes ``[...]``, gets its key back from ``data``)."""
    m = _AT.match(str(exc))
    msg, path = m["msg"], _path(m["path"] or "")
    if "[...]" in path:
        path = _locate_key(cls, data, path)
    if m["key"]:
        return WireError(ErrorCode.INVALID_VALUE, _join(base, _join(path, "<key>")),
                         _describe(msg))
    if f := _FIELD.match(msg):
        missing = f["kind"] == "missing required"
        return WireError(ErrorCode.MISSING_FIELD if missing else ErrorCode.UNKNOWN_FIELD,
                         _join(base, _join(path, f["name"])),
                         "is required" if missing else "is not a known field")
    if t := _TYPE.match(msg):
        want = " or ".join(_KINDS.get(k.strip(), k.strip()) for k in t["want"].split("|"))
        return WireError(ErrorCode.INVALID_TYPE, _join(base, path), f"must be {want}")
    if r := _RULE.match(msg):
        return WireError(ErrorCode.INVALID_VALUE, _join(base, _join(path, r["field"])), r["msg"])
    return WireError(ErrorCode.INVALID_VALUE, _join(base, path), _describe(msg))


def _describe(msg: str) -> str:
    if r := _REGEX.match(msg):
        return f"must be {pattern_description(ast.literal_eval(r['rx']))}"
    if n := _LENGTH.match(msg):
        most = n["op"] == "<="
        return f"must have at {'most' if most else 'least'} {n['n']} {_UNITS[n['what']]}"
    if b := _BOUND.match(msg):
        return f"must be {'at most' if b['op'] == '<=' else 'at least'} {b['n']}"
    if msg.startswith("Invalid enum value"):
        return msg.replace("Invalid enum value", "is not one of the allowed values:")
    return msg


def _path(msgspec_path: str) -> str:
    """``.fix.lat`` -> ``fix.lat``; ``.photos[0]`` -> ``photos[0]``."""
    return msgspec_path[1:] if msgspec_path.startswith(".") else msgspec_path


def _join(path: str, name: str) -> str:
    if not path:
        return name
    return f"{path}{name}" if name.startswith("[") else f"{path}.{name}" if name else path


def _locate_key(cls: type, data: Any, path: str) -> str:
    """Which key of the map at ``path`` (``answers[...]``) holds the bad value: each entry alone
    in place of the map, the first that still fails there is it."""
    head, _, rest = path.partition("[...]")
    steps = re.findall(r"[^.\[\]]+|\[\d+\]", head)
    try:
        parent = data
        for s in steps:
            parent = parent[int(s[1:-1])] if s.startswith("[") else parent[s]
        keys = list(parent) if isinstance(parent, dict) else []
    except (KeyError, IndexError, TypeError, ValueError):
        keys = []
    where = "$." + path
    for key in keys:
        try:
            msgspec.convert(_replace(data, steps, {key: parent[key]}), cls)
        except msgspec.ValidationError as exc:
            if f"`{where}`" in str(exc):
                return f"{head}.{key}{rest}"
    return f"{head}.<key>{rest}"


def _replace(data: Any, steps: list[str], value: Any) -> Any:
    if not steps:
        return value
    s, more = steps[0], steps[1:]
    if s.startswith("["):
        i = int(s[1:-1])
        return [*data[:i], _replace(data[i], more, value), *data[i + 1:]]
    return {**data, s: _replace(data[s], more, value)}
