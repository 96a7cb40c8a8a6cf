"""What the CLI and the web app call: one function per action, each one transaction.

Handlers (click commands, web views) parse their input, call these, and show the result; they never
write to the tables themselves, so every change is an event and the two front ends cannot disagree.
"""
from __future__ import annotations

from sqlalchemy import func, select

from . import models
from .db import Store
from .users import create_user


def ensure_admin(store: Store, username: str) -> str | None:
    """The first user of a new store: the person who ran `db init`, as admin. Returns the name
    when created."""
    with store.session() as s:
        if s.scalar(select(func.count()).select_from(models.User)):
            return None
        create_user(s, username, username, username, "admin")
        return username
