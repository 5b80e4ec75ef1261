#!/usr/bin/env bash
# One command for the demo: set up, seed the Hamm data, start server (:8000) and app (:8550).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh server,web
DATA="${DEMO_DATA:-demo-data}"
mkdir -p "$DATA"
.venv/bin/patrol-server --data "$DATA/server" init >/dev/null
.venv/bin/patrol-server --data "$DATA/server" seed-demo
.venv/bin/patrol-server --data "$DATA/server" serve --host 127.0.0.1 --port 8000 --log-level warning &
SERVER=$!
TZ="${TZ:-Europe/Berlin}" .venv/bin/patrol-app --server http://127.0.0.1:8000 --port 8550 --data "$DATA/device" > "$DATA/app.log" 2>&1 &
APP=$!
trap 'kill $SERVER $APP 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 60); do
  curl -fs http://127.0.0.1:8550/ >/dev/null 2>&1 && curl -fs http://127.0.0.1:8000/readyz >/dev/null 2>&1 && break
  sleep 0.5
done
cat <<MSG

  Gemeinsame Streife demo is running.
    App (open in a browser, phone size works best):  http://127.0.0.1:8550
    Server API:                                      http://127.0.0.1:8000  (OpenAPI: /docs)

  Demo logins (password for all: streife2026)
    polizei          officer, police   (team "Streife Mitte 1")
    kod              officer, KOD      (same team)
    polizei2, kod2   officers          (team "Streife Heessen 1", no route yet)
    schichtleitung   shift lead        (patrols on duty, teams, routes)
    einsatzleitung   operation lead    (shift lead, police: joint operations "Einsätze" --
                                        "Nachtstreife Südstraße" running now with a live feed,
                                        "Weihnachtsmarkt – Abendeinsatz" yesterday with its summary/PDF)
    bundespolizei, kod3, polizei3   officers  (team "Verbund Bahnhof/Markt": the market evening)
    zoll2, kod4, polizei4           officers  (team "Verbund Südstraße Nacht": the briefing on Today)
    lagebild         supervisor        (review queue, situation picture, missed checkpoints)
    admin            admin             (users, place import, checklists, audit log)

  One app process is one device: log out before logging in as someone else.

  Ctrl+C stops both.
MSG
wait
