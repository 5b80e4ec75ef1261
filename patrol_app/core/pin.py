"""PIN lock for handing the phone over at shift change.

The PIN is stored as a salted scrypt hash in the device store, never in clear. After
``MAX_TRIES`` wrong entries the lock refuses further tries for ``COOLDOWN_S`` seconds (a
guessing colleague gets nowhere; the owner waits half a minute); after ``GIVE_UP_TRIES`` wrong
entries in a row the session ends: the token is forgotten and only a full login (password,
checked by the server) opens the app again. The count and the cooldown live in the store, so
restarting the app resets neither. Unlocking never touches the reports: a forgotten PIN means
logging in again, and unsent work (reports, drafts) stays on the device.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from typing import Callable

from .store import LocalStore

MAX_TRIES = 5
COOLDOWN_S = 30.0
GIVE_UP_TRIES = 10


class PinError(ValueError):
    """``key`` is a catalogue key for the message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class PinLock:
    """``clock``: wall-clock seconds (a cooldown must outlive a restart, which a monotonic
    clock does not)."""

    def __init__(self, store: LocalStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock

    @property
    def failures(self) -> int:
        """Wrong PINs in a row since the last unlock (kept across restarts)."""
        return int(self.store.get_meta("pin_failures") or 0)

    @property
    def is_set(self) -> bool:
        return self.store.get_meta("pin_hash") is not None

    @property
    def locked(self) -> bool:
        return self.store.get_meta("locked") == "1"

    def set_pin(self, pin: str) -> None:
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise PinError("pin_invalid")
        salt = os.urandom(16)
        self.store.set_meta("pin_hash", f"{salt.hex()}${_derive(pin, salt).hex()}")

    def lock(self) -> None:
        if not self.is_set:
            raise PinError("pin_not_set")
        self.store.set_meta("locked", "1")  # survives an app restart: the phone stays locked

    def unlock(self, pin: str) -> None:
        """Raises PinError: pin_wrong, pin_wait (cooling down), pin_login_required (the token
        is gone: log in with the password)."""
        now = self._clock()
        blocked_until = float(self.store.get_meta("pin_blocked_until") or 0)
        if now < blocked_until:
            if blocked_until - now <= COOLDOWN_S:
                raise PinError("pin_wait")
            # the clock was set back: the cooldown is counted from now, not from the future
            self.store.set_meta("pin_blocked_until", repr(now + COOLDOWN_S))
            raise PinError("pin_wait")
        stored = self.store.get_meta("pin_hash") or "$"
        salt_hex, _, digest_hex = stored.partition("$")
        ok = bool(salt_hex) and hmac.compare_digest(_derive(pin, bytes.fromhex(salt_hex)),
                                                    bytes.fromhex(digest_hex))
        if not ok:
            failures = self.failures + 1
            if failures >= GIVE_UP_TRIES:
                self.store.set_meta("token", None)  # Device.logged_in reads it: a full login
                self.clear()
                raise PinError("pin_login_required")
            self.store.set_meta("pin_failures", str(failures))
            if failures % MAX_TRIES == 0:
                self.store.set_meta("pin_blocked_until", repr(now + COOLDOWN_S))
            raise PinError("pin_wrong")
        self._reset()
        self.store.set_meta("locked", None)

    def clear(self) -> None:
        """On logout: the next person sets their own PIN."""
        self.store.set_meta("pin_hash", None)
        self.store.set_meta("locked", None)
        self._reset()

    def _reset(self) -> None:
        for key in ("pin_failures", "pin_blocked_until"):
            if self.store.get_meta(key) is not None:  # each write is an fsync: only if needed
                self.store.set_meta(key, None)


def _derive(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
