"""What the web app keeps in the store besides the records: inspections being entered (drafts), the
login failures the rate limit counts, and the installation's session key.

These are working state, not records: a draft is saved on every keystroke and a failed login is
counted on every attempt, so they are not events of the hash chain (which would grow by thousands of
entries per inspection and make every autosave wait for the writers' lock). What they lead to is:
finishing an inspection stores it through `checkrun.store_results` (events `inspection.create`,
`hazard.*`), and account changes go through yinhuan.store.users (events `user.*`).

Being in the store (not files beside it) is what lets several web servers share one PostgreSQL:
a draft saved through one server is read through another, a login limit counted on one holds on all,
and a session cookie signed by one is accepted by the others.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String, Text, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .db import Store
from .models import Base     # (models imports this module at its end: import nothing that imports models)


def now() -> datetime:
    """UTC, naive (as events.now, which cannot be imported here: events imports models)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class WebInspection(Base):
    """An inspection entered in the browser: the form exactly as typed (valid or not) while it is a
    draft; once finished, what it froze (evidence, findings, rulebook version, notice data) and the
    two printed documents, rendered once."""
    __tablename__ = "web_inspections"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    enterprise: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(String(64))
    checklist: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))
    form: Mapped[dict] = mapped_column(JSON)
    extra: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[str] = mapped_column(String(40), default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="draft")     # draft | finishing | finished
    finished: Mapped[dict] = mapped_column(JSON)
    record_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    notice_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class LoginFailure(Base):
    """One failed sign-in, under each key it counts for (`ip:…`, `user:…`)."""
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)


class AccessRefusal(Base):
    """A request the web app refused (who, what, why): the administrator's 「访问规则」 page lists the
    latest, whichever server refused them."""
    __tablename__ = "access_refusals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    endpoint: Mapped[str] = mapped_column(String(64))
    why: Mapped[str] = mapped_column(Text)


class WebSession(Base):
    """One signed-in session: the cookie carries a random id, the store its SHA-256. A session is
    alive while it is not ended and younger than the app's lifetime; every request checks it."""
    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ended_why: Mapped[str] = mapped_column(Text, default="")


class WebSetting(Base):
    __tablename__ = "web_settings"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


COLUMNS = ("id", "credit_code", "enterprise", "district", "checklist", "mode", "created_by", "created_at", "form",
           "extra", "saved_at", "revision", "status", "finished")


# ---- inspections -----------------------------------------------------------------------------

def get_inspection(store: Store, iid: str) -> dict | None:
    with store.session() as s:
        row = s.get(WebInspection, iid)
        return _plain(row) if row is not None else None


def list_inspections(store: Store, credit_code: str | None = None) -> list[dict]:
    q = select(WebInspection).order_by(WebInspection.created_at.desc())
    if credit_code is not None:
        q = q.where(WebInspection.credit_code == credit_code)
    with store.session() as s:
        return [_plain(r) for r in s.scalars(q)]


def add_inspection(store: Store, values: dict, pdfs: dict | None = None) -> bool:
    """Add one (False if an inspection with that id is already there). `pdfs`: {"record"|"notice": bytes}."""
    with store.session() as s:
        if s.get(WebInspection, values["id"]) is not None:
            return False
        s.add(WebInspection(**{k: values[k] for k in COLUMNS},
                            **{f"{k}_pdf": v for k, v in (pdfs or {}).items() if k in ("record", "notice")}))
        return True


def save_draft(store: Store, iid: str, form: dict, extra: dict | None, saved_at: str) -> int | None:
    """A new revision of a draft's form, in one statement that only touches a draft: an autosave that
    arrives after 完成检查 changes nothing (returns None). Returns the new revision."""
    values = {"form": form, "saved_at": saved_at, "revision": WebInspection.revision + 1}
    if extra is not None:
        values["extra"] = extra
    with store.session() as s:
        done = s.execute(update(WebInspection).where(WebInspection.id == iid, WebInspection.status == "draft")
                         .values(**values))
        if done.rowcount != 1:
            return None
        return s.scalar(select(WebInspection.revision).where(WebInspection.id == iid))


def claim_for_finishing(store: Store, iid: str) -> bool:
    """Mark a draft as being finished; False when it is not a draft any more (a second click, another
    server). Only the request that claimed it stores it."""
    with store.session() as s:
        return s.execute(update(WebInspection).where(WebInspection.id == iid, WebInspection.status == "draft")
                         .values(status="finishing")).rowcount == 1


def release_claim(store: Store, iid: str) -> None:
    """Finishing failed: the inspection is a draft again, every answer as it was."""
    with store.session() as s:
        s.execute(update(WebInspection).where(WebInspection.id == iid, WebInspection.status == "finishing")
                  .values(status="draft"))


def mark_finished(store: Store, iid: str, finished: dict) -> None:
    with store.session() as s:
        s.execute(update(WebInspection).where(WebInspection.id == iid).values(status="finished", finished=finished))


def document(store: Store, iid: str, name: str, render) -> bytes:
    """A finished inspection's printed document (`record` or `notice`), rendered the first time it is
    asked for and kept, so every reprint is byte for byte the first print."""
    column = {"record": WebInspection.record_pdf, "notice": WebInspection.notice_pdf}[name]
    with store.session() as s:
        body = s.scalar(select(column).where(WebInspection.id == iid))
    if body is not None:
        return body
    body = render()
    with store.session() as s:
        s.execute(update(WebInspection).where(WebInspection.id == iid, column.is_(None)).values({column.key: body}))
        return s.scalar(select(column).where(WebInspection.id == iid))


