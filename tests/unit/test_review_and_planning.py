"""Issue 4 on the real app: review that reaches the field, teams, routes, progress, admin."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from tests.conftest import add_place, add_user, auth, login, make_report


@pytest.fixture
def office(settings, storage):
    """The app with an officer pair (police + KOD) in one team, a lone officer in another team,
    a shift lead, a supervisor and an admin; ``office.tok[name]`` holds their tokens."""
    users = {
        "pol": (wire.Role.OFFICER, "police"), "kod": (wire.Role.OFFICER, "kod"),
        "other": (wire.Role.OFFICER, "police"),
        "lead": (wire.Role.SHIFT_LEAD, "kod"),
        "sup": (wire.Role.SUPERVISOR, "police"), "adm": (wire.Role.ADMIN, "kod"),
    }
    for name, (role, agency) in users.items():
        add_user(storage, name, role, agency)
    for pid, lat in (("pg-1", 51.68), ("pg-2", 51.69), ("pg-3", 51.70)):
        add_place(storage, pid, lat=lat)
    with TestClient(create_app(settings, storage)) as c:
        c.tok = {name: login(c, name) for name in users}
        c.storage = storage
        put_team(c, "t1", ["pol", "kod"])
        put_team(c, "t2", ["other"])
        yield c


def put_team(c, team_id, members, as_="lead"):
    return c.put(f"/api/v1/teams/{team_id}", json={"name": team_id.upper(), "members": members},
                 headers=auth(c.tok[as_]))


def submit(c, who="pol", **over):
    body = make_report(**{"team_id": "t1" if who in ("pol", "kod") else "t2", **over})
    r = c.post("/api/v1/reports/batch", json={"reports": [body]}, headers=auth(c.tok[who]))
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "created", r.text
    return body


def review(c, rid, action, text="", as_="sup"):
    return c.post(f"/api/v1/reports/{rid}/review", json={"action": action, "text": text},
                  headers=auth(c.tok[as_]))


def pull(c, who):
    r = c.get("/api/v1/sync", headers=auth(c.tok[who]))
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------------ review


def test_question_reaches_the_author_and_the_answer_returns_the_report_to_review(office):
    c = office
    report = submit(c)
    queue = c.get("/api/v1/reports", params={"state": "submitted"}, headers=auth(c.tok["sup"])).json()
    assert [i["report"]["id"] for i in queue["items"]] == [report["id"]]

    assert review(c, report["id"], "start").json()["review_state"] == "in_review"
    bad = review(c, report["id"], "ask", "  ")
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "text"
    assert review(c, report["id"], "ask", "Wie viele Personen waren vor Ort?").status_code == 200

    queries = pull(c, "pol")["queries"]
    assert [(q["report_id"], q["question"], q["answered_at"]) for q in queries] == \
        [(report["id"], "Wie viele Personen waren vor Ort?", None)]
    assert pull(c, "kod")["queries"] == []  # the question goes to the author

    answer = make_report(place_id="pg-1", amends=report["id"], note="Etwa zwölf Personen.",
                         team_id="t1")
    res = c.put(f"/api/v1/reports/{answer['id']}", json=answer, headers=auth(c.tok["pol"]))
    assert res.status_code == 201, res.text

    detail = c.get(f"/api/v1/reports/{report['id']}", headers=auth(c.tok["sup"])).json()
    assert detail["review_state"] == "in_review"
    assert [a["report"]["note"] for a in detail["amendments"]] == ["Etwa zwölf Personen."]
    assert detail["queries"][0]["answer_report_id"] == answer["id"]
    answered = pull(c, "pol")["queries"]
    assert answered and answered[0]["answered_at"] is not None

    assert review(c, report["id"], "approve").json()["review_state"] == "approved"
    actions = [e["action"] for e in c.get(f"/api/v1/reports/{report['id']}",
                                          headers=auth(c.tok["sup"])).json()["audit"]]
    assert actions == ["report.submit", "review.start", "review.ask", "report.amend",
                       "report.answer_read", "review.approve"]
    # the amendment is not a report of its own in the queue
    ids = [i["report"]["id"] for i in c.get("/api/v1/reports", headers=auth(c.tok["sup"])).json()["items"]]
    assert ids == [report["id"]]


def test_review_steps_out_of_order_are_refused(office):
    c = office
    report = submit(c)
    r = review(c, report["id"], "approve")
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    review(c, report["id"], "start")
    assert review(c, report["id"], "reject", "Falscher Ort").json()["review_state"] == "rejected"
    assert review(c, report["id"], "start").status_code == 409
    assert review(c, "0" * 8 + "-0000-7000-8000-" + "0" * 12, "start").status_code == 404


def test_amendments_only_from_the_author_or_the_team(office):
    c = office
    report = submit(c, "pol")
    foreign = make_report(amends=report["id"], team_id="t2")
    r = c.post("/api/v1/reports/batch", json={"reports": [foreign]}, headers=auth(c.tok["other"]))
    assert r.json()["results"][0]["status"] == "invalid"
    assert r.json()["results"][0]["error"]["code"] == "unknown_report"
    mate = make_report(amends=report["id"], team_id="t1")
    r = c.post("/api/v1/reports/batch", json={"reports": [mate]}, headers=auth(c.tok["kod"]))
    assert r.json()["results"][0]["status"] == "created"


def test_audit_log_is_append_only(office):
    """Enforced by the database (a trigger on both backends), not only by the code."""
    statements = ["UPDATE audit SET actor = 'x'", "DELETE FROM audit"]
    if office.storage.db.dialect == "postgres":
        statements.append("TRUNCATE audit")
    for sql in statements:
        with pytest.raises(Exception, match="append-only"):
            with office.storage.db.tx() as c:
                c.execute(sql)
    assert office.storage.audit_log(limit=1)


def test_officers_see_their_teams_reports_and_not_others(office):
    c = office
    mine = submit(c, "kod")
    submit(c, "other")
    seen = c.get("/api/v1/reports", headers=auth(c.tok["pol"])).json()["items"]
    assert [i["report"]["id"] for i in seen] == [mine["id"]]
    assert c.get(f"/api/v1/reports/{mine['id']}", headers=auth(c.tok["other"])).status_code == 404


# ------------------------------------------------------------------ teams, routes, progress


def test_team_without_both_agencies_is_flagged_and_unknown_members_refused(office):
    c = office
    assert put_team(c, "t3", ["pol", "kod"]).json()["mixed"] is True
    assert put_team(c, "t3", ["pol"]).json()["mixed"] is False
    r = put_team(c, "t3", ["pol", "nobody"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_user"


def test_removed_member_learns_at_next_sync(office):
    c = office
    cursor = pull(c, "kod")["next_cursor"]
    put_team(c, "t1", ["pol"])
    page = c.get("/api/v1/sync", params={"cursor": cursor}, headers=auth(c.tok["kod"])).json()
    assert [t["id"] for t in page["teams"]] == ["t1"]
    assert [m["username"] for m in page["teams"][0]["members"]] == ["pol"]


def route(c, stops, route_id="r1"):
    return c.put(f"/api/v1/routes/{route_id}", headers=auth(c.tok["lead"]), json={
        "id": route_id, "name": "Runde", "stops": [
            {"place_id": p, "start_min": a, "end_min": b} for p, a, b in stops]})


def assign(c, team="t1", start=None, hours=8, route_id="r1"):
    start = start or datetime.now(timezone.utc) - timedelta(hours=2)
    r = c.post("/api/v1/assignments", headers=auth(c.tok["lead"]), json={
        "route_id": route_id, "team_id": team, "shift_start": wire.format_timestamp(start),
        "shift_end": wire.format_timestamp(start + timedelta(hours=hours))})
    assert r.status_code == 201, r.text
    return r.json()


def test_route_assignment_reaches_the_team_and_progress_shows_missed_stops(office):
    c = office
    bad = route(c, [("pg-1", 0, 30), ("nowhere", 30, 60)])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_place"
    assert route(c, [("pg-1", 0, 30), ("pg-2", 0, 60), ("pg-3", 150, 200)]).status_code == 200
    start = datetime.now(timezone.utc) - timedelta(hours=2)
    a = assign(c, start=start)
    assert [s["place_id"] for s in a["stops"]] == ["pg-1", "pg-2", "pg-3"]
    assert pull(c, "pol")["assignments"][0]["id"] == a["id"]
    assert pull(c, "other")["assignments"] == []

    # an on-site check at pg-1 inside its window by the team's KOD officer
    submit(c, "kod", place_id="pg-1", observed_at=wire.format_timestamp(start + timedelta(minutes=10)),
           fix={"lat": 51.68, "lon": 7.82, "accuracy_m": 8.0, "source": "gps",
                "fixed_at": wire.format_timestamp(start + timedelta(minutes=10))})
    prog = c.get("/api/v1/progress", headers=auth(c.tok["lead"])).json()
    (team,) = prog
    assert [s["status"] for s in team["stops"]] == ["done", "missed", "open"]
    assert (team["done"], team["open"], team["missed"]) == (1, 1, 1)
    assert team["mixed"] is True and team["last_report_place"] == "Place pg-1"
    # the supervisor sees missed checkpoints too; an officer does not plan
    assert c.get("/api/v1/progress", headers=auth(c.tok["sup"])).status_code == 200
    assert c.get("/api/v1/progress", headers=auth(c.tok["pol"])).status_code == 403


LAT = {"pg-1": 51.68, "pg-2": 51.69, "pg-3": 51.70}


def check_at(c, who, place, when, visibility="cooperation"):
    """An on-site check of ``place`` at ``when`` by ``who`` (team t1)."""
    at = wire.format_timestamp(when)
    submit(c, who, place_id=place, observed_at=at, visibility=visibility,
           fix={"lat": LAT[place], "lon": 7.82, "accuracy_m": 8.0, "source": "gps", "fixed_at": at})


def test_progress_tells_a_late_check_from_a_missed_stop(office):
    c = office
    route(c, [("pg-1", 0, 30), ("pg-2", 0, 60), ("pg-3", 150, 200)])
    start = datetime.now(timezone.utc) - timedelta(hours=2)
    assign(c, start=start)
    check_at(c, "kod", "pg-1", start + timedelta(minutes=60))  # window 0-30 + 15 grace: late
    check_at(c, "pol", "pg-3", start + timedelta(minutes=20))  # before its window: not for it
    (team,) = c.get("/api/v1/progress", headers=auth(c.tok["lead"])).json()
    assert [s["status"] for s in team["stops"]] == ["late", "missed", "open"]
    assert (team["done"], team["late"], team["open"], team["missed"]) == (0, 1, 1, 1)
    assert team["stops"][0]["checked_at"] == wire.format_timestamp(start + timedelta(minutes=60))


def test_progress_shows_times_and_last_report_only_from_reports_the_viewer_may_read(office):
    """The KOD lead gets 404 for the police-only report; progress must not show its time or
    place either. The stop still counts as done (patrol_rules.stops says why)."""
    c = office
    route(c, [("pg-1", 0, 60), ("pg-2", 0, 60), ("pg-3", 150, 200)])
    start = datetime.now(timezone.utc) - timedelta(hours=2)
    assign(c, start=start)
    check_at(c, "kod", "pg-2", start + timedelta(minutes=5))
    check_at(c, "pol", "pg-1", start + timedelta(minutes=10), visibility="agency")
    police_only = c.get("/api/v1/reports", headers=auth(c.tok["sup"])).json()["items"][0]
    assert c.get(f"/api/v1/reports/{police_only['report']['id']}",
                 headers=auth(c.tok["lead"])).status_code == 404

    (kod_view,) = c.get("/api/v1/progress", headers=auth(c.tok["lead"])).json()  # KOD lead
    assert [(s["status"], s["checked_at"]) for s in kod_view["stops"]] == [
        ("done", None), ("done", wire.format_timestamp(start + timedelta(minutes=5))), ("open", None)]
    assert kod_view["last_report_at"] == wire.format_timestamp(start + timedelta(minutes=5))
    assert kod_view["last_report_place"] == "Place pg-2"

    (police_view,) = c.get("/api/v1/progress", headers=auth(c.tok["sup"])).json()
    assert [s["checked_at"] for s in police_view["stops"]][:2] == [
        wire.format_timestamp(start + timedelta(minutes=10)),
        wire.format_timestamp(start + timedelta(minutes=5))]
    assert police_view["last_report_place"] == "Place pg-1"
    assert (kod_view["done"], kod_view["open"]) == (police_view["done"], police_view["open"]) == (2, 1)


def test_grace_period_is_configurable(settings, storage):
    add_user(storage, "lead", wire.Role.SHIFT_LEAD, "kod")
    add_user(storage, "pol")
    add_place(storage, "pg-1")
    with TestClient(create_app(replace(settings, missed_grace=timedelta(hours=3)), storage)) as c:
        c.tok = {"lead": login(c, "lead")}
        put_team(c, "t1", ["pol"])
        route(c, [("pg-1", 0, 30)])
        assign(c)
        (team,) = c.get("/api/v1/progress", headers=auth(c.tok["lead"])).json()
        assert team["stops"][0]["status"] == "open"  # 90 min after the window: within 3 h


def test_reassign_mid_shift_hands_the_open_stops_over(office):
    c = office
    route(c, [("pg-1", 0, 30), ("pg-2", 150, 200)])
    a = assign(c)
    old_cursor = pull(c, "pol")["next_cursor"]
    r = c.post(f"/api/v1/assignments/{a['id']}/reassign", json={"team_id": "t2"},
               headers=auth(c.tok["lead"]))
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["team_id"] == "t2" and [s["place_id"] for s in new["stops"]] == ["pg-2"]
    old_side = c.get("/api/v1/sync", params={"cursor": old_cursor}, headers=auth(c.tok["pol"])).json()
    assert [(x["id"], x["active"]) for x in old_side["assignments"]] == [(a["id"], False)]
    assert [x["id"] for x in pull(c, "other")["assignments"]] == [new["id"]]
    again = c.post(f"/api/v1/assignments/{a['id']}/reassign", json={"team_id": "t2"},
                   headers=auth(c.tok["lead"]))
    assert again.status_code == 422


# ------------------------------------------------------------------ admin


def test_admin_manages_users_and_sessions_end_on_role_change(office):
    c = office
    h = auth(c.tok["adm"])
    r = c.post("/api/v1/admin/users", headers=h, json={
        "username": "neu", "display_name": "Neu", "role": "officer", "agency": "kod",
        "password": "lang genug 123"})
    assert r.status_code == 201, r.text
    assert c.post("/api/v1/admin/users", headers=h, json={
        "username": "neu", "display_name": "X", "role": "officer", "agency": "kod",
        "password": "lang genug 123"}).status_code == 409
    short = c.post("/api/v1/admin/users", headers=h, json={
        "username": "neu2", "display_name": "X", "role": "officer", "agency": "kod", "password": "kurz"})
    assert short.status_code == 422 and short.json()["error"]["details"]["field"] == "password"
    token = login(c, "neu", "lang genug 123")
    assert c.get("/api/v1/sync", headers=auth(token)).status_code == 200
    up = c.patch("/api/v1/admin/users/neu", headers=h, json={"role": "shift_lead"})
    assert up.json()["role"] == "shift_lead"
    assert c.get("/api/v1/sync", headers=auth(token)).status_code == 401
    assert c.post("/api/v1/admin/users/neu/password", headers=h,
                  json={"password": "noch länger 456"}).status_code == 204
    login(c, "neu", "noch länger 456")
    assert c.patch("/api/v1/admin/users/adm", headers=h, json={"disabled": True}).status_code == 422
    assert c.patch("/api/v1/admin/users/ghost", headers=h, json={"disabled": True}).status_code == 404
    actions = [e["action"] for e in c.get("/api/v1/admin/audit", headers=h).json()["items"]]
    assert {"user.create", "user.update", "user.password_reset"} <= set(actions)


def test_admin_imports_places_with_a_row_report_and_versions_checklists(office):
    c = office
    h = auth(c.tok["adm"])
    csv_text = ("id,name,type,lat,lon,radius_m\n"
                "new-1,Neuer Platz,playground,51.7,7.8,30\n"
                "new-2,Kaputt,playground,999,7.8,30\n")
    r = c.post("/api/v1/admin/places/import", params={"format": "csv"}, headers=h,
               content=csv_text.encode())
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == ["new-1"]
    assert r.json()["rejected"][0]["row"] == "line 3" and "lat" in r.json()["rejected"][0]["reason"]
    assert any(p["id"] == "new-1" for p in pull(c, "pol")["places"])

    checklist = {"id": "cl-pg", "place_type": "playground", "version": 1, "fields": [
        {"key": "glass", "kind": "yes_no", "label_de": "Glas?", "label_en": "Glass?"}]}
    assert c.post("/api/v1/admin/checklists", headers=h, json=checklist).status_code == 201
    assert c.post("/api/v1/admin/checklists", headers=h, json=checklist).status_code == 409
    assert c.post("/api/v1/admin/checklists", headers=h,
                  json={**checklist, "version": 2}).status_code == 201
    assert [x["version"] for x in c.get("/api/v1/admin/checklists", headers=h).json()] == [2]


def test_audit_log_records_logins_photos_and_logout(office):
    import hashlib

    from tests.conftest import jpeg_bytes

    c = office
    data = jpeg_bytes()
    sha = hashlib.sha256(data).hexdigest()
    submit(c, photos=[sha])
    assert c.put(f"/api/v1/photos/{sha}", content=data,
                 headers={**auth(c.tok["pol"]), "Content-Type": "image/jpeg"}).status_code == 201
    assert c.post("/api/v1/auth/logout", headers=auth(c.tok["kod"])).status_code == 204
    entries = [(e["actor"], e["action"]) for e in c.get("/api/v1/admin/audit", params={"limit": 500},
                                                         headers=auth(c.tok["adm"])).json()["items"]]
    assert ("pol", "auth.login") in entries and ("pol", "photo.upload") in entries
    assert ("kod", "auth.logout") in entries and ("pol", "reports.submit") in entries
