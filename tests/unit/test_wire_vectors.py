"""Golden vectors: the canonical bytes (hence the content hashes) of reports already stored.

``vectors/wire_vectors.json`` was written by the hand-written codec before the wire format moved
to msgspec (see its ``generated_by``); the server tells an identical replay from a conflict by the
sha256 of these bytes, so device and server must keep spelling every input exactly so, whatever
msgspec version either side runs. Each vector goes through the device's store and through the
server's real endpoint.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from tests.conftest import add_place, add_user, auth, login

VECTORS = json.loads((Path(__file__).parent / "vectors" / "wire_vectors.json").read_text())["vectors"]
REPORTS = [v for v in VECTORS if v["model"] == "Report"]
RID = "0190a000-0000-7000-8000-00000000000a"
AMENDED = "0190a000-0000-7000-8000-00000000000b"


def test_the_vectors_cover_what_they_promise():
    notes = " ".join(v["note"] for v in VECTORS)
    for needle in ("1e-05", "5e-324", "-0.0", "0.1", "51.680723512345671", "escaped note",
                   "polygon with extreme floats", "sep", "ctl"):
        assert needle in notes
    assert any("1e+16" in v["canonical"] and "1e+22" in v["canonical"] for v in VECTORS)
    assert len(REPORTS) > 100


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: f"{v['model']}: {v['note']}")
def test_the_wire_spells_every_vector_as_before(v):
    cls = getattr(wire, v["model"])
    obj = wire.decode(cls, wire.parse_json(v["input"].encode()))
    canonical = wire.canonical_json(obj)
    assert canonical.decode() == v["canonical"]
    assert wire.content_hash(obj) == v["sha256"] == hashlib.sha256(canonical).hexdigest()
    again = wire.decode(cls, wire.parse_json(canonical))  # the stored text reads back the same
    assert again == obj and wire.canonical_json(again) == canonical


def test_the_device_stores_the_golden_bytes(store):
    """(The store wants the photo files of a report; the one vector with photos is spelled by
    the same ``canonical_json`` above.)"""
    saved = 0
    for i, v in enumerate(REPORTS):
        rid = f"0190a000-0000-7000-8000-{i:012x}"
        report = wire.decode(wire.Report, wire.parse_json(v["input"].replace(RID, rid).encode()))
        if report.photos:
            continue
        store.save_report(report)
        (body,) = store.report_bodies([rid])
        assert body == v["canonical"].replace(RID, rid), v["note"]
        assert store.get_report(rid) == report
        saved += 1
    assert saved == len(REPORTS) - 1


def test_the_server_stores_the_golden_bytes_and_hashes(settings, storage):
    """The server's batch endpoint, as devices use it: the canonical texts as they are, and the
    same reports in their original (non-canonical) spelling must store the golden bytes."""
    add_user(storage, "officer")
    add_place(storage, "westentor")
    with TestClient(create_app(settings, storage)) as c:
        headers = {**auth(login(c, "officer")), "Content-Type": "application/json"}
        first = json.loads(REPORTS[0]["input"])
        assert c.put(f"/api/v1/reports/{AMENDED}", json={**first, "id": AMENDED},
                     headers=headers).status_code == 201  # the report the 'every field' vector amends
        for spelling in ("canonical", "input"):
            ids = [f"0190a000-0000-7000-{'a' if spelling == 'input' else 'b'}000-{i:012x}" for i in range(len(REPORTS))]
            items = [v[spelling].replace(RID, rid) for v, rid in zip(REPORTS, ids)]
            r = c.post("/api/v1/reports/batch", content=('{"reports":[' + ",".join(items) + "]}").encode(),
                       headers=headers)
            assert r.status_code == 200, r.text
            assert {x["status"] for x in r.json()["results"]} == {"created"}, r.text
            rows = dict((rid, (body, h)) for rid, body, h in storage._read().execute(
                "SELECT id, body, content_hash FROM reports"))
            for v, rid in zip(REPORTS, ids):
                want = v["canonical"].replace(RID, rid)
                assert rows[rid] == (want, hashlib.sha256(want.encode()).hexdigest()), v["note"]
