"""The rules for naming an agency, shared by the admin API and the command line.

A user must belong to a known agency; a deactivated agency takes no new members, but whoever
belongs to it already keeps it (their reports, saved offline before the deactivation, are
accepted as ever: the report's agency is its author's, checked here when the author was made).
"""

from __future__ import annotations

from patrol_wire import ErrorCode

from .storage import Storage


def user_agency_problem(storage: Storage, code: str, *, current: str | None = None
                        ) -> tuple[ErrorCode, str] | None:
    """Why a user cannot be given the agency ``code`` (None: they can). ``current``: the
    user's agency today (keeping a deactivated one is no change)."""
    agency = storage.agency(code)
    if agency is None:
        return ErrorCode.UNKNOWN_AGENCY, f"no agency with the code {code!r}"
    if not agency.active and code != current:
        return ErrorCode.AGENCY_INACTIVE, f"the agency {code!r} is deactivated"
    return None
