"""Decoded places, shared by ingest, planning and the situation picture.

Places change rarely and are read on every report and every picture, so they are decoded once
and kept until the places table changes -- in any process: ``Storage.places_version`` moves
with every upsert, so a command-line import is seen by running servers at once.
"""

from __future__ import annotations

import json
import threading

import patrol_wire as wire
from patrol_wire import Place

from .storage import Storage


class PlaceBook:
    """Shared by every worker thread of the server, so one discipline: the cache (version,
    single places, all places) is read and replaced only under ``_lock``, and never while a
    query runs. A thread that decoded a place from the database stores it only if no refresh
    came in between (the generation it started from is still current); otherwise what it read
    may predate the change and it is returned to the caller but not kept."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._lock = threading.Lock()
        self._version = -1
        self._generation = 0  # moves whenever the cache is dropped
        self._one: dict[str, Place | None] = {}  # None: known not to exist
        self._all: dict[str, Place] | None = None

    def refresh(self) -> None:
        """Forget everything when any place changed since the last look (one cheap query)."""
        version = self.storage.places_version()
        with self._lock:
            if version != self._version:
                self._one, self._all, self._version = {}, None, version
                self._generation += 1

    def get(self, place_id: str) -> Place | None:
        """One place, decoded on first use (ingest needs only the few a batch names)."""
        with self._lock:
            if place_id in self._one:
                return self._one[place_id]
            generation = self._generation
        body = self.storage.place_bodies([place_id]).get(place_id)
        place = None if body is None else wire.decode(Place, json.loads(body))
        with self._lock:
            if generation == self._generation:
                self._one[place_id] = place
        return place

    def all(self) -> dict[str, Place]:
        """Every place, active or not (old reports may name retired places)."""
        with self._lock:
            if self._all is not None:
                return self._all
            generation = self._generation
        everything = {p.id: p for p in (wire.decode(Place, json.loads(b))
                                        for b in self.storage.picture_places())}
        with self._lock:
            if generation == self._generation:
                self._all = everything
                self._one.update(everything)
        return everything


def active_during(place: Place, since: str, until: str) -> bool:
    """Active, and (an event) running at some time in [since, until) -- UTC wire timestamps."""
    if not place.active:
        return False
    if place.active_from and wire.format_timestamp(wire.parse_timestamp(place.active_from)) >= until:
        return False
    return not (place.active_until
                and wire.format_timestamp(wire.parse_timestamp(place.active_until)) < since)
