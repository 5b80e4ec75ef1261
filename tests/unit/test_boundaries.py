"""The architecture's promises, checked on the source: what may import what, where SQL lives.
What a phone installs: test_phone_bundle.py."""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(package: str) -> dict[str, set[str]]:
    out = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = names
    return out


def test_app_never_imports_the_server():
    for path, names in imports_of("patrol_app").items():
        assert not names & {"sync_server", "fastapi", "uvicorn", "starlette"}, path


def test_server_never_imports_the_app():
    """The rules both sides apply live in patrol_rules; the server needs nothing of the app."""
    for path, names in imports_of("sync_server").items():
        assert "patrol_app" not in names, path


def test_shared_packages_import_neither_side():
    for package in ("patrol_wire", "patrol_rules"):
        for path, names in imports_of(package).items():
            assert not names & {"patrol_app", "sync_server", "flet", "fastapi"}, path


def test_device_core_has_no_ui_imports():
    for path, names in imports_of("patrol_app/core").items():
        assert "flet" not in names and not any(n.startswith("flet_") for n in names), path


def test_wire_format_needs_msgspec_only():
    allowed = set(sys.stdlib_module_names) | {"patrol_wire", "msgspec"}
    for path, names in imports_of("patrol_wire").items():
        assert names <= allowed, (path, names - allowed)


def test_sql_stays_in_the_storage_package():
    keywords = ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", "CREATE TABLE")
    for path in (ROOT / "sync_server").rglob("*.py"):
        if "storage" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert not any(k in text for k in keywords), path


def test_storage_protocol_lists_everything_the_sqlite_backend_offers():
    """The server's code is typed against the Storage protocol and SQLite is its only backend:
    the protocol must declare each public method of it, with the same signature (a second
    backend, a later issue, would then implement exactly this contract)."""
    import inspect

    from sync_server.storage.base import Storage
    from sync_server.storage.sqlite import SqliteStorage

    offered = {n for n in dir(SqliteStorage) if not n.startswith("_")}
    declared = {n for n in Storage.__dict__ if not n.startswith("_")}
    assert offered == declared
    differ = {n: (str(inspect.signature(getattr(Storage, n))),
                  str(inspect.signature(getattr(SqliteStorage, n))))
              for n in declared
              if inspect.signature(getattr(Storage, n)) != inspect.signature(getattr(SqliteStorage, n))}
    assert not differ
