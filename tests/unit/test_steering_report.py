"""The steering group's report (GET /report.pdf): rendered with pdftoppm, read back with pdftotext,
and its figures compared with what GET /situation answers for the same window and reader --
key figures, the previous period, districts, hotspots, measures by agency, checkpoints. A KOD
reader's report lacks what only the police may see; no officer or team name appears."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server import planning
from sync_server.app import create_app
from sync_server.report import figures
from tests.conftest import add_user, auth, login, make_report

pytestmark = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
                                reason="poppler-utils (pdftotext, pdftoppm) not installed; "
                                       "scripts/test.sh installs them")

BERLIN = ZoneInfo("Europe/Berlin")
SINCE = datetime(2026, 7, 1, tzinfo=BERLIN).astimezone(timezone.utc)  # 3rd quarter, local time
UNTIL = datetime(2026, 10, 1, tzinfo=BERLIN).astimezone(timezone.utc)
PREV = SINCE - (UNTIL - SINCE)
OFFICERS = {"frau-zyxwolf": "police", "herr-quaxbert": "kod"}
TEAM_NAME = "Streife Zyxwolf-Quaxbert"
PLACES = [  # id, name, type, district, lat, lon
    ("westentor", "Westentor (Platz)", wire.PlaceType.HOTSPOT, "mitte", 51.6807, 7.8105),
    ("pg-a", "Spielplatz Ahornweg", wire.PlaceType.PLAYGROUND, "mitte", 51.6830, 7.8200),
    ("pg-b", "Spielplatz Birkenallee", wire.PlaceType.PLAYGROUND, "mitte", 51.6760, 7.8250),
    ("pg-c", "Spielplatz Lindenstraße", wire.PlaceType.PLAYGROUND, "bockum", 51.7150, 7.7700),
    ("pg-d", "Spielplatz Rosenweg", wire.PlaceType.PLAYGROUND, "bockum", 51.7200, 7.7800),
    ("geheim", "Lagerhalle Kanalstraße", wire.PlaceType.DRUG_SCENE, "bockum", 51.7100, 7.7600),
]


OPERATIONS = [("Schwerpunkt Westentor", SINCE + timedelta(days=40, hours=5), 4),  # 2 checks of t
              ("Weihnachtsmarkt-Probe", SINCE + timedelta(days=60, hours=16), 5),  # none
              ("Vorzeitraum-Einsatz", PREV + timedelta(days=3), 3)]  # not in the quarter

CHANGE = r"(?:[+\u2212][\d.,]+ %|±0 %|neu)"  # a change against the previous period


def ts(moment: datetime) -> str:
    return wire.format_timestamp(moment)


def german_int(text: str) -> int:
    return int(text.replace(".", ""))


def german_dec(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """Two districts, six places, a police and a KOD officer in one team, a supervisor of each
    agency; reports in the 3rd quarter of 2026 and the period before it (police-only ones at
    'geheim'), a patrol plan with one stop kept, one late and one missed."""
    from sync_server.config import Settings
    from sync_server.storage import SqliteStorage
    from tests.conftest import FAST_KDF

    settings = Settings(data_dir=tmp_path_factory.mktemp("steering"), kdf=FAST_KDF,
                        cooperation="Sicherheitskooperation Teststadt")
    storage = SqliteStorage(settings.db_path)
    for did, name, lat, lon in (("mitte", "Hamm-Mitte", 51.68, 7.815),
                                ("bockum", "Bockum-Hövel", 51.715, 7.77)):
        storage.upsert_district(did, wire.canonical_json(wire.District(did, name, lat, lon, 20.0)).decode())
    place = {}
    for pid, name, ptype, district, lat, lon in PLACES:
        p = wire.Place(pid, name, ptype, lat, lon, 50.0, district_id=district)
        storage.upsert_places([(pid, wire.canonical_json(p).decode(), ptype.value, district, True)])
        place[pid] = p
    for name, agency in OFFICERS.items():
        add_user(storage, name, agency=agency)
    add_user(storage, "sup-zyx", wire.Role.SUPERVISOR, "police")
    add_user(storage, "sup-qux", wire.Role.SUPERVISOR, "kod")
    add_user(storage, "officer-x", wire.Role.OFFICER)
    add_user(storage, "lead-x", wire.Role.SHIFT_LEAD, "kod")
    storage.upsert_team("t", TEAM_NAME, None, [storage.user_by_name(n)[0].id for n in OFFICERS])
    shift = SINCE + timedelta(days=40, hours=6)
    tpl = wire.RouteTemplate("r", "Runde Mitte", [wire.TemplateStop("westentor", 0, 30),
                                                  wire.TemplateStop("pg-a", 60, 90),
                                                  wire.TemplateStop("pg-c", 120, 150)])
    a = planning.concrete_assignment(tpl, "t", ts(shift), ts(shift + timedelta(hours=8)))
    storage.upsert_assignment(a.id, "t", wire.canonical_json(a).decode(), shift_start=ts(shift),
                              shift_end=ts(shift + timedelta(hours=8)))

    with TestClient(create_app(settings, storage)) as c:
        c.tok = {n: login(c, n) for n in (*OFFICERS, "sup-zyx", "sup-qux", "officer-x", "lead-x")}

        def send(who, pid, when, findings=(), measures=(), visibility="cooperation", team=None):
            p = place[pid]
            body = make_report(place_id=pid, observed_at=ts(when), findings=list(findings),
                               measures=list(measures), visibility=visibility, team_id=team,
                               note="Zyxwolf und Quaxbert vor Ort",
                               fix={"lat": p.lat, "lon": p.lon, "accuracy_m": 5.0,
                                    "fixed_at": ts(when), "source": "gps"})
            r = c.post("/api/v1/reports/batch", json={"reports": [body]}, headers=auth(c.tok[who]))
            assert r.json()["results"][0]["status"] == "created", r.text

        pol, kod = OFFICERS
        day = SINCE + timedelta(days=3, hours=9)
        for i in range(12):
            send(pol, "westentor", day + timedelta(days=i, hours=i % 5), ["alcohol", "aggression"],
                 ["talk", "order_to_leave"])
        for i in range(6):
            send(kod, "westentor", day + timedelta(days=20 + i, hours=10), ["litter"], ["talk"])
        for i in range(5):
            send(kod, "pg-a", day + timedelta(days=30 + i), ["litter", "broken_glass"],
                 ["notice_city_office"])
        for i in range(3):
            send(pol, "pg-c", day + timedelta(days=50 + i))
        send(kod, "pg-b", SINCE + timedelta(minutes=30), ["syringes"])  # the quarter's first hour
        send(kod, "pg-b", UNTIL - timedelta(minutes=20), ["vandalism"])  # and its last
        for i in range(6):  # police only: never in a KOD reader's figures
            send(pol, "geheim", day + timedelta(days=10 + i), ["drug_dealing", "weapons"],
                 ["identity_check", "seizure"], visibility="agency")
        send(pol, "westentor", shift + timedelta(minutes=10), ["noise"], team="t")  # stop 1 kept
        send(kod, "pg-a", shift + timedelta(minutes=90 + 15 + 30), team="t")  # stop 2 late
        for i in range(4):  # the period before
            send(pol, "westentor", PREV + timedelta(days=5 + i, hours=12), ["alcohol"] if i else [])
        for i in range(2):
            send(kod, "pg-a", PREV + timedelta(days=30 + i, hours=12), ["litter"], ["talk"])
        from sync_server.complaints_import import import_file

        rows = ["id,time,lat,lon,category"]
        for i, (pid, n) in enumerate((("westentor", 10), ("pg-c", 3), ("pg-d", 2))):
            p = place[pid]
            rows += [f"{pid}-{k},{ts(day + timedelta(days=k, hours=i))},{p.lat},{p.lon},noise"
                     for k in range(n)]
        rows.append(f"far,{ts(day)},51.7300,7.7500,litter")  # near no place (Bockum-Hövel)
        rows += [f"prev-{k},{ts(PREV + timedelta(days=9 + k))},51.6807,7.8105,noise" for k in range(2)]
        assert import_file(storage, ("\n".join(rows) + "\n").encode(), "csv", zone=BERLIN,
                           actor="test").accepted == 18
        for name, start, hours in OPERATIONS:  # joint operations: two in the quarter, one before
            r = c.post("/api/v1/operations", headers=auth(c.tok["lead-x"]), json={
                "name": name, "starts_at": ts(start), "ends_at": ts(start + timedelta(hours=hours)),
                "agencies": ["police", "kod", "customs"], "team_ids": ["t"]})
            assert r.status_code == 201, r.text
        c.storage = storage
        yield c
    storage.close()


def fetch(c, who: str, path: str, since: datetime = SINCE, until: datetime = UNTIL, **extra):
    r = c.get(f"/api/v1/{path}", headers=auth(c.tok[who]),
              params={"since": ts(since), "until": ts(until), **extra})
    assert r.status_code == 200, r.text
    return r


def pdf_text(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture(scope="module")
def reports(city, tmp_path_factory):
    """Each supervisor's PDF (bytes and text) and /situation for the quarter and the one before."""
    out = {}
    tmp = tmp_path_factory.mktemp("pdf")
    for who in ("sup-zyx", "sup-qux"):
        r = fetch(city, who, "report.pdf")
        assert r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF-")
        out[who] = {"pdf": r.content, "text": pdf_text(r.content, tmp, who),
                    "now": fetch(city, who, "situation").json(),
                    "complaints": fetch(city, who, "situation/complaints").json(),
                    "before": fetch(city, who, "situation", PREV, SINCE).json()}
    return out


