"""The OAuth state: 256 random bits, single use, bound to the session cookie, 10-minute life."""

from __future__ import annotations

import base64

import pytest

from transpiler.authorize.state import STATE_LIFETIME, SessionSigner, StateRegistry, StateRejected


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_states_carry_256_random_bits_and_never_repeat() -> None:
    registry = StateRegistry()
    states = {registry.issue("s") for _ in range(500)}
    assert len(states) == 500
    for state in list(states)[:20]:
        assert len(base64.urlsafe_b64decode(state + "=" * (-len(state) % 4))) >= 32


def test_state_is_single_use() -> None:
    registry = StateRegistry()
    state = registry.issue("session-a")
    registry.consume(state, "session-a")
    with pytest.raises(StateRejected) as rejected:
        registry.consume(state, "session-a")
    assert rejected.value.reason == "replayed"


@pytest.mark.parametrize(("presented", "session", "reason"), [
    ("unknown-state", "session-a", "forged"),
    (None, "session-a", "missing"),
    ("", "session-a", "missing"),
])
def test_unknown_or_missing_states(presented: str | None, session: str, reason: str) -> None:
    registry = StateRegistry()
    registry.issue("session-a")
    with pytest.raises(StateRejected) as rejected:
        registry.consume(presented, session)
    assert rejected.value.reason == reason


def test_state_from_another_session_is_forged_and_spent() -> None:
    registry = StateRegistry()
    state = registry.issue("victim")
    with pytest.raises(StateRejected) as rejected:
        registry.consume(state, "attacker")
    assert rejected.value.reason == "forged"
    with pytest.raises(StateRejected):
        registry.consume(state, "victim")
    with pytest.raises(StateRejected) as no_session:
        registry.consume(registry.issue("victim"), None)
    assert no_session.value.reason == "forged"


def test_state_expires_after_ten_minutes() -> None:
    clock = FakeClock()
    registry = StateRegistry(clock=clock)
    fresh, stale = registry.issue("s"), registry.issue("s")
    clock.now += STATE_LIFETIME - 1
    registry.consume(fresh, "s")
    clock.now += 2
    with pytest.raises(StateRejected) as rejected:
        registry.consume(stale, "s")
    assert rejected.value.reason == "expired"
    assert STATE_LIFETIME <= 600


def test_session_cookie_is_signed_and_ages() -> None:
    clock = FakeClock()
    signer = SessionSigner(b"k" * 32, clock=clock)
    session, cookie = signer.new_session()
    assert signer.session_of(cookie) == session
    assert signer.session_of(cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")) is None
    assert SessionSigner(b"x" * 32, clock=clock).session_of(cookie) is None
    assert signer.session_of(None) is None
    clock.now += STATE_LIFETIME * 3 + 5
    assert signer.session_of(cookie) is None
