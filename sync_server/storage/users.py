"""Users, sessions (token hashes), login throttling and team membership lookups.

Everything here lives in the database, not in a process: a token revoked or a failed login
counted by one server instance holds on every other.
"""

from __future__ import annotations

import time
from typing import Iterable

from patrol_wire import Role

from .audit import audit
from .engine import Engine, marks
from .records import User

USER_COLUMNS = "id, username, display_name, role, agency, disabled"


def user_of(row: tuple) -> User:
    uid, username, display, role, agency, disabled = row
    return User(uid, username, display, Role(role), agency, bool(disabled))


class UsersMixin:
    db: Engine

    def create_user(self, *, username: str, display_name: str, password_hash: str, role: Role,
                    agency: str, actor: str = "cli") -> User | None:
        """The new user, or None when the username is taken. ``agency`` must be a known
        agency's code (the database refuses another)."""
        with self.db.tx() as c:
            row = c.execute(
                "INSERT INTO users (username, display_name, password_hash, role, agency,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING"
                " RETURNING id",
                [username, display_name, password_hash, role.value, agency, time.time()],
            ).fetchone()
            if row is None:
                return None
            audit(c, actor, "user.create", "user", username,
                  {"role": role.value, "agency": agency})
            return User(row[0], username, display_name, role, agency)

    def update_user(self, username: str, *, actor: str, display_name: str | None = None,
                    role: Role | None = None, agency: str | None = None,
                    disabled: bool | None = None) -> User | None:
        """Change the given fields. Disabling, or a role or agency change, ends the user's
        sessions for good (revoked in the same transaction): re-enabling the user later must
        not bring a lost phone's token back to life."""
        changes = {k: v for k, v in (("display_name", display_name),
                                     ("role", role and role.value),
                                     ("agency", agency),
                                     ("disabled", None if disabled is None else int(disabled)))
                   if v is not None}
        with self.db.tx() as c:
            row = c.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()
            if row is None:
                return None
            if changes:
                c.execute(f"UPDATE users SET {', '.join(f'{k} = ?' for k in changes)}"
                          " WHERE id = ?", [*changes.values(), row[0]])
                if {"role", "agency"} & changes.keys() or disabled:
                    c.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0",
                              [row[0]])
                audit(c, actor, "user.update", "user", username, changes)
            return user_of(c.execute(f"SELECT {USER_COLUMNS} FROM users WHERE id = ?",
                                     [row[0]]).fetchone())

    def set_password(self, username: str, password_hash: str, *, actor: str) -> bool:
        """New password; every session of the user ends."""
        with self.db.tx() as c:
            row = c.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()
            if row is None:
                return False
            c.execute("UPDATE users SET password_hash = ? WHERE id = ?", [password_hash, row[0]])
            c.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ?", [row[0]])
            audit(c, actor, "user.password_reset", "user", username)
            return True

    def list_users(self) -> list[User]:
        return [user_of(r) for r in self.db.query(
            f"SELECT {USER_COLUMNS} FROM users ORDER BY username")]

    def users_by_name(self, usernames: Iterable[str]) -> dict[str, User]:
        names = list(set(usernames))
        if not names:
            return {}
        rows = self.db.query(
            f"SELECT {USER_COLUMNS} FROM users WHERE username IN ({marks(len(names))})", names)
        return {r[1]: user_of(r) for r in rows}

    def user_by_name(self, username: str) -> tuple[User, str] | None:
        row = self.db.query_one(
            f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?", [username])
        return None if row is None else (user_of(row[:6]), row[6])

    # ------------------------------------------------------------ login throttling

    def login_failures(self, keys: list[str], *, since: float) -> dict[str, tuple[int, float]]:
        """Per key: failed logins since ``since`` and the oldest of them."""
        rows = self.db.query(
            f"SELECT key, count(*), min(at) FROM login_failures WHERE key IN ({marks(len(keys))})"
            " AND at >= ? GROUP BY key", [*keys, since])
        return {k: (n, oldest) for k, n, oldest in rows}

    def record_login_failure(self, keys: list[str], *, at: float, forget_before: float) -> None:
        with self.db.tx() as c:
            c.executemany("INSERT INTO login_failures (key, at) VALUES (?, ?)", [(k, at) for k in keys])
            c.execute("DELETE FROM login_failures WHERE at < ?", [forget_before])

    def clear_login_failures(self, key: str) -> None:
        with self.db.tx() as c:
            c.execute("DELETE FROM login_failures WHERE key = ?", [key])

    # ------------------------------------------------------------ sessions

    def store_token(self, *, token_hash: str, user_id: int, expires_at: float, actor: str) -> None:
        with self.db.tx() as c:
            c.execute("INSERT INTO tokens (token_hash, user_id, created_at, expires_at)"
                      " VALUES (?, ?, ?, ?)", [token_hash, user_id, time.time(), expires_at])
            audit(c, actor, "auth.login", "user", actor)

    def user_for_token(self, token_hash: str, *, now: float) -> tuple[User, float] | None:
        """The token's user and expiry, if the token exists, is not revoked and the user active."""
        row = self.db.query_one(
            "SELECT u.id, u.username, u.display_name, u.role, u.agency, u.disabled, t.expires_at"
            " FROM tokens t JOIN users u ON u.id = t.user_id"
            " WHERE t.token_hash = ? AND t.revoked = 0 AND u.disabled = 0", [token_hash])
        return None if row is None else (user_of(row[:6]), row[6])

    def revoke_token(self, token_hash: str, *, actor: str) -> None:
        with self.db.tx() as c:
            if c.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ?",
                         [token_hash]).rowcount:
                audit(c, actor, "auth.logout", "user", actor)

    # ------------------------------------------------------------ membership

    def team_ids_of(self, user_id: int) -> list[str]:
        return [r[0] for r in self.db.query(
            "SELECT team_id FROM team_members WHERE user_id = ? AND active = 1 ORDER BY team_id",
            [user_id])]

    def memberships(self, user_id: int, team_ids: Iterable[str]) -> dict[str, str | None]:
        """For each of ``team_ids`` that exists: when the user's membership ended ('' if they
        were never a member, None while they are one). One query for a whole batch."""
        ids = sorted(set(team_ids))
        if not ids:
            return {}
        return dict(self.db.query(
            "SELECT t.id, CASE WHEN m.user_id IS NULL THEN '' ELSE m.until END FROM teams t"
            " LEFT JOIN team_members m ON m.team_id = t.id AND m.user_id = ?"
            f" WHERE t.id IN ({marks(len(ids))})", [user_id, *ids]))

    def team_members(self, team_id: str) -> list[User]:
        return [user_of(r) for r in self.db.query(
            "SELECT u.id, u.username, u.display_name, u.role, u.agency, u.disabled FROM users u"
            " JOIN team_members m ON m.user_id = u.id WHERE m.team_id = ? AND m.active = 1"
            " ORDER BY u.username", [team_id])]
