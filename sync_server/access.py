"""Who may do what: one table of permissions per role, and the report visibility rule.

Every endpoint names the permission it needs (``require(Perm.X)`` in ``api/deps.py``); the
matrix test in ``tests/unit/test_access_matrix.py`` walks every endpoint with every role.

Report visibility has two independent parts, both always applied:
- scope by role: officers see their own reports and their teams'; shift leads and supervisors
  see all reports; admins manage the system and read no reports (data minimisation);
- the agency rule: a report marked agency-only is visible only inside the author's agency, in
  every list, detail, photo, export and figure.

Citizen complaints are never an officer's to see: the complaint layer and the figures per place
and district are for supervisors (``COMPLAINTS``); a shift lead gets only the places with many
complaints and few checks, as counts, to plan routes (``COMPLAINT_GAPS``); officers get neither,
and nothing about complaints travels in their sync.

Joint operations: shift leads plan them (admins may too, e.g. to correct a plan); shift leads,
supervisors and admins read the plans. What an operation brought -- its live feed of reports,
its summary and PDF -- is report content, so it needs ``READ_ALL`` (shift leads, supervisors;
admins read no reports), and the agency rule applies to every report and figure in it.
Officers learn only the plans of their own teams' operations (the briefing), through sync.

A write that names a stored report (an amendment, a review step) needs the same visibility as
reading it, and is refused with the same answer as for a report that does not exist.
"""

from __future__ import annotations

import enum

from patrol_wire import Role, Visibility

from .storage import ReportRef, User


class Perm(str, enum.Enum):
    SYNC = "sync"              # pull reference data, own teams, own queries
    SUBMIT = "submit"          # send reports, amendments and photos
    READ_OWN = "read_own"      # own and own team's reports
    READ_ALL = "read_all"      # every report (agency rule still applies)
    REVIEW = "review"          # review transitions, questions to the field
    PLAN = "plan"              # teams, route templates, assignments
    PROGRESS = "progress"      # live progress and missed checkpoints
    SITUATION = "situation"    # the situation picture and its exports
    ADMIN = "admin"            # users, districts, places, checklists, complaints import, audit log
    COMPLAINTS = "complaints"  # citizen complaints: points, per place and district (never officers)
    COMPLAINT_GAPS = "complaint_gaps"  # places with complaints and few checks: counts only
    OPERATIONS = "operations"  # plan joint operations (create, change)
    OPERATIONS_READ = "operations_read"  # read the plans of joint operations (not their reports)


ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.OFFICER: frozenset({Perm.SYNC, Perm.SUBMIT, Perm.READ_OWN}),
    Role.SHIFT_LEAD: frozenset({Perm.SYNC, Perm.SUBMIT, Perm.READ_OWN, Perm.READ_ALL, Perm.PLAN,
                                Perm.PROGRESS, Perm.COMPLAINT_GAPS, Perm.OPERATIONS,
                                Perm.OPERATIONS_READ}),
    Role.SUPERVISOR: frozenset({Perm.SYNC, Perm.READ_ALL, Perm.REVIEW, Perm.PROGRESS,
                                Perm.SITUATION, Perm.COMPLAINTS, Perm.COMPLAINT_GAPS,
                                Perm.OPERATIONS_READ}),
    Role.ADMIN: frozenset({Perm.SYNC, Perm.ADMIN, Perm.OPERATIONS, Perm.OPERATIONS_READ}),
}


def allowed(user: User, perm: Perm) -> bool:
    return perm in ROLE_PERMS[user.role]


def agency_allows(user: User, agency: str, visibility: str) -> bool:
    return visibility == Visibility.COOPERATION.value or agency == user.agency


def can_see(user: User, ref: ReportRef, team_ids: list[str]) -> bool:
    """May ``user`` (member of ``team_ids``) see this report?"""
    if not agency_allows(user, ref.agency, ref.visibility):
        return False
    if allowed(user, Perm.READ_ALL):
        return True
    if allowed(user, Perm.READ_OWN):
        return ref.author_id == user.id or (ref.team_id is not None and ref.team_id in team_ids)
    return False


def can_amend(user: User, ref: ReportRef, team_ids: list[str]) -> bool:
    """Amendments come from the author or a colleague of the same team (the patrol partner),
    and only to a report they may read: an amendment answers the report's questions and sends
    it back to review, so it must not reach across the agency rule."""
    return (allowed(user, Perm.SUBMIT) and can_see(user, ref, team_ids)
            and (ref.author_id == user.id or (ref.team_id is not None and ref.team_id in team_ids)))
