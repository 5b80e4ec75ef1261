"""Online work for shift leads, supervisors and admins: planning, review and administration.

Unlike the officer's checks these need the server (they act on everyone's data), so they are
plain calls through the same client and its error hierarchy -- an Offline error is shown in
words and nothing is queued. No flet here; the views call these from worker threads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import patrol_wire as wire
from patrol_wire import API_PREFIX

from .client import SyncClient

P = API_PREFIX


class Office:
    def __init__(self, client: SyncClient) -> None:
        self.c = client

    def close(self) -> None:
        self.c.close()

    def _get(self, path: str, **params: Any) -> Any:
        return self.c._request("GET", P + path,
                               params={k: v for k, v in params.items() if v not in (None, "")})

    def _send(self, method: str, path: str, body: Any, **params: Any) -> Any:
        return self.c._request(method, P + path, content=wire.canonical_json(body),
                               params={k: v for k, v in params.items() if v is not None})

    # ------------------------------------------------------------ shift lead

    def directory(self) -> list[wire.UserRecord]:
        return [wire.decode(wire.UserRecord, u) for u in self._get("/directory")]

    def teams(self) -> list[dict]:
        """Teams as the server sends them: members plus a ``mixed`` flag."""
        return self._get("/teams")

    def save_team(self, team_id: str, req: wire.TeamRequest) -> dict:
        return self._send("PUT", f"/teams/{team_id}", req)

    def routes(self) -> list[wire.RouteTemplate]:
        return [wire.decode(wire.RouteTemplate, r) for r in self._get("/routes")]

    def save_route(self, template: wire.RouteTemplate) -> wire.RouteTemplate:
        return wire.decode(wire.RouteTemplate, self._send("PUT", f"/routes/{template.id}", template))

    def assign(self, req: wire.AssignRequest) -> wire.Assignment:
        return wire.decode(wire.Assignment, self._send("POST", "/assignments", req))

    def reassign(self, assignment_id: str, team_id: str) -> wire.Assignment:
        return wire.decode(wire.Assignment, self._send(
            "POST", f"/assignments/{assignment_id}/reassign", wire.ReassignRequest(team_id)))

    def progress(self, at: datetime | None = None) -> list[wire.TeamProgress]:
        params = {"at": wire.format_timestamp(at)} if at else {}
        return [wire.decode(wire.TeamProgress, p) for p in self._get("/progress", **params)]

    # ------------------------------------------------------------ joint operations

    def operations(self) -> list[dict]:
        """Operations as the server lists them: the plan plus ``status`` and ``team_names``."""
        return self._get("/operations")

    def operation(self, operation_id: str) -> dict:
        return self._get(f"/operations/{operation_id}")

    def save_operation(self, operation_id: str | None, req: wire.OperationRequest) -> dict:
        """Create (no id) or change an operation."""
        if operation_id is None:
            return self._send("POST", "/operations", req)
        return self._send("PUT", f"/operations/{operation_id}", req)

    def operation_feed(self, operation_id: str, after: str | None = None) -> wire.OperationFeed:
        return wire.decode(wire.OperationFeed,
                           self._get(f"/operations/{operation_id}/reports", after=after))

    def operation_summary(self, operation_id: str) -> wire.OperationSummary:
        return wire.decode(wire.OperationSummary, self._get(f"/operations/{operation_id}/summary"))

    def operation_pdf(self, operation_id: str) -> bytes:
        return self.c.get_bytes(f"{P}/operations/{operation_id}/summary.pdf")

    # ------------------------------------------------------------ supervisor

    def reports(self, **filters: Any) -> dict:
        """One page of the review queue: ``{"items": [...], "next_cursor": ...}``."""
        return self._get("/reports", **filters)

    def report(self, report_id: str) -> dict:
        return self._get(f"/reports/{report_id}")

    def review(self, report_id: str, action: wire.ReviewAction, text: str = "") -> str:
        data = self._send("POST", f"/reports/{report_id}/review", wire.ReviewRequest(action, text))
        return data["review_state"]

    def photo(self, sha256: str) -> bytes:
        return self.c.get_bytes(f"{P}/photos/{sha256}")

    def situation(self, **params: Any) -> wire.Situation:
        return wire.decode(wire.Situation, self._get("/situation", **params))

    def complaints(self, **params: Any) -> wire.ComplaintPicture:
        """Citizen complaints against patrol effort, with the map layer (supervisors)."""
        return wire.decode(wire.ComplaintPicture, self._get("/situation/complaints", **params))

    def fear_spaces(self, **params: Any) -> list[dict]:
        """Places with fear-space signals from the checklists (supervisors)."""
        return self._get("/situation/fear-spaces", **params)

    def complaint_gaps(self, **params: Any) -> wire.ComplaintSuggestions:
        """Places with many complaints and few checks, for a shift lead's route."""
        return wire.decode(wire.ComplaintSuggestions, self._get("/planning/complaint-gaps", **params))

    def export(self, name: str, **params: Any) -> bytes:
        """An export file (reports.geojson, places.geojson, reports.csv) as bytes."""
        return self.c.get_bytes(f"{P}/export/{name}",
                                params={k: v for k, v in params.items() if v not in (None, "")})

    def steering_report(self, since: str, until: str) -> bytes:
        """The steering group's report (PDF) for a window, for this reader's agency."""
        return self.c.get_bytes(f"{P}/report.pdf", params={"since": since, "until": until})

    # ------------------------------------------------------------ admin

    def users(self) -> list[wire.UserRecord]:
        return [wire.decode(wire.UserRecord, u) for u in self._get("/admin/users")]

    def create_user(self, req: wire.UserCreate) -> wire.UserRecord:
        return wire.decode(wire.UserRecord, self._send("POST", "/admin/users", req))

    def update_user(self, username: str, req: wire.UserUpdate) -> wire.UserRecord:
        return wire.decode(wire.UserRecord, self._send("PATCH", f"/admin/users/{username}", req))

    def reset_password(self, username: str, password: str) -> None:
        self.c._request("POST", f"{P}/admin/users/{username}/password",
                        content=wire.canonical_json(wire.PasswordReset(password)))

    def agencies(self) -> list[dict]:
        """Every agency (deactivated ones too) with its number of active users."""
        return self._get("/admin/agencies")

    def create_agency(self, req: wire.AgencyCreate) -> wire.Agency:
        return wire.decode(wire.Agency, self._send("POST", "/admin/agencies", req))

    def update_agency(self, code: str, req: wire.AgencyUpdate) -> wire.Agency:
        return wire.decode(wire.Agency, self._send("PATCH", f"/admin/agencies/{code}", req))

    def save_district(self, district: wire.District) -> wire.District:
        return wire.decode(wire.District, self._send("PUT", f"/admin/districts/{district.id}", district))

    def import_places(self, data: bytes, fmt: str) -> dict:
        return self.c._request("POST", f"{P}/admin/places/import", content=data,
                               params={"format": fmt}, headers={"Content-Type": "text/plain"})

    def import_complaints(self, data: bytes, fmt: str) -> dict:
        return self.c._request("POST", f"{P}/admin/complaints/import", content=data,
                               params={"format": fmt}, headers={"Content-Type": "text/plain"})

    def checklists(self) -> list[wire.Checklist]:
        return [wire.decode(wire.Checklist, c) for c in self._get("/admin/checklists")]

    def new_checklist_version(self, checklist: wire.Checklist) -> wire.Checklist:
        return wire.decode(wire.Checklist, self._send("POST", "/admin/checklists", checklist))

    def audit(self, limit: int = 100) -> list[dict]:
        return self._get("/admin/audit", limit=limit)["items"]
