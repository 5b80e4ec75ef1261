"""Regenerate the Storage protocol in sync_server/storage/base.py from the SQLite backend's
public methods (tests/unit/test_boundaries.py pins the two equal). Run after adding a method."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
src = (ROOT / "sync_server/storage/sqlite.py").read_text()
cls = next(n for n in ast.parse(src).body if isinstance(n, ast.ClassDef) and n.name == "SqliteStorage")
lines = src.splitlines()
stubs = []
for fn in cls.body:
    if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("_"):
        text = "\n".join(lines[fn.lineno - 1:fn.body[0].lineno - 1]).rstrip()
        stubs.append(text[:-1] + ": ...")
base = ROOT / "sync_server/storage/base.py"
head = base.read_text().split("class Storage(Protocol):")[0]
base.write_text(head + 'class Storage(Protocol):\n    """Every public method of the SQLite backend, in '
                'its order; a test pins the two equal."""\n\n' + "\n".join(stubs) + "\n")
