"""Joint operations ("Schwerpunkteinsatz") through the API, on both backends: planning with
validation in the one error shape, which reports belong to an operation (team or member,
window, area: places and polygon), the live feed by receipt (a late report from an offline
phone is tagged and shows up), the summary by agency and place, the agency rule with three
agencies, who may do what, and the briefing in the officers' sync."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from tests.conftest import add_place, add_user, auth, login, make_report

NOW = datetime.now(timezone.utc).replace(microsecond=0)
START, END = NOW - timedelta(hours=4), NOW - timedelta(hours=1)
# a square around the Südstraße place ([lat, lon]); "markt" is named as a place
SUED = (51.6700, 7.8200)
SQUARE = [[51.6690, 7.8185], [51.6710, 7.8185], [51.6710, 7.8215], [51.6690, 7.8215]]


def ts(moment: datetime) -> str:
    return wire.format_timestamp(moment)


def plan(**over) -> dict:
    body = {"name": "Weihnachtsmarkt Abend", "starts_at": ts(START), "ends_at": ts(END),
            "agencies": ["police", "kod", "customs"], "team_ids": ["t-a", "t-b"],
            "place_ids": ["markt"], "polygon": SQUARE, "briefing": "Taschendiebstahl, Glas."}
    body.update(over)
    return body


@pytest.fixture
def world(settings, storage):
    """Three agencies (police, KOD, customs); a lead, supervisors of each agency, an admin;
    team t-a (police + KOD officer), team t-b (customs + KOD officer), an outsider."""
    people = {"lead": (wire.Role.SHIFT_LEAD, "kod"), "admin": (wire.Role.ADMIN, "police"),
              "sup-pol": (wire.Role.SUPERVISOR, "police"), "sup-kod": (wire.Role.SUPERVISOR, "kod"),
              "sup-zoll": (wire.Role.SUPERVISOR, "customs"),
              "pol1": (wire.Role.OFFICER, "police"), "kod1": (wire.Role.OFFICER, "kod"),
              "zoll1": (wire.Role.OFFICER, "customs"), "kod2": (wire.Role.OFFICER, "kod"),
              "outsider": (wire.Role.OFFICER, "police")}
    for name, (role, agency) in people.items():
        add_user(storage, name, role, agency)
    add_place(storage, "markt", 51.6810, 7.8150, 60.0, wire.PlaceType.EVENT)
    add_place(storage, "sued", *SUED, 40.0, wire.PlaceType.NIGHTLIFE)
    add_place(storage, "far", 51.7200, 7.7700, 40.0, wire.PlaceType.PLAYGROUND)
    ids = {n: storage.user_by_name(n)[0].id for n in people}
    storage.upsert_team("t-a", "Streife A", None, [ids["pol1"], ids["kod1"]])
    storage.upsert_team("t-b", "Streife B", None, [ids["zoll1"], ids["kod2"]])
    storage.upsert_team("t-c", "Streife C", None, [ids["outsider"]])
    with TestClient(create_app(settings, storage)) as c:
        c.tok = {n: login(c, n) for n in people}
        c.storage = storage
        yield c


def send(c, who, place_id, when, *, team=None, visibility="cooperation", findings=("litter",),
         measures=("talk",), at=None):
    lat, lon = at or {"markt": (51.6810, 7.8150), "sued": SUED, "far": (51.72, 7.77)}[place_id or "far"]
    body = make_report(place_id=place_id, observed_at=ts(when), team_id=team,
                       visibility=visibility, findings=list(findings), measures=list(measures),
                       fix={"lat": lat, "lon": lon, "accuracy_m": 5.0, "fixed_at": ts(when),
                            "source": "gps"})
    r = c.put(f"/api/v1/reports/{body['id']}", json=body, headers=auth(c.tok[who]))
    assert r.status_code == 201, r.text
    return body["id"]


def create(c, who="lead", **over) -> dict:
    r = c.post("/api/v1/operations", json=plan(**over), headers=auth(c.tok[who]))
    assert r.status_code == 201, r.text
    return r.json()


def feed_ids(c, who, op_id, after=None):
    params = {"after": after} if after else {}
    r = c.get(f"/api/v1/operations/{op_id}/reports", params=params, headers=auth(c.tok[who]))
    assert r.status_code == 200, r.text
    data = r.json()
    return [i["id"] for i in data["items"]], data


def test_plan_list_get_change_and_audit(world):
    c = world
    op = create(c)
    assert op["id"].startswith("op-") and op["version"] == 1 and op["status"] == "ended"
    assert op["team_names"] == {"t-a": "Streife A", "t-b": "Streife B"}
    assert op["polygon"] == SQUARE and op["starts_at"] == ts(START)
    listed = c.get("/api/v1/operations", headers=auth(c.tok["sup-kod"])).json()
    assert [o["id"] for o in listed] == [op["id"]]
    r = c.put(f"/api/v1/operations/{op['id']}", json=plan(name="Weihnachtsmarkt", team_ids=["t-a"]),
              headers=auth(c.tok["lead"]))
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["name"], r.json()["team_ids"]) == (2, "Weihnachtsmarkt", ["t-a"])
    got = c.get(f"/api/v1/operations/{op['id']}", headers=auth(c.tok["admin"])).json()
    assert got["version"] == 2
    trail = c.storage.audit_trail("operation", op["id"])
    assert [e["action"] for e in trail] == ["operation.create", "operation.update"]
    assert trail[0]["actor"] == "lead" and "briefing" not in trail[0]["detail"]
    # a window in the list's filter
    assert c.get("/api/v1/operations", params={"since": ts(NOW)},
                 headers=auth(c.tok["lead"])).json() == []


def test_which_reports_belong_and_the_agency_rule_with_three_agencies(world):
    c = world
    op = create(c)["id"]
    inside = START + timedelta(minutes=30)
    coop_pol = send(c, "pol1", "markt", inside, team="t-a", findings=("alcohol", "noise"),
                    measures=("talk", "order_to_leave"))
    kod_only = send(c, "kod1", "sued", inside + timedelta(minutes=5), team="t-a",
                    visibility="agency", findings=("noise",), measures=("talk",))
    zoll_only = send(c, "zoll1", "markt", inside + timedelta(minutes=9), team="t-b",
                     visibility="agency", findings=("weapons",), measures=("seizure",))
    free_in_polygon = send(c, "kod2", None, inside + timedelta(minutes=12), team="t-b",
                           at=(51.6701, 7.8201), findings=(), measures=())
    no_team_member = send(c, "pol1", "markt", inside + timedelta(minutes=20))  # member, no team set
    # not in the operation: outside the area, before, after, not a participating team
    send(c, "pol1", "far", inside, team="t-a")
    send(c, "pol1", "markt", START - timedelta(minutes=1), team="t-a")
    send(c, "pol1", "markt", END + timedelta(minutes=1), team="t-a")
    send(c, "outsider", "markt", inside, team="t-c")

    coop = {coop_pol, free_in_polygon, no_team_member}
    expect = {"sup-pol": coop, "sup-kod": coop | {kod_only}, "sup-zoll": coop | {zoll_only},
              "lead": coop | {kod_only}}
    for who, want in expect.items():
        got, data = feed_ids(c, who, op)
        assert set(got) == want, who
        assert data["has_more"] is False
        s = c.get(f"/api/v1/operations/{op}/summary", headers=auth(c.tok[who])).json()
        assert s["checks"] == len(want), who
        agencies = {a["agency"]: a["checks"] for a in s["by_agency"]}
        assert agencies == {"police": 2, "kod": 1 + (kod_only in want),
                            **({"customs": 1} if zoll_only in want else {})}, who
        assert ("weapons" in s["findings_by_kind"]) == (who == "sup-zoll")
        assert ("seizure" in s["measures_by_kind"]) == (who == "sup-zoll")
    s = c.get(f"/api/v1/operations/{op}/summary", headers=auth(c.tok["sup-zoll"])).json()
    assert (s["checks"], s["findings"], s["measures"], s["places_checked"]) == (4, 4, 4, 1)
    places = {p["place_id"]: (p["name"], p["checks"], p["findings"], p["measures"]) for p in s["by_place"]}
    assert places == {"markt": ("Place markt", 3, 4, 4), None: ("—", 1, 0, 0)}
    assert s["status"] == "ended" and s["operation"]["id"] == op
    assert s["measures_by_kind"] == {"talk": 2, "order_to_leave": 1, "seizure": 1}
    # the feed names author, team and place
    item = next(i for i in feed_ids(c, "sup-zoll", op)[1]["items"] if i["id"] == zoll_only)
    assert (item["team_name"], item["place_name"], item["agency"]) == ("Streife B", "Place markt", "customs")


def test_a_late_report_is_tagged_and_arrives_at_the_end_of_the_feed(world):
    """The operation ended an hour ago; a phone that was offline sends its check from the
    evening now: the next poll with the cursor brings it, and the summary counts it."""
    c = world
    op = create(c)["id"]
    first = send(c, "pol1", "markt", START + timedelta(minutes=10), team="t-a")
    got, data = feed_ids(c, "lead", op)
    assert got == [first]
    cursor = data["next_cursor"]
    # nothing new: the poll repeats at most the last FEED_SETTLE seconds (kept by id)
    assert set(feed_ids(c, "lead", op, cursor)[0]) <= {first}
    late = send(c, "kod1", "markt", START + timedelta(minutes=5), team="t-a")  # observed earlier
    got, data = feed_ids(c, "lead", op, cursor)
    assert got[-1] == late and set(got) <= {first, late}
    assert feed_ids(c, "lead", op)[0] == [first, late]  # by receipt, not by observation
    s = c.get(f"/api/v1/operations/{op}/summary", headers=auth(c.tok["lead"])).json()
    assert s["checks"] == 2


def test_the_feed_cursor_lags_so_a_late_commit_is_not_missed(world):
    """A report whose receipt time lies before the newest one seen, committed after it (two
    requests at once): the cursor stayed FEED_SETTLE behind, so the next poll still brings it;
    reports received longer ago are not repeated."""
    from sync_server import operations

    c = world
    op = operations.decode(c.storage.operation(create(c)["id"]))
    places = c.app.state.places
    a = send(c, "pol1", "markt", START + timedelta(minutes=10), team="t-a")
    (row,) = c.storage.operation_reports(team_ids=["t-a"], since=op.starts_at, until=op.ends_at,
                                         viewer_agency="police")
    received = row[2]
    at = wire.parse_timestamp(received)
    feed = operations.feed(c.storage, op, places, viewer_agency="police", after=None, now=at)
    assert [i.id for i in feed.items] == [a]
    assert operations.parse_cursor(feed.next_cursor)[0] < received  # lagging, not at a
    later = operations.feed(c.storage, op, places, viewer_agency="police",
                            after=operations.parse_cursor(feed.next_cursor),
                            now=at + operations.FEED_SETTLE * 2)
    assert [i.id for i in later.items] == [a]  # repeated once, within the settle time
    settled = operations.feed(c.storage, op, places, viewer_agency="police",
                              after=operations.parse_cursor(later.next_cursor),
                              now=at + operations.FEED_SETTLE * 2)
    assert settled.items == [] and settled.next_cursor == later.next_cursor


def test_the_feed_pages_by_cursor(world):
    c = world
    op = create(c)["id"]
    sent = [send(c, "pol1", "markt", START + timedelta(minutes=i), team="t-a") for i in range(5)]
    seen, cursor = [], None
    for _ in range(5):
        params = {"limit": 2, **({"after": cursor} if cursor else {})}
        data = c.get(f"/api/v1/operations/{op}/reports", params=params,
                     headers=auth(c.tok["lead"])).json()
        seen += [i["id"] for i in data["items"]]
        cursor = data["next_cursor"]
        if not data["has_more"]:
            break
    assert seen == sent


def test_a_plan_changed_afterwards_covers_what_it_now_names(world):
    c = world
    op = create(c, team_ids=["t-a"])["id"]
    b = send(c, "zoll1", "markt", START + timedelta(minutes=10), team="t-b")
    assert b not in feed_ids(c, "lead", op)[0]
    assert c.put(f"/api/v1/operations/{op}", json=plan(), headers=auth(c.tok["lead"])).status_code == 200
    assert b in feed_ids(c, "lead", op)[0]


GOOD = plan()


@pytest.mark.parametrize("over, status, code, field", [
    ({"ends_at": ts(START - timedelta(minutes=1))}, 422, "invalid_value", "ends_at"),
    ({"ends_at": ts(START)}, 422, "invalid_value", "ends_at"),
    ({"ends_at": ts(START + timedelta(hours=73))}, 422, "invalid_value", "ends_at"),
    ({"starts_at": "morgen 18 Uhr"}, 422, "invalid_value", "starts_at"),
    ({"starts_at": "2026-12-01T18:00:00"}, 422, "invalid_value", "starts_at"),  # no offset
    ({"starts_at": "2026-02-30T18:00:00Z"}, 422, "invalid_value", "starts_at"),
    ({"team_ids": ["t-a", "nope"]}, 422, "unknown_team", "team_ids[1]"),
    ({"team_ids": []}, 422, "invalid_value", "team_ids"),
    ({"team_ids": ["t-a", "t-a"]}, 422, "invalid_value", "team_ids"),
    ({"place_ids": ["markt", "ghost"]}, 422, "unknown_place", "place_ids[1]"),
    ({"agencies": ["police", "martians"]}, 422, "unknown_agency", "agencies[1]"),
    ({"agencies": ["Polizei"]}, 422, "invalid_value", "agencies[0]"),
    ({"polygon": [[51.0, 7.0], [51.1, 7.1], [51.2, 7.2]]}, 422, "invalid_area", "polygon"),
    ({"polygon": [[51.0, 7.0], [51.0, 7.0], [51.0, 7.0]]}, 422, "invalid_area", "polygon"),
    ({"polygon": [[51.0, 7.0], [51.1, 7.1]]}, 422, "invalid_value", "polygon"),
    ({"polygon": [[91.0, 7.0], [51.1, 7.1], [51.0, 7.2]]}, 422, "invalid_area", "polygon"),
    ({"polygon": [[51.0, 7.0, 3.0], [51.1, 7.1], [51.0, 7.2]]}, 422, "invalid_value", "polygon[0]"),
    ({"polygon": "Innenstadt"}, 422, "invalid_type", "polygon"),
    ({"name": ""}, 422, "invalid_value", "name"),
    ({"name": " Markt"}, 422, "invalid_value", "name"),
    ({"name": "x" * 201}, 422, "invalid_value", "name"),
    ({"briefing": "x" * 4001}, 422, "invalid_value", "briefing"),
    ({"extra": 1}, 422, "unknown_field", "extra"),
    ({"name": None}, 422, "invalid_type", "name"),
])
def test_bad_plans_get_a_stable_code_and_store_nothing(world, over, status, code, field):
    c = world
    r = c.post("/api/v1/operations", json=plan(**over), headers=auth(c.tok["lead"]))
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"} and r.json()["error"]["code"] == code, r.text
    assert r.json()["error"]["details"].get("field") == field, r.text
    assert c.storage.list_operations() == []


def test_more_bad_requests_are_4xx_never_500(world):
    c = world
    h = auth(c.tok["lead"])
    r = c.post("/api/v1/operations", content=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "malformed_json")
    r = c.post("/api/v1/operations", content=b"x", headers={**h, "Content-Type": "text/plain"})
    assert (r.status_code, r.json()["error"]["code"]) == (415, "unsupported_media_type")
    for path in ("", "/reports", "/summary", "/summary.pdf"):
        r = c.get(f"/api/v1/operations/op-nope{path}", headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_operation"), path
        r = c.get(f"/api/v1/operations/bad%20id{path}", headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_id"), path
    r = c.put("/api/v1/operations/op-nope", json=GOOD, headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_operation")
    op = create(c)["id"]
    for bad in ("nope", "o1.x.y", "o1.2026-01-01T00:00:00.000Z.not-a-uuid"):
        r = c.get(f"/api/v1/operations/{op}/reports", params={"after": bad}, headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_cursor"), bad
    for limit in (0, 201, "many"):
        r = c.get(f"/api/v1/operations/{op}/reports", params={"limit": limit}, headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_value"), limit
    r = c.get("/api/v1/operations", params={"since": "gestern"}, headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_value")
    c.storage.update_agency("customs", actor="test", active=False)
    r = c.post("/api/v1/operations", json=plan(), headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "agency_inactive")


def test_who_may_plan_and_who_may_read(world):
    c = world
    op = create(c, who="admin")["id"]  # admins may plan (correct a plan)
    for who in ("sup-pol", "pol1"):
        r = c.post("/api/v1/operations", json=GOOD, headers=auth(c.tok[who]))
        assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden"), who
        r = c.put(f"/api/v1/operations/{op}", json=GOOD, headers=auth(c.tok[who]))
        assert r.status_code == 403, who
    assert c.get("/api/v1/operations", headers=auth(c.tok["pol1"])).status_code == 403
    for path in ("/reports", "/summary", "/summary.pdf"):  # report content: admins read none
        assert c.get(f"/api/v1/operations/{op}{path}", headers=auth(c.tok["admin"])).status_code == 403
        assert c.get(f"/api/v1/operations/{op}{path}", headers=auth(c.tok["pol1"])).status_code == 403
        assert c.get(f"/api/v1/operations/{op}{path}", headers=auth(c.tok["sup-pol"])).status_code == 200
    assert c.get("/api/v1/operations").status_code == 401


def test_participating_officers_pull_the_briefing(world):
    c = world
    op = create(c, team_ids=["t-a"])
    page = c.get("/api/v1/sync", params={"operations": 1}, headers=auth(c.tok["pol1"])).json()
    assert [o["id"] for o in page["operations"]] == [op["id"]]
    assert page["operations"][0]["briefing"] == "Taschendiebstahl, Glas."
    assert wire.decode(wire.SyncPage, page).operations[0].name == op["name"]
    other = c.get("/api/v1/sync", params={"operations": 1}, headers=auth(c.tok["zoll1"])).json()
    assert other["operations"] == []
    assert "operations" not in c.get("/api/v1/sync", headers=auth(c.tok["pol1"])).json()
    # t-b joins: its officers pull the plan; t-a leaves: its officers pull it once more
    cursor = page["next_cursor"]
    c.put(f"/api/v1/operations/{op['id']}", json=plan(team_ids=["t-b"]), headers=auth(c.tok["lead"]))
    assert [o["team_ids"] for o in c.get("/api/v1/sync", params={"operations": 1},
                                         headers=auth(c.tok["zoll1"])).json()["operations"]] == [["t-b"]]
    again = c.get("/api/v1/sync", params={"operations": 1, "cursor": cursor},
                  headers=auth(c.tok["pol1"])).json()["operations"]
    assert [o["team_ids"] for o in again] == [["t-b"]]


def test_a_new_team_member_pulls_the_operations_of_the_team(world):
    c = world
    create(c, team_ids=["t-a"])
    cursor = c.get("/api/v1/sync", params={"operations": 1}, headers=auth(c.tok["outsider"])).json()["next_cursor"]
    ids = [c.storage.user_by_name(n)[0].id for n in ("pol1", "kod1", "outsider")]
    c.storage.upsert_team("t-a", "Streife A", None, ids)
    page = c.get("/api/v1/sync", params={"operations": 1, "cursor": cursor},
                 headers=auth(c.tok["outsider"])).json()
    assert len(page["operations"]) == 1
