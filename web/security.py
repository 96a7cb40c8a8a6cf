"""Passwords, CSRF tokens and the login rate limit: small, standard-library pieces.

Passwords are hashed with scrypt (hashlib, memory-hard and slow on purpose) and a random salt per
password; the stored form carries its parameters so they can be raised later without breaking old
accounts. Comparison is constant-time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1


def hash_password(password: str, *, n: int = SCRYPT_N) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return "scrypt${}${}${}${}${}".format(n, SCRYPT_R, SCRYPT_P, base64.b64encode(salt).decode(),
                                          base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(base64.b64decode(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


# a hash to verify against when the user does not exist, so a wrong name costs as long as a wrong password
_DUMMY = hash_password(secrets.token_hex(8))


def check_login(password: str, stored: str | None) -> bool:
    return verify_password(password, stored or _DUMMY) and stored is not None


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
