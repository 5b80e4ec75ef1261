"""The wire format between device and server, imported by both sides; it needs msgspec only.

It imports neither ``patrol_app`` nor ``sync_server``; both import it. See :mod:`.model` for the
objects, :mod:`.fields` for their field types and rules, :mod:`.decoding` for strict decoding,
:mod:`.encoding` for canonical JSON and the schema, :mod:`.errors` for the error catalogue.
"""

from __future__ import annotations

from msgspec.structs import replace

from .decoding import Item, WireError, decode, decode_batch, decode_json, parse_json
from .encoding import canonical_json, content_hash, encode, schema_components
from .errors import ERROR_SCHEMA, ErrorCode, error_body
from .fields import RuleError, format_timestamp, parse_timestamp, utc_now
from .model import *  # noqa: F403  (the model is the package's vocabulary)
from .complaints import *  # noqa: F403  (citizen complaints: categories and figures)
from .operations import *  # noqa: F403  (joint operations: plan, feed, summary)
from .model import API_PREFIX, MAX_BATCH, MAX_PHOTO_BYTES, MAX_PHOTOS_PER_REPORT

__all__ = [
    "API_PREFIX",
    "ERROR_SCHEMA",
    "MAX_BATCH",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTOS_PER_REPORT",
    "ErrorCode",
    "Item",
    "RuleError",
    "WireError",
    "canonical_json",
    "content_hash",
    "decode",
    "decode_batch",
    "decode_json",
    "encode",
    "error_body",
    "format_timestamp",
    "parse_json",
    "parse_timestamp",
    "replace",
    "schema_components",
    "utc_now",
]
