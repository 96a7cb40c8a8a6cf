"""Sign-in checks, CSRF tokens and the login rate limit: small, standard-library pieces.

Passwords are the store's (yinhuan.store.users: scrypt, a random salt each, parameters kept with
the hash, constant-time comparison); here only the timing of a failed sign-in is evened out.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque

from yinhuan.store.users import check_password, hash_password

# a hash to verify against when the account does not exist, so a wrong name costs as long as a wrong password
_DUMMY = hash_password(secrets.token_hex(8))


def check_login(password: str, stored: str | None) -> bool:
    """The store's scrypt check, made even for unknown accounts and accounts with no password."""
    return check_password(password, stored or _DUMMY) and bool(stored)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class LoginLimiter:
    """At most `limit` failed sign-ins per key (client address, and account name) in `window`
    seconds; further attempts are refused until the oldest failure leaves the window. In memory:
    one server process, which is how `yinhuan serve` runs."""

    def __init__(self, limit: int = 5, window: float = 300.0, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._fails: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque:
        q = self._fails.setdefault(key, deque())
        now = self.clock()
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> float:
        """Seconds to wait (0 when allowed)."""
        with self._lock:
            wait = 0.0
            for k in keys:
                q = self._recent(k)
                if len(q) >= self.limit:
                    wait = max(wait, self.window - (self.clock() - q[0]))
            return wait

    def failed(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._recent(k).append(self.clock())

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._fails.pop(k, None)
