"""An operation's summary as a one-page German PDF (GET /operations/{id}/summary.pdf): rendered
with pdftoppm, read back with pdftotext, and its figures compared with GET .../summary for
the same reader -- key figures, by agency, by place. A reader of another agency does not see
an agency-only check; no officer or team name appears; many places still fit on one page."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import pytest

import patrol_wire as wire
from tests.conftest import add_place, auth
from tests.unit.test_operations import START, create, send, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
                                reason="poppler-utils (pdftotext, pdftoppm) not installed; "
                                       "scripts/test.sh installs them")

AGENCY_DE = {"police": "Polizei", "kod": "KOD (Kommunaler Ordnungsdienst)", "customs": "Zoll"}


def german_int(text: str) -> int:
    return int(text.replace(".", ""))


def pdf_of(c, who, op_id, tmp_path, name):
    r = c.get(f"/api/v1/operations/{op_id}/summary.pdf", headers=auth(c.tok[who]))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return path, text, r


def pages(path, tmp_path) -> int:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / path.stem)],
                   check=True, capture_output=True)
    shots = sorted(tmp_path.glob(f"{path.stem}*.png"))
    assert all(p.stat().st_size > 3_000 for p in shots)  # drawn, not blank
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+%d$" % len(shots), info, re.M)
    return len(shots)


def row(text: str, label: str) -> list[int]:
    m = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", text, re.M)
    assert m, f"no row {label!r} in:\n{text}"
    return [german_int(g) for g in m.groups()]


def test_the_pdf_says_what_the_summary_says_for_each_reader(world, tmp_path):
    c = world
    op = create(c, name="Weihnachtsmarkt Abend")["id"]
    t0 = START + timedelta(minutes=20)
    send(c, "pol1", "markt", t0, team="t-a", findings=("alcohol", "noise"),
         measures=("talk", "order_to_leave"))
    send(c, "kod1", "markt", t0 + timedelta(minutes=3), team="t-a")
    send(c, "zoll1", "markt", t0 + timedelta(minutes=6), team="t-b", visibility="agency",
         findings=("weapons",), measures=("seizure",))
    send(c, "kod2", "sued", t0 + timedelta(minutes=9), team="t-b", findings=("noise",))
    for who in ("sup-zoll", "sup-pol"):
        s = c.get(f"/api/v1/operations/{op}/summary", headers=auth(c.tok[who])).json()
        path, text, r = pdf_of(c, who, op, tmp_path, who)
        assert pages(path, tmp_path) == 1
        assert "Schwerpunkteinsatz – Ergebnis" in text and "Weihnachtsmarkt Abend" in text
        m = re.search(r"^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$\n\s*Kontrollen\s+"
                      r"Feststellungen\s+Maßnahmen\s+Kontrollierte Orte", text, re.M)
        assert m, text
        assert [german_int(g) for g in m.groups()] == [s["checks"], s["findings"], s["measures"],
                                                       s["places_checked"]]
        for a in s["by_agency"]:
            assert row(text, AGENCY_DE[a["agency"]]) == [a["checks"], a["findings"], a["measures"]]
        assert row(text, "Gesamt") == [s["checks"], s["findings"], s["measures"]]
        for p in s["by_place"]:
            assert row(text, p["name"]) == [p["checks"], p["findings"], p["measures"]]
        flat = " ".join(text.split())
        assert ("Waffen 1" in flat) == (who == "sup-zoll")
        assert ("Sicherstellung 1" in flat) == (who == "sup-zoll")
        assert "Beteiligte Behörden: Polizei, KOD (Kommunaler Ordnungsdienst), Zoll." in flat
        assert "2 Streifen" in flat and "Stand: beendet" in flat
        for name in ("Pol1", "Kod1", "Zoll1", "Kod2", "Streife A", "Streife B", "lead"):
            assert name.lower() not in flat.lower(), name
        assert r.headers["content-disposition"].startswith('attachment; filename="einsatz-')
    assert s["checks"] == 3  # the police reader: the customs-only check is not theirs
    trail = c.storage.audit_trail("operation", op)
    assert [e["actor"] for e in trail if e["action"] == "export.operation_pdf"] == ["sup-zoll", "sup-pol"]


def test_many_places_still_fit_on_one_page(world, tmp_path):
    c = world
    ids = []
    for i in range(24):
        add_place(c.storage, f"stand-{i:02d}", 51.6810 + i * 0.0003, 7.8150, 30.0, wire.PlaceType.EVENT)
        ids.append(f"stand-{i:02d}")
    c.app.state.places.refresh()
    op = create(c, place_ids=ids, polygon=None, briefing="x" * 3000)["id"]
    for i, pid in enumerate(ids):
        send(c, "pol1", pid, START + timedelta(minutes=i), team="t-a",
             at=(51.6810 + i * 0.0003, 7.8150))
    path, text, _ = pdf_of(c, "lead", op, tmp_path, "many")
    assert pages(path, tmp_path) == 1
    assert row(text, "weitere 14 Orte") == [14, 14, 14]


def test_an_operation_without_reports_is_still_a_page(world, tmp_path):
    c = world
    op = create(c, team_ids=["t-c"])["id"]
    path, text, _ = pdf_of(c, "sup-kod", op, tmp_path, "empty")
    assert pages(path, tmp_path) == 1
    assert "Im Einsatz wurden keine Kontrollen gemeldet." in text
