"""Golden vectors: the canonical bytes (hence the content hashes) of reports already stored.

``vectors/wire_vectors.json`` was written by the hand-written codec before the wire format moved
to msgspec (its generator, ``vectors/make_wire_vectors.py``, is in commit aa7708e); the server tells an identical replay from a conflict by the
sha256 of these bytes, so device and server must keep spelling every input exactly so, whatever
msgspec version either side runs. Each vector goes through the device's store and through the
server's real endpoint.

One deliberate change: timestamps are now spelled canonically (UTC, milliseconds, 'Z'), so the
vectors that spelled an instant otherwise expect the golden bytes with that instant respelled (by
an oracle of the standard library's own); the reports stored in the old spelling still answer
their replays as identical (the last test).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
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
TIMESTAMPS = {"observed_at", "fixed_at", "active_from", "active_until", "shift_start", "shift_end",
              "window_start", "window_end", "asked_at", "answered_at"}


def utc_z(text: str) -> str:
    moment = datetime.fromisoformat(text).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def respelled(value):
    if isinstance(value, dict):
        return {k: utc_z(v) if k in TIMESTAMPS and isinstance(v, str) else respelled(v)
                for k, v in value.items()}
    return [respelled(x) for x in value] if isinstance(value, list) else value


def expected(v: dict) -> str:
    """The golden bytes, each timestamp in its canonical spelling (the others untouched: the
    golden text is the standard library's, which reads and writes back to the same bytes)."""
    return json.dumps(respelled(json.loads(v["canonical"])), separators=(",", ":"), ensure_ascii=False)


KEPT = [v for v in VECTORS if expected(v) == v["canonical"]]


def test_the_vectors_cover_what_they_promise():
    notes = " ".join(v["note"] for v in VECTORS)
    for needle in ("1e-05", "5e-324", "-0.0", "0.1", "51.680723512345671", "escaped note",
                   "polygon with extreme floats", "sep", "ctl"):
        assert needle in notes
    assert any("1e+16" in v["canonical"] and "1e+22" in v["canonical"] for v in VECTORS)
    assert len(REPORTS) > 100
    assert len(KEPT) == len(VECTORS) - 14  # only the 14 other spellings of an instant change


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: f"{v['model']}: {v['note']}")
def test_the_wire_spells_every_vector_as_before(v):
    cls = getattr(wire, v["model"])
    obj = wire.decode(cls, wire.parse_json(v["input"].encode()))
    canonical = wire.canonical_json(obj)
    assert canonical.decode() == expected(v)
    assert wire.content_hash(obj) == hashlib.sha256(canonical).hexdigest()
    if v in KEPT:
        assert wire.content_hash(obj) == v["sha256"]
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
        assert body == expected(v).replace(RID, rid), v["note"]
        assert store.get_report(rid) == report
        saved += 1
    assert saved == len(REPORTS) - 1


def test_the_server_stores_the_golden_bytes_and_hashes(settings, storage):
    """The server's batch endpoint, as devices use it: the canonical texts as they are, and the
    same reports in their original (non-canonical) spelling must store the golden bytes."""
    officer = add_user(storage, "officer")
    add_place(storage, "westentor")
    storage.upsert_team("team-1", "Team 1", None, [officer.id])  # the 'every field' vector's team
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
            rows = dict((rid, (body, h)) for rid, body, h in storage.db.query(
                "SELECT id, body, content_hash FROM reports"))
            for v, rid in zip(REPORTS, ids):
                want = expected(v).replace(RID, rid)
                assert rows[rid] == (want, hashlib.sha256(want.encode()).hexdigest()), v["note"]


def test_reports_stored_in_another_timestamp_spelling_still_replay_as_identical(client):
    """Stored before timestamps were normalised: the golden bytes and hash as the old server kept
    them. Their device sends the same text again (or the instant in 'Z'): identical, not a
    conflict; other content is still a conflict."""
    from sync_server.storage import NewReport

    add_place(client.app_storage, "westentor")
    author = client.app_storage.user_by_name("officer")[0]
    old = [v for v in REPORTS if v not in KEPT]
    ids = [f"0190a000-0000-7000-c000-{i:012x}" for i in range(len(old))]
    for v, rid in zip(old, ids):
        body = v["canonical"].replace(RID, rid)
        report = json.loads(body)
        client.app_storage.ingest_reports([NewReport(
            id=rid, content_hash=hashlib.sha256(body.encode()).hexdigest(), body=body, place_id="westentor",
            team_id=None, observed_at=utc_z(report["observed_at"]), lat=None, lon=None, accuracy_m=None,
            device_verdict="on_site", server_verdict="on_site", server_distance_m=None, severity="low",
            visibility="cooperation", photos=[])], author=author, received_at=utc_z(report["observed_at"]))
    headers = {**auth(client.token), "Content-Type": "application/json"}
    for spelling in ("input", "canonical", "expected"):
        items = [(expected(v) if spelling == "expected" else v[spelling]).replace(RID, rid)
                 for v, rid in zip(old, ids)]
        r = client.post("/api/v1/reports/batch", content=('{"reports":[' + ",".join(items) + "]}").encode(),
                        headers=headers)
        assert [x["status"] for x in r.json()["results"]] == ["identical"] * len(old), (spelling, r.text)
        put = client.put(f"/api/v1/reports/{ids[0]}", content=items[0].encode(), headers=headers)
        assert put.status_code == 200, put.text
    changed = old[0]["input"].replace(RID, ids[0]).replace('"low"', '"high"')
    assert client.put(f"/api/v1/reports/{ids[0]}", content=changed.encode(), headers=headers).status_code == 409


def test_the_same_instant_in_another_spelling_is_an_identical_replay(client):
    """'+00:00', 'Z' and '+01:00' of one instant: one content, one hash; 200, not 409."""
    from tests.conftest import make_report

    body = make_report()
    headers = {**auth(client.token), "Content-Type": "application/json"}
    moment = wire.parse_timestamp(body["observed_at"])
    spellings = [body["observed_at"], body["observed_at"][:-1] + "+00:00",
                 moment.astimezone(timezone(timedelta(hours=1))).isoformat(timespec="milliseconds")]
    statuses = [client.put(f"/api/v1/reports/{body['id']}", json={**body, "observed_at": s},
                           headers=headers).status_code for s in spellings]
    assert statuses == [201, 200, 200]
    r = client.post("/api/v1/reports/batch", json={"reports": [{**body, "observed_at": s} for s in spellings]},
                    headers=headers)
    assert [x["status"] for x in r.json()["results"]] == ["identical"] * 3
