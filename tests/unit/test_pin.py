"""PIN lock: hashed, survives restarts, slows guessing, never touches reports."""

import pytest

from patrol_app.core.pin import COOLDOWN_S, MAX_TRIES, PinError, PinLock
from patrol_app.core.store import LocalStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pin_is_stored_hashed_and_unlocks(store):
    lock = PinLock(store)
    lock.set_pin("4711")
    assert "4711" not in store.get_meta("pin_hash")
    lock.lock()
    assert lock.locked
    lock.unlock("4711")
    assert not lock.locked


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", ""])
def test_pin_must_be_4_to_8_digits(store, pin):
    with pytest.raises(PinError) as err:
        PinLock(store).set_pin(pin)
    assert err.value.key == "pin_invalid"


def test_lock_survives_restart(tmp_path):
    s = LocalStore(tmp_path)
    lock = PinLock(s)
    lock.set_pin("2468")
    lock.lock()
    s.close()
    s2 = LocalStore(tmp_path)
    assert PinLock(s2).locked
    s2.close()


def test_guessing_is_slowed_down(store):
    clock = Clock()
    lock = PinLock(store, clock=clock)
    lock.set_pin("1357")
    lock.lock()
    for _ in range(MAX_TRIES):
        with pytest.raises(PinError, match="pin_wrong"):
            lock.unlock("0000")
    with pytest.raises(PinError, match="pin_wait"):
        lock.unlock("1357")  # even the right PIN waits out the cooldown
    clock.now += COOLDOWN_S + 1
    lock.unlock("1357")
    assert not lock.locked


def test_locking_needs_a_pin(store):
    with pytest.raises(PinError, match="pin_not_set"):
        PinLock(store).lock()