def key_figure(text: str, label: str) -> tuple[str, str, str]:
    m = re.search(rf"^\s*{re.escape(label)}\s+(\S+(?: %)?)\s+(\S+(?: %)?)\s+(\S+(?: %| Pp\.)?)\s*$",
                  text, re.M)
    assert m, f"no key figure line {label!r} in:\n{text[:3000]}"
    return m.groups()


@pytest.mark.parametrize("who", ["sup-zyx", "sup-qux"])
def test_key_figures_equal_the_situation_for_the_period_and_the_one_before(reports, who):
    text, now, before = reports[who]["text"], reports[who]["now"], reports[who]["before"]
    assert "3. Quartal 2026" in text and "01.07.2026 – 30.09.2026" in text
    assert "Sicherheitskooperation Teststadt" in text
    for label, key in (("Kontrollen", "checks"), ("Feststellungen", "findings"),
                       ("Maßnahmen", "measures"), ("Kontrollierte Orte", "places_checked")):
        cur, prev, _change = key_figure(text, label)
        assert (german_int(cur), german_int(prev)) == (now[key], before[key]), label
    cur, prev, _ = key_figure(text, "Feststellungen je Kontrolle (Stadtwert)")
    assert german_dec(cur) == pytest.approx(now["city_rate"], abs=0.005)
    assert german_dec(prev) == pytest.approx(before["city_rate"], abs=0.005)
    change = key_figure(text, "Kontrollen")[2]
    expected = 100 * (now["checks"] - before["checks"]) / before["checks"]
    assert german_dec(change.rstrip(" %").lstrip("+").replace("\u2212", "-")) == pytest.approx(
        expected, abs=0.05)


