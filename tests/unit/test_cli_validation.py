"""The command line applies the API's rules to what it writes: one validation for both, by
decoding through the same wire models (``UserCreate``, ``UserUpdate``, ``PasswordReset``)."""

from __future__ import annotations

import pytest

from sync_server.cli import main
from sync_server.storage import SqliteStorage, open_storage

GOOD = "lang-genug-1"


@pytest.fixture
def data(tmp_path):
    assert main(["--data", str(tmp_path), "init"]) == 0
    return str(tmp_path)


def _create(data, name, *more, password=GOOD):
    return main(["--data", data, "create-user", name, "--role", "officer", "--agency", "police",
                 "--password", password, *more])


@pytest.mark.parametrize("name", ["Anna", "a", "anna müller", "_anna", "a" * 65, "anna\u0000"])
def test_create_user_refuses_a_username_the_api_refuses(data, name, capsys):
    assert _create(data, name) == 2
    assert "username" in capsys.readouterr().err
    with SqliteStorage(f"{data}/server.db") as storage:
        assert storage.list_users() == []


def test_create_user_refuses_what_the_api_refuses_beside_the_username(data, capsys):
    assert _create(data, "anna", password="short") == 2
    assert _create(data, "anna", password="x" * 257) == 2
    assert _create(data, "anna", "--display-name", "A" * 201) == 2
    assert "display_name" in capsys.readouterr().err
    assert _create(data, "anna.k-2") == 0  # what the API accepts, the command line accepts


def test_a_user_made_on_the_command_line_can_be_put_on_a_team(data, settings_for):
    from fastapi.testclient import TestClient

    import patrol_wire as wire
    from sync_server.app import create_app
    from tests.conftest import add_user, auth, login

    assert _create(data, "anna.k-2") == 0
    settings = settings_for(data)
    with open_storage(settings) as storage:
        add_user(storage, "lead", wire.Role.SHIFT_LEAD)
        with TestClient(create_app(settings, storage)) as c:
            r = c.put("/api/v1/teams/t1", json={"name": "T1", "members": ["anna.k-2"]},
                      headers=auth(login(c, "lead")))
            assert r.status_code == 200, r.text


def test_update_user_and_reset_password_apply_the_api_rules(data, capsys):
    assert _create(data, "anna") == 0
    assert main(["--data", data, "update-user", "anna", "--display-name", ""]) == 2
    assert main(["--data", data, "update-user", "anna", "--display-name", "A" * 201]) == 2
    assert main(["--data", data, "reset-password", "anna", "--password", "x" * 257]) == 2
    assert main(["--data", data, "reset-password", "anna", "--password", "short"]) == 2
    err = capsys.readouterr().err
    assert "display_name" in err and "password" in err
    with SqliteStorage(f"{data}/server.db") as storage:
        assert storage.user_by_name("anna")[0].display_name == "anna"
    assert main(["--data", data, "update-user", "anna", "--display-name", "Anna K."]) == 0


@pytest.fixture
def settings_for():
    from pathlib import Path

    from sync_server.config import Settings
    from tests.conftest import FAST_KDF

    return lambda data: Settings(data_dir=Path(data), kdf=FAST_KDF)
