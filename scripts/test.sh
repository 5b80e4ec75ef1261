#!/usr/bin/env bash
# One command for every test: set up the virtualenv, Debian's chromium, then run pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh server,web,dev >/tmp/gs-setup.log 2>&1 || { cat /tmp/gs-setup.log; exit 1; }
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests ..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
