#!/usr/bin/env bash
# Creates .venv and installs the project with the given extras (idempotent, quiet).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-server,web}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  echo "setting up .venv (${extras}) ..."
  log=".venv/setup.log"
  if ! { .venv/bin/python -m pip install -q --upgrade pip && \
         .venv/bin/python -m pip install -q -e ".[${extras}]"; } >"$log" 2>&1; then
    cat "$log"
    echo "setup failed (log above)" >&2
    exit 1
  fi
  touch "$stamp"
fi
