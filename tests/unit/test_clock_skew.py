"""The server and a device whose clock is wrong: the report is kept, counted when it happened,
and the reviewer sees the claimed time, the receipt time and the skew."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

import patrol_wire as wire
from tests.conftest import auth, make_report

def device_time(offset: timedelta) -> datetime:
    """What a phone whose clock is ``offset`` off reads now."""
    return datetime.now(timezone.utc) + offset


def body_on(offset: timedelta, *, age_s: float = 60, fix_age_s: float = 10, **over) -> dict:
    """A report saved ``age_s`` ago on a phone ``offset`` off: every time in it reads off that
    phone's clock."""
    observed = device_time(offset) - timedelta(seconds=age_s)
    fixed = observed - timedelta(seconds=fix_age_s)
    return make_report(observed_at=wire.format_timestamp(observed),
                       fix={"lat": 51.68, "lon": 7.82, "accuracy_m": 8.0,
                            "fixed_at": wire.format_timestamp(fixed), "source": "gps"}, **over)


def put(client, body: dict, offset: timedelta | None):
    headers = {**auth(client.token), "Content-Type": "application/json"}
    if offset is not None:
        headers["X-Device-Time"] = wire.format_timestamp(device_time(offset))
    return client.put(f"/api/v1/reports/{body['id']}", content=json.dumps(body), headers=headers)


def detail(client, report_id: str) -> dict:
    resp = client.get(f"/api/v1/reports/{report_id}", headers=auth(client.token))
    assert resp.status_code == 200, resp.text
    return resp.json()


def seconds(a: str, b: str) -> float:
    return (wire.parse_timestamp(a) - wire.parse_timestamp(b)).total_seconds()


@pytest.mark.parametrize("offset", [timedelta(minutes=15), timedelta(hours=-2, minutes=-3)],
                         ids=["15 min fast", "2 h 3 min slow"])
def test_a_skewed_clock_is_accepted_and_counted_at_the_corrected_time(client, offset):
    body = body_on(offset, age_s=120)
    resp = put(client, body, offset)
    assert resp.status_code == 201, resp.text
    times = detail(client, body["id"])["times"]
    assert times["claimed_at"] == body["observed_at"]  # the body is the device's, unchanged
    assert times["clock_skew_s"] == pytest.approx(offset.total_seconds(), abs=2)
    true_time = datetime.now(timezone.utc) - timedelta(seconds=120)
    assert abs((wire.parse_timestamp(times["observed_at"]) - true_time).total_seconds()) < 3
    assert seconds(times["received_at"], times["observed_at"]) == pytest.approx(120, abs=3)
    assert times["fix_age_s"] == 10.0 and times["max_fix_age_s"] == 120.0
    # the reviewer's queue and the figures count it at the corrected time as well
    (listed,) = client.get("/api/v1/reports", headers=auth(client.token)).json()["items"]
    assert listed["times"] == {k: v for k, v in times.items() if k != "max_fix_age_s"}


def test_the_figures_count_the_check_in_the_hour_it_happened(client, storage):
    offset = timedelta(hours=-2)
    body = body_on(offset, age_s=0)
    assert put(client, body, offset).status_code == 201
    counted = wire.parse_timestamp(detail(client, body["id"])["times"]["observed_at"])
    hours = storage.db.query(f"SELECT day, {', '.join(f'c{h}' for h in range(24))} FROM day_stats")
    (row,) = hours
    assert row[0] == counted.strftime("%Y-%m-%d")
    assert row[1 + counted.hour] == 1 and sum(row[1:]) == 1


def test_a_small_skew_leaves_the_claimed_time_as_it_is(client):
    offset = timedelta(seconds=30)
    body = body_on(offset)
    assert put(client, body, offset).status_code == 201
    times = detail(client, body["id"])["times"]
    assert times["observed_at"] == body["observed_at"]
    assert times["clock_skew_s"] == pytest.approx(30, abs=2)


def test_an_old_client_without_a_clock_reading_is_accepted_with_the_skew_unknown(client):
    near = body_on(timedelta(minutes=5))  # within the old slack: taken as claimed
    far = body_on(timedelta(days=1))  # was 422 timestamp_in_future: a report lost for a clock
    assert put(client, near, None).status_code == 201
    assert put(client, far, None).status_code == 201
    near_t, far_t = detail(client, near["id"])["times"], detail(client, far["id"])["times"]
    assert near_t["observed_at"] == near["observed_at"] and near_t["clock_skew_s"] is None
    # a claim after the receipt cannot be when it happened: counted at the receipt, said so
    assert far_t["observed_at"] == far_t["received_at"] and far_t["clock_skew_s"] is None
    assert far_t["claimed_at"] == far["observed_at"]


def test_a_clock_set_back_between_save_and_send_is_not_a_reason_to_refuse(client):
    """Saved while the phone ran a day fast, sent after it was corrected: the observed time lies
    after the device's own send time. Impossible on one clock, common when the network comes
    back and sets the phone's time; refusing it would lose the report for the clock alone."""
    body = body_on(timedelta(days=1))
    resp = put(client, body, timedelta(0))
    assert resp.status_code == 201, resp.text
    times = detail(client, body["id"])["times"]
    assert times["observed_at"] == times["received_at"]
    assert times["clock_skew_s"] == pytest.approx(0, abs=2)


def test_a_fix_dated_after_the_check_is_no_fresh_proof(client):
    body = body_on(timedelta(0), fix_age_s=-600)  # the fix claims to be 10 min after the check
    assert put(client, body, timedelta(0)).status_code == 201
    d = detail(client, body["id"])
    assert d["server_presence"]["verdict"] == "stale"
    assert d["times"]["fix_age_s"] == -600.0


def test_the_batch_reads_the_clock_too_on_the_canonical_path(client):
    offset = timedelta(minutes=15)
    reports = [wire.decode(wire.Report, body_on(offset, age_s=60 * i)) for i in range(1, 4)]
    payload = '{"reports":[' + ",".join(wire.canonical_json(r).decode() for r in reports) + "]}"
    assert [x.text for x in wire.decode_batch(payload.encode())] == [wire.canonical_json(r) for r in reports]
    resp = client.post("/api/v1/reports/batch", content=payload, headers={
        **auth(client.token), "Content-Type": "application/json",
        "X-Device-Time": wire.format_timestamp(device_time(offset))})
    assert [r["status"] for r in resp.json()["results"]] == ["created"] * 3
    for r in reports:
        times = detail(client, r.id)["times"]
        assert times["clock_skew_s"] == pytest.approx(900, abs=2)
        assert seconds(r.observed_at, times["observed_at"]) == pytest.approx(900, abs=2)


def test_an_unreadable_clock_reading_is_a_clear_error(client):
    body = make_report()
    resp = client.put(f"/api/v1/reports/{body['id']}", content=json.dumps(body), headers={
        **auth(client.token), "Content-Type": "application/json", "X-Device-Time": "teatime"})
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "invalid_value"
    assert resp.json()["error"]["details"] == {"field": "X-Device-Time"}
    assert client.app_storage.report_count() == 0


def test_the_clock_header_is_documented_on_both_upload_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (("/api/v1/reports/{report_id}", "put"), ("/api/v1/reports/batch", "post")):
        params = {p["name"].lower(): p for p in paths[path][method]["parameters"]}
        assert params["x-device-time"]["in"] == "header", path
        assert "skew" in params["x-device-time"]["description"]
