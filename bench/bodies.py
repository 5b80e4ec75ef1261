"""What a device sends, for the ingest benchmarks: one report in its canonical spelling and
batches of it with fresh ids."""

from __future__ import annotations

from typing import Callable

import patrol_wire as wire
from uuid6 import uuid7

ID = "00000000-0000-7000-8000-000000000000"


def device_report() -> str:
    """A report as the device's store keeps and sends it: canonical JSON, every field, maps
    sorted, the fix to 7 decimals and the accuracy to 0.1 m (as platform/gps.py rounds them)."""
    body = {"id": ID, "observed_at": "2026-11-01T08:00:00.000Z", "severity": "low",
            "visibility": "cooperation", "presence": {"verdict": "on_site", "distance_m": 4.1},
            "place_id": "westentor", "team_id": "team-mitte-1",  # the author kod's demo team
            "fix": {"lat": 51.6807235, "lon": 7.8105532, "accuracy_m": 8.5,
                    "fixed_at": "2026-11-01T07:59:50.000Z", "source": "gps"},
            "findings": ["litter", "syringes"], "measures": ["talk"],
            "answers": {"persons_present": 3, "known_group_present": True},
            "note": "Kontrolle ohne Befund"}
    return wire.canonical_json(wire.decode(wire.Report, body)).decode()


def batch_body(n: int, new_id: Callable[[], str] = lambda: str(uuid7()), template: str | None = None
               ) -> bytes:
    """A batch request of ``n`` copies of the device report, each with its own id."""
    tpl = template or device_report()
    return ('{"reports":[' + ",".join(tpl.replace(ID, new_id()) for _ in range(n)) + "]}").encode()
