"""PIN lock: hashed, survives restarts, slows guessing, never touches reports."""

import pytest

from patrol_app.core.pin import COOLDOWN_S, GIVE_UP_TRIES, MAX_TRIES, PinError, PinLock
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


def test_the_cooldown_survives_a_restart_of_the_app(tmp_path):
    clock = Clock()
    s = LocalStore(tmp_path)
    lock = PinLock(s, clock=clock)
    lock.set_pin("1357")
    lock.lock()
    for _ in range(MAX_TRIES):
        with pytest.raises(PinError, match="pin_wrong"):
            lock.unlock("0000")
    s.close()  # the guesser restarts the app, hoping for five fresh tries
    s = LocalStore(tmp_path)
    lock = PinLock(s, clock=clock)
    with pytest.raises(PinError, match="pin_wait"):
        lock.unlock("1357")
    clock.now += COOLDOWN_S + 1
    lock.unlock("1357")
    assert not lock.locked and lock.failures == 0
    s.close()


def test_ten_wrong_pins_in_a_row_need_a_full_login_and_keep_the_reports(tmp_path):
    from tests.conftest import make_report
    import patrol_wire as wire

    clock = Clock()
    s = LocalStore(tmp_path)
    report = wire.decode(wire.Report, make_report())
    s.save_report(report)
    s.set_meta("token", "secret-token")
    s.set_meta("draft:check", "{}")  # whatever else the device keeps stays too
    lock = PinLock(s, clock=clock)
    lock.set_pin("1357")
    lock.lock()
    for attempt in range(1, GIVE_UP_TRIES):
        if attempt == MAX_TRIES + 1:
            clock.now += COOLDOWN_S + 1
        with pytest.raises(PinError, match="pin_wrong"):
            lock.unlock("0000")
        if attempt == MAX_TRIES:  # a restart in the middle changes nothing
            s.close()
            s = LocalStore(tmp_path)
            lock = PinLock(s, clock=clock)
    with pytest.raises(PinError, match="pin_login_required"):
        lock.unlock("0000")
    assert s.get_meta("token") is None and not lock.is_set and not lock.locked
    assert s.get_report(report.id) == report and s.get_meta("draft:check") == "{}"
    s.close()


def test_a_clock_set_back_does_not_lock_the_owner_out_for_longer(store):
    clock = Clock()
    lock = PinLock(store, clock=clock)
    lock.set_pin("1357")
    for _ in range(MAX_TRIES):
        with pytest.raises(PinError):
            lock.unlock("0000")
    clock.now -= 86_400  # the phone's clock jumped back a day
    with pytest.raises(PinError, match="pin_wait"):
        lock.unlock("1357")
    clock.now += COOLDOWN_S + 1
    lock.unlock("1357")
