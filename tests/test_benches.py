"""Every bench runs: each script in bench/ (every file with a ``__main__`` block; helper modules
such as bodies.py and cpu.py have none) is run once in its ``--smoke`` mode -- seconds, tiny
data, the same code paths, servers on loopback only -- so a broken bench is a red CI instead of
a surprise on the day someone needs its figures. A new bench is covered as soon as it exists,
and one without ``--smoke`` fails here (argparse refuses the flag)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMOKE_SECONDS = 240  # the slowest (a browser's cold load, a server's start) take ~30 s idle


def benches() -> list:
    scripts = sorted(p for p in (ROOT / "bench").glob("*.py")
                     if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8"))
    return [pytest.param(p, id=p.stem,
                         marks=[pytest.mark.e2e] if "playwright" in p.read_text(encoding="utf-8") else [])
            for p in scripts]


def test_the_benches_are_found():
    names = {p.values[0].stem for p in benches()}
    assert {"app_handlers", "local_save", "server_ingest", "situation"} <= names
    assert not names & {"bodies", "cpu"}  # helpers, imported by the benches


@pytest.mark.timeout(SMOKE_SECONDS + 30)
@pytest.mark.parametrize("script", benches())
def test_bench_runs_in_smoke_mode(script: Path):
    env = {k: v for k, v in os.environ.items() if k != "ROOT"}  # ingest_stages reads ROOT
    proc = subprocess.run([sys.executable, str(script), "--smoke"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=SMOKE_SECONDS)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{script.name} --smoke exited {proc.returncode}:\n{out[-4000:]}"
    assert "Traceback (most recent call last)" not in out, out[-4000:]
    assert proc.stdout.strip(), f"{script.name} --smoke printed no figures"
