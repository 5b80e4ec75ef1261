"""PIN lock for handing the phone over at shift change.

The PIN is stored as a salted scrypt hash in the device store, never in clear. After
``MAX_TRIES`` wrong entries the lock refuses further tries for ``COOLDOWN_S`` seconds (a
guessing colleague gets nowhere; the owner waits half a minute). Unlocking never touches the
reports: a forgotten PIN means logging in again, and unsent work stays on the device.
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


class PinError(ValueError):
    """``key`` is a catalogue key for the message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class PinLock:
    def __init__(self, store: LocalStore, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._clock = clock
        self._failures = 0
        self._blocked_until = 0.0

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
        now = self._clock()
        if now < self._blocked_until:
            raise PinError("pin_wait")
        stored = self.store.get_meta("pin_hash") or "$"
        salt_hex, _, digest_hex = stored.partition("$")
        ok = bool(salt_hex) and hmac.compare_digest(_derive(pin, bytes.fromhex(salt_hex)),
                                                    bytes.fromhex(digest_hex))
        if not ok:
            self._failures += 1
            if self._failures >= MAX_TRIES:
                self._failures = 0
                self._blocked_until = now + COOLDOWN_S
            raise PinError("pin_wrong")
        self._failures = 0
        self.store.set_meta("locked", None)

    def clear(self) -> None:
        """On logout: the next person sets their own PIN."""
        self.store.set_meta("pin_hash", None)
        self.store.set_meta("locked", None)


def _derive(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
