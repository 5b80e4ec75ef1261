"""Shared fixtures: a device store, an in-process server app, report factories."""

from __future__ import annotations

import io
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

import patrol_wire as wire
from patrol_app.core.photos import process_photo
from patrol_app.core.store import LocalStore
from sync_server.config import KdfParams, Settings
from sync_server.security import hash_password
from sync_server.storage import SqliteStorage, open_storage

FAST_KDF = KdfParams(n=2**10, r=8, p=1)  # tests only: real deployments keep the default cost
PASSWORD = "correct horse battery"


BACKENDS = ("sqlite", "postgres")


def pytest_generate_tests(metafunc):
    """Every test that uses the server's storage (the ``settings``/``storage`` fixtures) runs
    on both backends, unless it or its module is marked ``sqlite_only``. ``PATROL_TEST_BACKENDS``
    (e.g. ``sqlite``) narrows the set."""
    if "backend" not in metafunc.fixturenames:
        return
    wanted = tuple(b for b in os.environ.get("PATROL_TEST_BACKENDS", ",".join(BACKENDS)).split(",")
                   if b in BACKENDS)
    if metafunc.definition.get_closest_marker("sqlite_only"):
        wanted = ("sqlite",)
    metafunc.parametrize("backend", wanted or ("sqlite",))


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the whole session, started on first use."""
    from tests.support.postgres import start_cluster

    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    from tests.support.postgres import fresh_database

    return fresh_database(pg_cluster)


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore(tmp_path / "device")
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path: Path, backend: str, request) -> Settings:
    """The server's settings on this test's backend (PostgreSQL: a fresh database)."""
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    return Settings(data_dir=tmp_path / "server", kdf=FAST_KDF, database_url=url)


@pytest.fixture
def storage(settings: Settings) -> SqliteStorage:
    s = open_storage(settings)
    yield s
    s.close()


def add_user(storage: SqliteStorage, username: str, role=wire.Role.OFFICER, agency="police"):
    return storage.create_user(username=username, display_name=username.title(),
                               password_hash=hash_password(PASSWORD, FAST_KDF), role=role, agency=agency)


def add_place(storage: SqliteStorage, place_id="pg-1", lat=51.68, lon=7.82, radius=30.0,
              ptype=wire.PlaceType.PLAYGROUND) -> wire.Place:
    place = wire.Place(place_id, f"Place {place_id}", ptype, lat, lon, radius)
    storage.upsert_places([(place.id, wire.canonical_json(place).decode(), ptype.value, None, True)])
    return place


@pytest.fixture
def client(settings: Settings, storage: SqliteStorage):
    """A TestClient on the real app, with an officer logged in (``client.token``)."""
    from fastapi.testclient import TestClient

    from sync_server.app import create_app

    add_user(storage, "officer")
    add_place(storage)
    app = create_app(settings, storage)
    with TestClient(app) as c:
        c.app_storage = storage
        c.token = login(c, "officer")
        yield c


def login(c, username: str, password: str = PASSWORD) -> str:
    r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def ts(delta_s: float = 0) -> str:
    return wire.format_timestamp(datetime.now(timezone.utc) + timedelta(seconds=delta_s))


def make_report(n: int = 0, *, place_id: str | None = "pg-1", photos: list[str] | None = None,
                **over) -> dict:
    """A valid report body (wire JSON) with a fresh uuid7."""
    from uuid6 import uuid7

    body = {
        "id": str(uuid7()), "observed_at": ts(-60), "severity": "low", "visibility": "cooperation",
        "presence": {"verdict": "on_site", "distance_m": 5.0}, "place_id": place_id,
        "fix": {"lat": 51.68, "lon": 7.82, "accuracy_m": 8.0, "fixed_at": ts(-70), "source": "gps"},
        "findings": ["litter"], "note": f"report {n}", "photos": photos or [],
    }
    body.update(over)
    return body


def jpeg_bytes(w: int = 800, h: int = 600, colour=(30, 120, 200), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(out, "JPEG", quality=85, **save)
    return out.getvalue()


@pytest.fixture
def photo():
    return process_photo(jpeg_bytes())
