#!/usr/bin/env bash
# One command for every test: set up the virtualenv, Debian's chromium, then run pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh server,web,dev >/tmp/gs-setup.log 2>&1 || { cat /tmp/gs-setup.log; exit 1; }
# Debian packages the tests need: chromium for the browser tests, postgresql's server binaries
# for the throwaway cluster of the PostgreSQL tests (tests/support/postgres.py), unless
# PATROL_TEST_PG_URL names a server to use instead; poppler-utils (pdftoppm, pdftotext) to
# render and read the steering group's PDF report.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/pdftotext ] && [ -x /usr/bin/pdftoppm ] || need+=(poppler-utils)
if [ -z "${PATROL_TEST_PG_URL:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian's ${need[*]} for the tests ..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
