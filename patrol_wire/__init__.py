"""The wire format between device and server: stdlib only, imported by both sides.

It imports neither ``patrol_app`` nor ``sync_server``; both import it. See :mod:`.model` for the
objects, :mod:`.codec` for strict decoding, :mod:`.errors` for the error catalogue.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .codec import (
    WireError,
    build,
    decode,
    encode,
    format_timestamp,
    json_schema,
    normalize,
    parse_timestamp,
    utc_now,
)
from .errors import ERROR_SCHEMA, ErrorCode, error_body
from .recognize import canonical_batch
from .model import *  # noqa: F403  (the model is the package's vocabulary)
from .model import API_PREFIX, MAX_BATCH, MAX_PHOTO_BYTES, MAX_PHOTOS_PER_REPORT


_CANONICAL = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                              check_circular=False)  # wire data is a tree


def canonical_json(data: Any) -> bytes:
    """One byte spelling per content: UTF-8, no spaces, fields in model order.

    ``data`` is a wire dataclass or the output of :func:`normalize` (which fills every field in
    model order and sorts free-form maps), so equal content gives equal bytes.
    """
    plain = data if type(data) is dict else encode(data)
    return _CANONICAL.encode(plain).encode("utf-8")


def content_hash(data: Any) -> str:
    """sha256 of the canonical JSON: how the server tells an identical replay from a conflict."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


def parse_json(raw: bytes | str) -> Any:
    """Parse JSON strictly: no NaN/Infinity, no duplicate keys (ambiguous payloads are refused).

    Device batches, the hot path, do not come through here: ``canonical_batch`` recognises them
    without a general parse."""
    try:
        return json.loads(raw, object_pairs_hook=_no_dupes, parse_constant=_no_constants)
    except WireError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError(ErrorCode.MALFORMED_JSON, "", f"body is not valid JSON: {exc}") from None
    except RecursionError:  # [[[[...]]]]: the decoder gives up cleanly; so do we
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


__all__ = [
    "API_PREFIX",
    "ERROR_SCHEMA",
    "MAX_BATCH",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTOS_PER_REPORT",
    "ErrorCode",
    "WireError",
    "canonical_batch",
    "canonical_json",
    "content_hash",
    "build",
    "decode",
    "encode",
    "error_body",
    "format_timestamp",
    "json_schema",
    "normalize",
    "parse_json",
    "parse_timestamp",
    "utc_now",
]
