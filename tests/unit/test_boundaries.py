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


ENGINE_MODULES = {"sqlite_engine.py", "sqlite_schema.py", "pg_engine.py", "mbtiles.py"}


def test_concern_modules_never_touch_a_database_driver():
    """SQL concern modules run over an engine: only the engines (and the schema that migrates
    SQLite with sqlite-utils) import a driver, so both backends share every query."""
    drivers = {"sqlite3", "sqlite_utils", "psycopg", "psycopg_pool"}
    for path, names in imports_of("sync_server/storage").items():
        if Path(path).name not in ENGINE_MODULES:
            assert not names & drivers, (path, names & drivers)


def test_the_sql_storage_implements_the_protocol_as_written():
    """The protocol is written by hand (what the server needs); the SQL storage must offer each
    of its methods with the same signature, and nothing public beyond it but its engine."""
    import inspect

    from sync_server.storage import SqliteStorage, SqlStorage, Storage

    declared = {n for klass in Storage.__mro__ if klass.__module__.endswith(".protocol")
                for n in klass.__dict__ if not n.startswith("_")}
    for impl in (SqlStorage, SqliteStorage):
        offered = {n for n in dir(impl) if not n.startswith("_")}
        assert offered - {"db", "path"} == declared, impl
        differ = {n: (str(inspect.signature(getattr(Storage, n))),
                      str(inspect.signature(getattr(impl, n))))
                  for n in declared
                  if inspect.signature(getattr(Storage, n)) != inspect.signature(getattr(impl, n))}
        assert not differ, impl


def test_the_repository_tracks_no_symlink():
    """A clone must carry its files: a tracked symlink (a worktree's ``.venv`` once was) points
    into the machine it was made on, and checking it out replaced a real virtualenv."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        import pytest
        pytest.skip("not a git checkout")
    staged = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.splitlines()
    links = [line.split("\t", 1)[1] for line in staged if line.startswith("120000 ")]
    assert links == []
