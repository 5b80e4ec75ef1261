"""Retention: the purge command deletes expired reports per place type, their amendments,
questions and photos no other report uses, rebuilds the derived figures, and says so in the
audit log."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server import situation
from sync_server.app import create_app
from sync_server.cli import main
from sync_server.storage import PictureFilter, open_photos, open_storage
from tests.conftest import add_user, auth, jpeg_bytes, login, make_report


def ago(days: float) -> str:
    return wire.format_timestamp(datetime.now(timezone.utc) - timedelta(days=days))


def test_purge_by_place_type_keeps_the_rest_whole(settings, storage):
    for pid, ptype in (("pg", wire.PlaceType.PLAYGROUND), ("ds", wire.PlaceType.DRUG_SCENE)):
        p = wire.Place(pid, pid, ptype, 51.68, 7.82, 30.0)
        storage.upsert_places([(pid, wire.canonical_json(p).decode(), ptype.value, None, True)])
    add_user(storage, "pol")
    add_user(storage, "sup", wire.Role.SUPERVISOR)
    shared, own = jpeg_bytes(colour=(1, 2, 3)), jpeg_bytes(colour=(200, 10, 10))
    sha_shared, sha_own = (hashlib.sha256(b).hexdigest() for b in (shared, own))

    def fix(days):
        return {"lat": 51.68, "lon": 7.82, "accuracy_m": 5.0, "fixed_at": ago(days), "source": "gps"}

    old_ds = make_report(place_id="ds", observed_at=ago(400), fix=fix(400), photos=[sha_own, sha_shared],
                         findings=["drug_use"])
    old_pg = make_report(place_id="pg", observed_at=ago(400), fix=fix(400), photos=[sha_shared])
    new_ds = make_report(place_id="ds", observed_at=ago(10), fix=fix(10), findings=["syringes"])
    ancient = make_report(place_id=None, observed_at=ago(800), fix=None, no_fix_reason="x",
                          presence={"verdict": "no_fix"})
    with TestClient(create_app(settings, storage)) as c:
        tok = {u: login(c, u) for u in ("pol", "sup")}
        r = c.post("/api/v1/reports/batch", json={"reports": [old_ds, old_pg, new_ds, ancient]},
                   headers=auth(tok["pol"]))
        assert [x["status"] for x in r.json()["results"]] == ["created"] * 4
        for data in (own, shared):
            assert c.put(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}", content=data,
                         headers={**auth(tok["pol"]), "Content-Type": "image/jpeg"}).status_code == 201
        c.post(f"/api/v1/reports/{old_ds['id']}/review", json={"action": "start"}, headers=auth(tok["sup"]))
        c.post(f"/api/v1/reports/{old_ds['id']}/review", json={"action": "ask", "text": "?"},
               headers=auth(tok["sup"]))
        answer = make_report(place_id="ds", observed_at=ago(1), fix=fix(1), amends=old_ds["id"])
        assert c.put(f"/api/v1/reports/{answer['id']}", json=answer, headers=auth(tok["pol"])).status_code == 201

    data = ["--data", str(settings.data_dir)]
    if settings.database_url:
        data += ["--db", settings.database_url]
    before = storage.report_count()
    assert main([*data, "purge", "--days", "drug_scene=365", "--days", "playground=1000",
                 "--dry-run"]) == 0
    assert storage.report_count() == before  # a dry run deletes nothing
    assert main([*data, "purge", "--days", "drug_scene=365", "--days", "playground=1000"]) == 0

    fresh = open_storage(settings)
    try:
        left = set(fresh.report_refs([old_ds["id"], old_pg["id"], new_ds["id"], ancient["id"],
                                      answer["id"]]))
        # drug scene past 365 days goes with its amendment; playground (1000 days) stays;
        # the place-less report falls under the default (730 days)
        assert left == {old_pg["id"], new_ds["id"]}
        assert fresh.queries_of(old_ds["id"]) == []
        photo_files = open_photos(settings, fresh)
        assert not photo_files.exists(sha_own)  # only its report used it
        assert photo_files.exists(sha_shared)  # still used
        assert fresh.photo_count() == 1
        # derived figures follow: the 400-day-old drug scene finding is gone from the picture
        now = datetime.now(timezone.utc)
        pic = situation.compute(fresh, PictureFilter("police"), since=now - timedelta(days=420),
                                until=now - timedelta(days=380))
        assert pic.findings_by_category == {"litter": 1} and pic.checks == 1  # playground only
        (entry,) = [e for e in fresh.audit_log() if e["action"] == "retention.purge"]
        assert entry["detail"]["reports"] == 3 and entry["detail"]["photos"] == 1
    finally:
        fresh.close()


def test_purge_deletes_complaints_past_their_own_retention(settings, storage, capsys):
    rows = [(f"C-{d}", ago(d), 51.68, 7.82, "noise", None, None) for d in (10, 200, 400)]
    storage.add_complaints(rows, actor="test")
    data = ["--data", str(settings.data_dir)]
    if settings.database_url:
        data += ["--db", settings.database_url]
    assert main([*data, "purge", "--complaint-days", "365", "--dry-run"]) == 0
    assert "1 complaints" in capsys.readouterr().out and storage.complaint_total() == 3
    assert main([*data, "purge", "--complaint-days", "180"]) == 0
    assert "2 complaints" in capsys.readouterr().out
    fresh = open_storage(settings)
    try:
        assert [r[0] for r in fresh.db.query("SELECT id FROM complaints")] == ["C-10"]
        (entry,) = [e for e in fresh.audit_log() if e["action"] == "retention.purge"
                    and e["object_type"] == "complaint"]
        assert entry["detail"]["complaints"] == 2
    finally:
        fresh.close()
    assert main([*data, "purge", "--complaint-days", "0"]) == 2


def test_purge_refuses_unknown_types(tmp_path, capsys):
    data = str(tmp_path)
    main(["--data", data, "init"])
    assert main(["--data", data, "purge", "--days", "spielplatz=30"]) == 2
    assert main(["--data", data, "purge", "--days", "playground"]) == 2