@pytest.mark.parametrize("who", ["sup-zyx", "sup-qux"])
def test_districts_hotspots_and_checkpoints_equal_the_situation(reports, who):
    text, now = reports[who]["text"], reports[who]["now"]
    for area in now["by_district"]:
        m = re.search(rf"^\s*{re.escape(area['name'])}\s+([\d.]+)\s+{CHANGE}\s+([\d.]+)\s+{CHANGE}"
                      r"\s+([\d.]+)\s", text, re.M)
        assert m, area["name"]
        assert tuple(german_int(g) for g in m.groups()) == (area["checks"], area["findings"],
                                                            area["measures"])
    listed = re.findall(r"^\s*(\d+)\s+(\S.*?\S)\s{2,}.*?\s(\d+,\d\d)\s+(?:\d+,\d\d|–)\s+"
                        r"(steigend|fallend|gleichbleibend|neu)\s*$", text, re.M)
    expected = [(str(i), h["name"], h["score"], {"up": "steigend", "down": "fallend",
                                                  "flat": "gleichbleibend", "new": "neu"}[h["trend"]])
                for i, h in enumerate(now["hotspots"][:10], 1)]
    assert [(n, name, trend) for n, name, _s, trend in listed] == [(n, name, t) for n, name, _s, t in expected]
    for (_, _, score, _), (_, _, want, _) in zip(listed, expected):
        assert german_dec(score) == pytest.approx(want, abs=0.005)
    m = re.search(r"(\d+) geplante Kontrollpunkte endeten im Zeitraum: (\d+) fristgerecht, "
                  r"(\d+) verspätet .*?, (\d+) verpasst", " ".join(text.split()))
    assert m, text
    missed = [s for s in now["missed"] if s["status"] == "missed"]
    late = [s for s in now["missed"] if s["status"] == "late"]
    assert (int(m[1]), int(m[2]), int(m[3]), int(m[4])) == (3, 1, len(late), len(missed)) == (3, 1, 1, 1)


