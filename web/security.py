"""Sign-in checks, CSRF tokens and the login rate limit (counted in the store).

Passwords are the store's (yinhuan.store.users: scrypt, a random salt each, parameters kept with
the hash, constant-time comparison); here only the timing of a failed sign-in is evened out.
"""
from __future__ import annotations

import hmac
import secrets

from yinhuan.store import webstate
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
    seconds; further attempts are refused until the oldest failure leaves the window. The failures
    are counted in the store (yinhuan.store.webstate), so every server process on it shares them.
    `clock`: the time now (naive UTC), replaceable in tests."""

    def __init__(self, store, limit: int = 5, window: float = 300.0, clock=None):
        self.store, self.limit, self.window, self.clock = store, limit, window, clock

    def _now(self):
        return self.clock() if self.clock else None

    def blocked(self, *keys: str) -> float:
        """Seconds to wait (0 when allowed)."""
        return webstate.login_wait(self.store, keys, self.limit, self.window, self._now())

    def failed(self, *keys: str) -> None:
        webstate.login_failed(self.store, keys, self.window, self._now())

    def succeeded(self, *keys: str) -> None:
        webstate.login_succeeded(self.store, keys)
