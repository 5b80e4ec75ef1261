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
# a second phone: one app process is one device, so two people (a supervisor asking, the
# officer answering) need two; each keeps its own data directory
TZ="${TZ:-Europe/Berlin}" .venv/bin/patrol-app --server http://127.0.0.1:8000 --port 8551 --data "$DATA/device2" > "$DATA/app2.log" 2>&1 &
APP2=$!
trap 'kill $SERVER $APP $APP2 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 60); do
  curl -fs http://127.0.0.1:8550/ >/dev/null 2>&1 && curl -fs http://127.0.0.1:8551/ >/dev/null 2>&1 \
    && curl -fs http://127.0.0.1:8000/readyz >/dev/null 2>&1 && break
  sleep 0.5
done
cat <<MSG

  Gemeinsame Streife demo is running.
    App (open in a browser, phone size works best):  http://127.0.0.1:8550
    A second phone (another person at the same time): http://127.0.0.1:8551
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

  Each address is one phone: whoever opens it is on that phone, logged in as whoever
  used it last. Log out (the menu beside the lock) before handing it to someone else, or use
  the second phone: e.g. "lagebild" asks a question on 8550, "polizei" answers on 8551.

  Ctrl+C stops all three.
MSG
wait
