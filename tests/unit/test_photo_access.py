"""Reading a photo needs a report the reader may see that carries it: the agency rule and an
officer's team scope, across agencies and roles; a photo is served as the format it was stored
in; and uploads decode one at a time however many arrive at once."""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageFile

import patrol_wire as wire
from sync_server.app import create_app
from tests.conftest import add_place, add_user, auth, jpeg_bytes, login, make_report

USERS = {  # name: (role, agency)
    "pol": ("officer", "police"), "kod": ("officer", "kod"), "pol-t2": ("officer", "police"),
    "lead-pol": ("shift_lead", "police"), "lead-kod": ("shift_lead", "kod"),
    "sup-pol": ("supervisor", "police"), "sup-kod": ("supervisor", "kod"),
    "adm-pol": ("admin", "police"),
}
# who reads the police officer's photo in an agency-only report / in a cooperation report
READS_SECRET = {"pol", "lead-pol", "sup-pol"}
READS_COOP = {"pol", "kod", "lead-pol", "lead-kod", "sup-pol", "sup-kod"}


def image(fmt: str, colour=(200, 30, 30), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from sync_server.config import Settings
    from sync_server.storage import open_storage
    from tests.conftest import FAST_KDF

    settings = Settings(data_dir=tmp_path_factory.mktemp("photos"), kdf=FAST_KDF)
    storage = open_storage(settings)
    for name, (role, agency) in USERS.items():
        add_user(storage, name, wire.Role(role), agency)
    add_place(storage)
    with TestClient(create_app(settings, storage)) as c:
        tok = {name: login(c, name) for name in USERS}
        lead = auth(tok["lead-kod"])
        assert c.put("/api/v1/teams/t1", headers=lead, json={"name": "T1", "members": ["pol", "kod"]}
                     ).status_code == 200
        assert c.put("/api/v1/teams/t2", headers=lead, json={"name": "T2", "members": ["pol-t2"]}
                     ).status_code == 200
        shots = {"secret": image("PNG"), "coop": image("WEBP"), "jpeg": jpeg_bytes()}
        sha = {k: hashlib.sha256(v).hexdigest() for k, v in shots.items()}
        reports = [make_report(team_id="t1", visibility="agency", photos=[sha["secret"]]),
                   make_report(team_id="t1", photos=[sha["coop"], sha["jpeg"]])]
        r = c.post("/api/v1/reports/batch", json={"reports": reports}, headers=auth(tok["pol"]))
        assert [x["status"] for x in r.json()["results"]] == ["created", "created"]
        for kind, data in shots.items():
            up = c.put(f"/api/v1/photos/{sha[kind]}", content=data,
                       headers={**auth(tok["pol"]), "Content-Type": "application/octet-stream"})
            assert up.status_code == 201, up.text
        yield c, tok, sha
    storage.close()


@pytest.mark.parametrize("kind, readers", [("secret", READS_SECRET), ("coop", READS_COOP)])
def test_a_photo_reads_as_its_report_does_for_every_role_and_agency(world, kind, readers):
    c, tok, sha = world
    unknown = c.get(f"/api/v1/photos/{'f' * 64}", headers=auth(tok["pol"]))
    for name, (role, _agency) in USERS.items():
        r = c.get(f"/api/v1/photos/{sha[kind]}", headers=auth(tok[name]))
        if name in readers:
            assert r.status_code == 200, name
        elif role == "admin":
            assert r.status_code == 403, name  # admins read no reports, nor their photos
        else:  # other agency, or an officer outside the team: as if there were no such photo
            assert (r.status_code, r.json()) == (404, unknown.json()), name


def test_a_photo_is_served_as_the_format_it_was_stored_in(world):
    c, tok, sha = world
    h = auth(tok["pol"])
    types = {k: c.get(f"/api/v1/photos/{sha[k]}", headers=h).headers["content-type"]
             for k in ("secret", "coop", "jpeg")}
    assert types == {"secret": "image/png", "coop": "image/webp", "jpeg": "image/jpeg"}
    png = c.get(f"/api/v1/photos/{sha['secret']}", headers=h).content
    assert hashlib.sha256(png).hexdigest() == sha["secret"]


def test_the_openapi_document_lists_every_photo_type(world):
    c, _, _ = world
    ok = c.get("/openapi.json").json()["paths"]["/api/v1/photos/{sha256}"]["get"]["responses"]["200"]
    assert {"image/jpeg", "image/png", "image/webp"} <= ok["content"].keys()


# ------------------------------------------------------------------ decoding one at a time


def test_concurrent_uploads_decode_one_image_at_a_time(settings, storage, monkeypatch):
    """Eight big PNG uploads at once decode one after another (before, every upload decoded
    at once in a thread of its own: 16 x 40 MP took the server to 1.9 GB)."""
    side = 1000
    in_flight, peak, lock = [0], [0], threading.Lock()
    real_load = ImageFile.ImageFile.load

    def counting_load(im):
        big = im.size[0] * im.size[1] >= side * side
        if big:
            with lock:
                in_flight[0] += 1
                peak[0] = max(peak[0], in_flight[0])
            time.sleep(0.05)  # widen the window in which decodes could overlap
        try:
            return real_load(im)
        finally:
            if big:
                with lock:
                    in_flight[0] -= 1

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    add_user(storage, "pol")
    add_place(storage)
    shots = [image("PNG", colour=(i, 0, 0), size=(side, side)) for i in range(8)]
    shas = [hashlib.sha256(s).hexdigest() for s in shots]
    app = create_app(settings, storage)

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post("/api/v1/auth/login", json={"username": "pol",
                                                         "password": "correct horse battery"})
            h = auth(r.json()["token"])
            r = await c.post("/api/v1/reports/batch", headers=h,
                             json={"reports": [make_report(photos=shas)]})
            assert r.json()["results"][0]["status"] == "created"
            return await asyncio.gather(*(
                c.put(f"/api/v1/photos/{sha}", content=data,
                      headers={**h, "Content-Type": "image/png"}) for sha, data in zip(shas, shots)))

    answers = asyncio.run(run())
    assert [a.status_code for a in answers] == [201] * 8
    assert peak[0] == 1
