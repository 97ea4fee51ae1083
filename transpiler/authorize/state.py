"""The OAuth `state` parameter and the browser session it is bound to.

Amazon's advice (and the CSRF threat it answers): the `state` sent to the consent page must be
unguessable, short-lived and verifiably tied to the user who started the flow. Here:

- a state is 32 random bytes (256 bits), url-safe base64;
- the server remembers only its SHA-256, with the id of the browser session that asked for it and
  the time it was issued; the session id travels in a cookie signed with itsdangerous;
- a state is consumed the first time it comes back (success or not), is refused after
  `STATE_LIFETIME` seconds, and is refused when the cookie names another session.

Rejections say why (`StateRejected.reason`) so the page can tell a forged link from a replayed or
an expired one.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

STATE_LIFETIME = 600  # seconds: Amazon asks for a short-lived state; 10 minutes covers a slow login
SESSION_COOKIE = "pl_amazon_session"
_USED_MEMORY = 3600  # how long a consumed state is remembered, to tell "replayed" from "forged"


class StateRejected(Exception):
    """The state that came back cannot be trusted. `reason`: forged, replayed, expired or missing."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Pending:
    session: str
    issued_at: float


class SessionSigner:
    """Signs and reads the session cookie (a random session id, signed with a per-process secret)."""

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time, lifetime: int = STATE_LIFETIME):
        class _Signer(TimestampSigner):
            """Timestamps from the injected clock, so cookie ageing follows the same time as states."""

            def get_timestamp(self) -> int:
                return int(clock())

        self._serializer = URLSafeTimedSerializer(secret, salt="pl-amazon-authorize-session", signer=_Signer)
        self._lifetime = lifetime

    def new_session(self) -> tuple[str, str]:
        """A fresh session id and its signed cookie value."""
        session = secrets.token_urlsafe(16)
        return session, self._serializer.dumps(session)

    def session_of(self, cookie: str | None) -> str | None:
        """The session id in a signed cookie, or None when absent, tampered with or too old."""
        if not cookie:
            return None
        try:
            value = self._serializer.loads(cookie, max_age=self._lifetime * 3)
        except (SignatureExpired, BadSignature):
            return None
        return value if isinstance(value, str) else None


class StateRegistry:
    """Issued states waiting for their callback; consumed ones are remembered for a while."""

    def __init__(self, clock: Callable[[], float] = time.time, lifetime: int = STATE_LIFETIME):
        self._clock = clock
        self._lifetime = lifetime
        self._pending: dict[str, _Pending] = {}
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, session: str) -> str:
        """A new state bound to `session`."""
        state = secrets.token_urlsafe(32)
        with self._lock:
            self._forget_old()
            self._pending[_digest(state)] = _Pending(session=session, issued_at=self._clock())
        return state

    def consume(self, state: str | None, session: str | None) -> None:
        """Accept `state` once for `session`; raise StateRejected otherwise.

        The state is spent even when rejected for a session mismatch: once it has been shown in a
        request that is not its owner's, it cannot be trusted again.
        """
        if not state:
            raise StateRejected("missing")
        key = _digest(state)
        with self._lock:
            self._forget_old()
            pending = self._pending.pop(key, None)
            if pending is None:
                raise StateRejected("replayed" if key in self._used else "forged")
            self._used[key] = self._clock()
        if session is None or not secrets.compare_digest(pending.session, session):
            raise StateRejected("forged")
        if self._clock() - pending.issued_at > self._lifetime:
            raise StateRejected("expired")

    def _forget_old(self) -> None:
        now = self._clock()
        for key, used_at in list(self._used.items()):
            if now - used_at > _USED_MEMORY:
                del self._used[key]
        # Expired pending states stay until well after expiry so they are reported as "expired".
        for key, pending in list(self._pending.items()):
            if now - pending.issued_at > _USED_MEMORY:
                del self._pending[key]

    def __len__(self) -> int:
        return len(self._pending)
