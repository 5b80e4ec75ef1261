"""The server's place cache under threads: every worker thread shares one PlaceBook, so a
refresh that lands between another thread's read and its caching must not leave the old place
cached for good (one lock discipline, see sync_server/places.py)."""

from __future__ import annotations

import threading

from sync_server.places import PlaceBook
from sync_server.storage import SqliteStorage
from tests.conftest import add_place


class GatedReads(SqliteStorage):
    """The real storage; while ``hold`` is set, a place read that has its rows waits for the
    test's ``release`` before it returns -- so a test can change the places in between."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self.hold = False
        self.read = threading.Event()
        self.release = threading.Event()

    def _gate(self, rows):
        if self.hold:
            self.read.set()
            assert self.release.wait(10)
        return rows

    def place_bodies(self, ids):
        return self._gate(super().place_bodies(ids))

    def picture_places(self):
        return self._gate(super().picture_places())


def _storage(settings) -> GatedReads:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return GatedReads(settings.db_path)


def _race(storage: GatedReads, book: PlaceBook, read) -> None:
    """``read`` in another thread gets the old rows; the place changes and the book refreshes
    before that thread caches what it read."""
    storage.hold = True
    t = threading.Thread(target=read)
    t.start()
    assert storage.read.wait(10)
    add_place(storage, radius=99.0)
    book.refresh()
    storage.hold = False
    storage.release.set()
    t.join(10)
    assert not t.is_alive()


def test_a_place_read_before_a_refresh_is_not_cached_after_it(settings):
    storage = _storage(settings)
    try:
        add_place(storage, radius=30.0)
        book = PlaceBook(storage)
        book.refresh()
        seen = []
        _race(storage, book, lambda: seen.append(book.get("pg-1")))
        assert seen[0].radius_m == 30.0  # the caller gets what it read ...
        assert book.get("pg-1").radius_m == 99.0  # ... but the book does not keep it
    finally:
        storage.close()


def test_all_places_read_before_a_refresh_are_not_cached_after_it(settings):
    storage = _storage(settings)
    try:
        add_place(storage, radius=30.0)
        book = PlaceBook(storage)
        book.refresh()
        _race(storage, book, book.all)
        assert book.all()["pg-1"].radius_m == 99.0
        assert book.get("pg-1").radius_m == 99.0
    finally:
        storage.close()


def test_threads_reading_while_places_change_end_on_the_last_version(settings):
    storage = _storage(settings)
    try:
        add_place(storage, radius=1.0)
        book = PlaceBook(storage)
        stop, errors = threading.Event(), []

        def reader() -> None:
            try:
                while not stop.is_set():
                    book.refresh()
                    book.get("pg-1")
                    book.get("nowhere")
                    book.all()
            except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        for radius in range(2, 60):
            add_place(storage, radius=float(radius))
        stop.set()
        for t in threads:
            t.join(10)
        assert errors == []
        book.refresh()
        assert book.get("pg-1").radius_m == 59.0
        assert book.all()["pg-1"].radius_m == 59.0
        assert book.get("nowhere") is None
    finally:
        storage.close()
