"""The OpenAPI document is the contract: every example its schemas allow is accepted by the real
server, every constraint they state is enforced (a value just inside passes, one just outside is
refused, naming its field).

The request bodies come from ``/openapi.json`` itself (a new endpoint is in at once) and the
cases from each schema's stated constraints (tests/support/schema_examples.py). "Accepted" means
not refused by the wire; a refusal for the server's own reasons (no such team, a taken username,
a conflicting replay) is not a wire refusal. The rules JSON Schema cannot state (an end after its
start, amends naming another report) are in the schemas' descriptions; the test knows them.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

import patrol_wire as wire
from sync_server.app import create_app
from tests.conftest import add_place, add_user, auth, login
from tests.support.schema_examples import DELETE, Schemas, apply

WIRE_CODES = {"malformed_json", "invalid_type", "invalid_value", "missing_field", "unknown_field",
              "id_mismatch", "batch_too_large"}
ROLE = [("/api/v1/admin", "adm"), ("/api/v1/reports/{report_id}/review", "sup"),
        ("/api/v1/teams", "lead"), ("/api/v1/routes", "lead"), ("/api/v1/assignments", "lead"),
        ("", "pol")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from sync_server.config import Settings
    from sync_server.storage import open_storage
    from tests.conftest import FAST_KDF

    settings = Settings(data_dir=tmp_path_factory.mktemp("contract"), kdf=FAST_KDF)
    storage = open_storage(settings)
    for name, role in (("pol", wire.Role.OFFICER), ("sup", wire.Role.SUPERVISOR),
                       ("lead", wire.Role.SHIFT_LEAD), ("adm", wire.Role.ADMIN)):
        add_user(storage, name, role)
    add_place(storage, "pg-1")
    storage.upsert_district("pg-1", wire.canonical_json(wire.District("pg-1", "D", 51.0, 7.0, 1.0)).decode())
    app = create_app(settings, storage)
    with TestClient(app) as c:
        tokens = {u: login(c, u) for u in ("pol", "sup", "lead", "adm")}
        doc = app.openapi()
        yield c, doc, tokens
    storage.close()


def bodied(doc) -> list[tuple[str, str, str]]:
    """(METHOD, path, schema name) of every endpoint taking a JSON body."""
    out = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if schema:
                out.append((method.upper(), path, schema["$ref"].rsplit("/", 1)[1]))
    return out


def url_for(path: str, body, base) -> str:
    """Path parameters: the body's own id where the endpoint compares them, else a fixed one."""
    own = base.get("id") if isinstance(base, dict) else None
    for name in re.findall(r"\{([^}]+)\}", path):
        value = {"username": "nobody", "assignment_id": "a-1"}.get(name, own or "x1")
        path = path.replace("{" + name + "}", value)
    return path


def send(c, tokens, method, path, body, base):
    role = next(r for prefix, r in ROLE if path.startswith(prefix))
    return c.request(method, url_for(path, body, base), content=json.dumps(body).encode(),
                     headers={**auth(tokens[role]), "Content-Type": "application/json"})


def refusals(r, batch: bool) -> list[str]:
    """The fields the wire refused (``""``: the whole object), from the answer."""
    assert r.status_code < 500, r.text
    if batch and r.status_code == 200:
        return [(e["message"].split(": ", 1)[0] if ": " in e["message"] else "")
                for e in (x["error"] for x in r.json()["results"] if x["status"] == "invalid")
                if e["code"] in WIRE_CODES]
    if 400 <= r.status_code < 500 and r.headers.get("content-type", "").startswith("application/json"):
        err = r.json()["error"]
        if err["code"] in WIRE_CODES:
            field = err["details"].get("field")
            if field is None:  # (places are checked by the import, which names the field first)
                field = err["message"].split(": ", 1)[0] if ": " in err["message"] else ""
            return [field]
    return []


def unstated_rule_broken(name: str, body) -> bool:
    """The rules the schemas can only describe: an end after its start, amends another report."""
    if not isinstance(body, dict):
        return False
    if name == "AssignRequest" and isinstance(body.get("shift_end"), str):
        try:
            return wire.parse_timestamp(body["shift_end"]) <= wire.parse_timestamp(body["shift_start"])
        except (ValueError, KeyError, TypeError):
            return False
    if name == "RouteTemplate":
        return any(isinstance(s, dict) and isinstance(s.get("end_min"), int) and isinstance(
            s.get("start_min"), int) and s["end_min"] <= s["start_min"] for s in body.get("stops") or [])
    if name == "Report":
        return body.get("amends") is not None and body.get("amends") == body.get("id")
    if name == "BatchRequest":
        return any(unstated_rule_broken("Report", r) for r in body.get("reports") or [])
    return False


def related(field: str, path: str) -> bool:
    return not path or field == path or field.startswith(path + ".") or field.startswith(path + "[")


def test_every_body_schema_is_covered(world):
    c, doc, tokens = world
    names = {n for _, _, n in bodied(doc)}
    assert names >= {"Report", "BatchRequest", "LoginRequest", "ReviewRequest", "TeamRequest",
                     "RouteTemplate", "AssignRequest", "UserCreate", "UserUpdate", "Place",
                     "District", "Checklist", "PasswordReset", "ReassignRequest"}


@pytest.mark.parametrize("name", ["Report", "BatchRequest", "LoginRequest", "ReviewRequest",
                                  "TeamRequest", "RouteTemplate", "AssignRequest", "ReassignRequest",
                                  "UserCreate", "UserUpdate", "PasswordReset", "District", "Place",
                                  "Checklist"])
def test_what_the_schema_allows_is_accepted_and_what_it_states_is_enforced(world, name):
    c, doc, tokens = world
    schemas = Schemas(doc["components"]["schemas"])
    (method, path), = [(m, p) for m, p, n in bodied(doc) if n == name]
    batch = name == "BatchRequest"
    base = schemas.example({"$ref": f"#/components/schemas/{name}"})
    assert refusals(send(c, tokens, method, path, base, base), batch) == [], (name, base)
    cases = list(schemas.cases({"$ref": f"#/components/schemas/{name}"}, base))
    assert len(cases) > 5
    failures = []
    for case in cases:
        body = apply(base, case)
        got = refusals(send(c, tokens, method, path, body, base), batch)
        where = case.path
        if batch and where.startswith("reports["):  # a refused item names its field within
            where = where.split("]", 1)[1].lstrip(".")
        if unstated_rule_broken(name, body):
            ok = bool(got)
        elif case.accepted:
            ok = got == []
        else:
            ok = any(related(f, where) or (batch and f == "" and case.path.startswith("reports["))
                     for f in got)
        if not ok:
            failures.append((case.why, case.path, "DELETE" if case.value is DELETE else case.value, got))
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(map(repr, failures[:30]))


def test_the_cases_cover_every_kind_of_constraint(world):
    """(So that the test above cannot pass by generating nothing for some constraint.)"""
    c, doc, tokens = world
    schemas = Schemas(doc["components"]["schemas"])
    whys = set()
    for name in ("Report", "BatchRequest", "TeamRequest", "ReviewRequest", "RouteTemplate"):
        ref = {"$ref": f"#/components/schemas/{name}"}
        whys |= {re.sub(r"[ :].*", "", case.why) for case in schemas.cases(ref, schemas.example(ref))}
    assert whys >= {"maxLength", "minLength", "minimum", "maximum", "pattern", "enum", "not",
                    "required", "optional", "additionalProperties", "uniqueItems", "maxItems",
                    "minItems", "maxProperties", "propertyNames", "a", "anyOf", "if", "null"}