def test_measures_by_agency_equal_the_situation_filtered_by_agency(city, reports):
    text = reports["sup-zyx"]["text"]
    rows = dict(re.findall(r"^\s*(Polizei|KOD \(Kommunaler Ordnungsdienst\))\s+([\d.]+\s+[\d.]+\s+[\d.]+)",
                           text, re.M))
    assert set(rows) == {"Polizei", "KOD (Kommunaler Ordnungsdienst)"}
    for label, agency in (("Polizei", "police"), ("KOD (Kommunaler Ordnungsdienst)", "kod")):
        pic = fetch(city, "sup-zyx", "situation", agency=agency).json()
        assert [german_int(x) for x in rows[label].split()] == [pic["checks"], pic["findings"],
                                                               pic["measures"]], label


def test_a_kod_reader_does_not_see_police_only_figures(reports):
    police, kod = reports["sup-zyx"], reports["sup-qux"]
    assert police["now"]["checks"] - kod["now"]["checks"] == 6  # the police-only reports
    assert german_int(key_figure(kod["text"], "Kontrollen")[0]) == kod["now"]["checks"]
    assert "Lagerhalle Kanalstraße" in police["text"]  # the police-only place tops their list
    assert "Lagerhalle Kanalstraße" not in kod["text"]
    assert "Waffen" in police["text"] and "Waffen" not in kod["text"]
    assert "für die Behörde Polizei" in " ".join(police["text"].split())
    assert "für die Behörde KOD" in " ".join(kod["text"].split())


@pytest.mark.parametrize("who", ["sup-zyx", "sup-qux"])
def test_complaints_against_effort_equal_the_pictures(reports, who):
    text, c = reports[who]["text"], reports[who]["complaints"]
    flat = " ".join(text.split())
    assert (c["complaints"], c["placed"]) == (16, 15)
    assert (f"{c['complaints']} Bürgerbeschwerden aus dem Beschwerdesystem der Stadt (+700,0 %"
            in flat)  # 16 against 2 in the period before
    assert f"davon {c['placed']} an einem der erfassten Orte" in flat
    assert f"stadtweit {c['city_rate']:.2f} Beschwerden je Kontrolle".replace(".", ",") in flat
    listed = re.findall(r"^\s*(\d+)\s+(\S.*?\S)\s{2,}\S.*?\s(\d+)\s+(\d+)\s+(\d+,\d\d)\s+"
                        r"(\d+,\d\d)\s+(ja|–)\s*$", text, re.M)
    assert [(n, name, int(k), int(ch), german_dec(s), german_dec(lo), flag == "ja")
            for n, name, k, ch, s, lo, flag in listed] == [
        (str(i), g["name"], g["complaints"], g["checks"], pytest.approx(g["score"], abs=0.005),
         pytest.approx(g["lower"], abs=0.005), g["stands_out"])
        for i, g in enumerate(c["places"], 1)]
    lowers = [g["lower"] for g in c["places"]]
    assert len(lowers) == 3 and lowers == sorted(lowers, reverse=True)
    for a in (a for a in c["districts"] if a["key"]):
        m = re.search(rf"^\s*{re.escape(a['name'])}\s+(\d+)\s+(\d+)\s+(\d+,\d\d)\s+(\d+,\d\d)"
                      r"\s+(ja|–)\s*$", text, re.M)
        assert m, a["name"]
        assert (int(m[1]), int(m[2]), m[5] == "ja") == (a["complaints"], a["checks"], a["stands_out"])


def test_no_officer_or_team_name_appears(reports):
    for r in reports.values():
        flat = " ".join(r["text"].split()).lower()
        for name in ("zyxwolf", "quaxbert", "sup-zyx", "sup-qux", TEAM_NAME.lower()):
            assert name not in flat


