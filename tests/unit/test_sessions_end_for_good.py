"""Disabling a user ends their sessions for good: enabling them again does not bring a lost
phone's token back to life -- through the API, the storage call and the command line."""

from __future__ import annotations

from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from sync_server.cli import main
from sync_server.config import Settings
from sync_server.storage import open_storage
from tests.conftest import FAST_KDF, add_user, auth, login


def _sync(c, token) -> int:
    return c.get("/api/v1/sync", headers=auth(token)).status_code


def test_an_old_token_stays_dead_after_the_user_is_enabled_again(settings, storage):
    add_user(storage, "adm", wire.Role.ADMIN)
    add_user(storage, "anna")
    with TestClient(create_app(settings, storage)) as c:
        admin, phone = auth(login(c, "adm")), login(c, "anna")
        assert _sync(c, phone) == 200
        assert c.patch("/api/v1/admin/users/anna", json={"disabled": True},
                       headers=admin).status_code == 200
        assert _sync(c, phone) == 401
        assert c.patch("/api/v1/admin/users/anna", json={"disabled": False},
                       headers=admin).status_code == 200
        assert _sync(c, phone) == 401  # the lost phone stays locked out
        assert _sync(c, login(c, "anna")) == 200  # anna herself logs in anew


def test_disabling_through_storage_revokes_the_tokens_in_the_same_change(settings, storage):
    add_user(storage, "anna")
    with TestClient(create_app(settings, storage)) as c:
        phone = login(c, "anna")
        storage.update_user("anna", actor="test", disabled=True)
        storage.update_user("anna", actor="test", disabled=False)
        assert _sync(c, phone) == 401


def test_disable_user_on_the_command_line_ends_sessions_for_good(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path, kdf=FAST_KDF)
    with open_storage(settings) as storage:
        add_user(storage, "anna")
    with open_storage(settings) as storage, \
            TestClient(create_app(settings, storage)) as c:
        phone = login(c, "anna")
        assert main(["--data", str(tmp_path), "disable-user", "anna"]) == 0
        assert main(["--data", str(tmp_path), "disable-user", "anna", "--enable"]) == 0
        assert _sync(c, phone) == 401
        assert _sync(c, login(c, "anna")) == 200