def _plain(row: WebInspection) -> dict:
    return {k: getattr(row, k) for k in COLUMNS}


# ---- the login limit ---------------------------------------------------------------------------

def login_wait(store: Store, keys, limit: int, window: float, at: datetime | None = None) -> float:
    """Seconds until another attempt is allowed under any of `keys` (0: allowed): at most `limit`
    failures per key in `window` seconds, counted over every server sharing the store."""
    at = at or now()
    since = at - timedelta(seconds=window)
    wait = 0.0
    with store.session() as s:
        for key in keys:
            n, oldest = s.execute(select(func.count(), func.min(LoginFailure.at))
                                  .where(LoginFailure.key == key, LoginFailure.at > since)).one()
            if n >= limit:
                wait = max(wait, window - (at - oldest).total_seconds())
    return wait


def login_failed(store: Store, keys, window: float, at: datetime | None = None) -> None:
    at = at or now()
    with store.session() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.at <= at - timedelta(seconds=window)))
        s.add_all(LoginFailure(key=k, at=at) for k in keys)


def login_succeeded(store: Store, keys) -> None:
    with store.session() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.key.in_(list(keys))))


# ---- sessions ----------------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, username: str, lifetime: float, at: datetime | None = None) -> str:
    """A new session for `username`; returns the random id the cookie carries. Sessions ended or
    past their lifetime a day ago are dropped here (their cookies are refused either way)."""
    at = at or now()
    token = secrets.token_urlsafe(32)
    with store.session() as s:
        s.execute(delete(WebSession).where(WebSession.created_at < at - timedelta(seconds=lifetime + 86400)))
        s.execute(delete(WebSession).where(WebSession.ended_at < at - timedelta(days=1)))
        s.add(WebSession(id_hash=_hash(token), username=username, created_at=at, ended_at=None, ended_why=""))
    return token


def session_alive(store: Store, token: str | None, username: str, lifetime: float,
                  at: datetime | None = None) -> bool:
    """True when the cookie's session id is a session of `username` that was not ended and is younger
    than `lifetime` seconds."""
    if not token:
        return False
    at = at or now()
    with store.session() as s:
        row = s.get(WebSession, _hash(token))
        return (row is not None and row.username == username and row.ended_at is None
                and row.created_at > at - timedelta(seconds=lifetime))


def end_session(store: Store, token: str | None, why: str) -> None:
    """End one session (signing out): its cookie, copied or not, is refused from now on."""
    if token:
        with store.session() as s:
            s.execute(update(WebSession).where(WebSession.id_hash == _hash(token), WebSession.ended_at.is_(None))
                      .values(ended_at=now(), ended_why=why))


def end_sessions(s, username: str, why: str) -> int:
    """End every session of `username`, inside the caller's transaction `s` (the account change that
    ends them: a new password, disabled, another role or district). Returns how many were alive."""
    return s.execute(update(WebSession).where(WebSession.username == username, WebSession.ended_at.is_(None))
                     .values(ended_at=now(), ended_why=why)).rowcount


def sessions_of(store: Store, username: str) -> list[dict]:
    with store.session() as s:
        return [{"created_at": r.created_at, "ended_at": r.ended_at, "ended_why": r.ended_why}
                for r in s.scalars(select(WebSession).where(WebSession.username == username)
                                   .order_by(WebSession.created_at))]


# ---- refusals ----------------------------------------------------------------------------------

KEEP_REFUSALS = 1000


def add_refusal(store: Store, user: str, role: str, method: str, path: str, endpoint: str, why: str) -> None:
    """Keep one refusal (the newest KEEP_REFUSALS are kept; every refusal is also in the server's log)."""
    with store.session() as s:
        s.add(AccessRefusal(at=now(), username=user[:64], role=role, method=method, path=path,
                            endpoint=(endpoint or "")[:64], why=why))
        s.flush()
        cut = s.scalar(select(AccessRefusal.id).order_by(AccessRefusal.id.desc()).offset(KEEP_REFUSALS).limit(1))
        if cut is not None:
            s.execute(delete(AccessRefusal).where(AccessRefusal.id <= cut))


def latest_refusals(store: Store, n: int = 50) -> list[dict]:
    with store.session() as s:
        rows = s.scalars(select(AccessRefusal).order_by(AccessRefusal.id.desc()).limit(n))
        return [{"at": r.at, "user": r.username, "role": r.role, "method": r.method, "path": r.path,
                 "endpoint": r.endpoint, "why": r.why} for r in rows]


# ---- settings ----------------------------------------------------------------------------------

def secret_key(store: Store) -> str:
    """The key that signs session cookies: made once per store, shared by every server on it."""
    with store.session() as s:
        row = s.get(WebSetting, "secret_key")
        if row is not None:
            return row.value
    try:
        with store.session() as s:
            s.add(WebSetting(name="secret_key", value=secrets.token_hex(32)))
    except IntegrityError:       # another server made it first
        pass
    with store.session() as s:
        return s.get(WebSetting, "secret_key").value