def test_the_pages_render_and_the_document_names_itself(reports, tmp_path):
    pdf = reports["sup-zyx"]["pdf"]
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "page")],
                   check=True, capture_output=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    assert all(p.stat().st_size > 5_000 for p in pages)  # drawn pages, not blank ones
    info = subprocess.run(["pdfinfo", str(tmp_path / "r.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Pages:\s+%d$" % len(pages), info, re.M)
    assert "Bericht an die Lenkungsgruppe" in info and "zyx" not in info.lower()
    text = reports["sup-zyx"]["text"]
    assert f"Seite {len(pages)} von {len(pages)}" in text
    for heading in ("1. Auf einen Blick", "2. Stadtbezirke", "3. Abdeckung",
                    "4. Maßnahmen nach Behörde", "5. Brennpunkte",
                    "6. Feststellungen nach Wochentag und Uhrzeit",
                    "7. Kontrollpunkte der Streifenpläne",
                    "8. Bürgerbeschwerden und Kontrollaufwand", "9. Schwerpunkteinsätze"):
        assert heading in text


@pytest.mark.parametrize("who", ["sup-zyx", "sup-qux"])
def test_operations_held_are_listed_with_date_agencies_and_checks(city, reports, who):
    """Each operation that began in the quarter: name, local date, agencies, the checks the
    summary API gives the same reader; the one of the period before is not listed."""
    text = reports[who]["text"]
    flat = " ".join(text.split())
    ops = {o["name"]: o for o in fetch(city, who, "operations").json()}
    assert "2 Schwerpunkteinsätze mehrerer Behörden im Zeitraum, mit zusammen 2 Kontrollen" in flat
    for name, start, _ in OPERATIONS[:2]:
        s = city.get(f"/api/v1/operations/{ops[name]['id']}/summary",
                     headers=auth(city.tok[who])).json()
        m = re.search(rf"^\s*{re.escape(name)}\s+(\d\d\.\d\d\.\d{{4}})\s+(.*?)\s+(\d+)\s*$",
                      text, re.M)
        assert m, (name, text[-2500:])
        assert m[1] == start.astimezone(BERLIN).strftime("%d.%m.%Y")
        assert int(m[3]) == s["checks"]
    section = flat[flat.index("9. Schwerpunkteinsätze"):flat.index("Hinweise")]
    assert section.count("Polizei") == section.count("Zoll") == 2  # the agencies, by name
    assert section.count("(Kommunaler") == 2
    assert city.get(f"/api/v1/operations/{ops['Schwerpunkt Westentor']['id']}/summary",
                    headers=auth(city.tok[who])).json()["checks"] == 2
    assert "Vorzeitraum-Einsatz" not in text


def test_the_download_is_audited_and_named_after_the_period(city):
    r = fetch(city, "sup-qux", "report.pdf")
    assert r.headers["content-disposition"] == 'attachment; filename="lenkungsgruppe-20260701-20261001.pdf"'
    entry = next(e for e in city.storage.audit_log() if e["action"] == "export.report_pdf")
    assert entry["actor"] == "sup-qux"


@pytest.mark.parametrize("params, status, code", [
    ({"since": ts(UNTIL), "until": ts(SINCE)}, 422, "invalid_value"),
    ({"since": ts(UNTIL - timedelta(days=401)), "until": ts(UNTIL)}, 422, "invalid_value"),
    ({"since": "yesterday"}, 422, "invalid_value"),
    ({"until": "2026-10-01T00:00:00"}, 422, "invalid_value"),  # no offset
])
def test_bad_windows_get_the_one_error_shape(city, params, status, code):
    r = city.get("/api/v1/report.pdf", params=params, headers=auth(city.tok["sup-zyx"]))
    assert r.status_code == status and set(r.json()) == {"error"}, r.text
    assert r.json()["error"]["code"] == code


def test_only_supervisors_get_the_report(city):
    assert city.get("/api/v1/report.pdf").status_code == 401
    r = city.get("/api/v1/report.pdf", headers=auth(city.tok["officer-x"]))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_an_empty_period_is_still_a_document(city, tmp_path):
    r = fetch(city, "sup-zyx", "report.pdf", datetime(2025, 1, 1, tzinfo=BERLIN),
              datetime(2025, 4, 1, tzinfo=BERLIN))
    text = pdf_text(r.content, tmp_path, "empty")
    assert "1. Quartal 2025" in text
    assert german_int(key_figure(text, "Kontrollen")[0]) == 0
    assert "Im Zeitraum wurde kein Ort kontrolliert." in text


@pytest.mark.parametrize("start, end, name", [
    ((2026, 7, 1), (2026, 10, 1), "3. Quartal 2026"),
    ((2026, 1, 1), (2026, 7, 1), "1. Halbjahr 2026"),
    ((2026, 7, 1), (2027, 1, 1), "2. Halbjahr 2026"),
    ((2026, 1, 1), (2027, 1, 1), "Jahr 2026"),
    ((2026, 10, 1), (2026, 12, 2, 14), "4. Quartal 2026 (bis 02.12.2026)"),
    ((2026, 7, 1), (2026, 12, 2, 14), "2. Halbjahr 2026 (bis 02.12.2026)"),
    ((2026, 9, 3), (2026, 12, 2), "03.09.2026 – 01.12.2026"),
])
def test_periods_are_named_as_the_steering_group_says_them(start, end, name):
    p = figures.period(datetime(*start, tzinfo=BERLIN).astimezone(timezone.utc),
                       datetime(*end, tzinfo=BERLIN).astimezone(timezone.utc), BERLIN)
    assert p.name == name
