"""What the web app reads and keeps, behind one small interface, all of it in the store.

- Accounts (yinhuan.store.users: name, role, district, scrypt hash, disabled or not).
- Enterprises: their profile and their latest evidence, to pre-fill a new inspection.
- Inspections: a draft is the form exactly as typed (saved on every change, valid or not, so no
  answer is ever lost); finishing freezes the evidence, the findings, the checklist and the rulebook
  version, so editing rules later never changes a finished inspection. Kept in the store's
  `web_inspections` table (yinhuan.store.webstate), so every web server on one store sees them.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from yinhuan.errors import InputError
from yinhuan.resources import examples_dir
from yinhuan.store import webstate


@dataclass
class User:
    username: str
    role: str
    district: str | None = None
    name: str = ""
    password_hash: str = ""
    disabled: bool = False



class Accounts:
    """The accounts of the store (yinhuan.store.users: the `users` table, scrypt hashes), as the
    web app needs them. Writes go through the store's functions, so each is an audited event."""

    def __init__(self, store):
        self.store = store

    @staticmethod
    def _user(u) -> User:
        return User(u.username, u.role, u.district or None, u.display_name or u.username, u.password_hash or "",
                    u.disabled_at is not None)

    def get(self, username: str | None) -> User | None:
        if not username:
            return None
        from sqlalchemy import select
        from yinhuan.store import models
        with self.store.session() as s:
            u = s.scalar(select(models.User).where(models.User.username == username))
            return self._user(u) if u is not None else None

    def all(self) -> list[User]:
        from sqlalchemy import select
        from yinhuan.store import models
        with self.store.session() as s:
            return [self._user(u) for u in s.scalars(select(models.User).order_by(models.User.username))]

    def add(self, actor: str, username: str, password: str, role: str, district: str | None = None,
            name: str = "") -> None:
        """Create an account; the web's own rule first (an inspector has a district), then the
        store's (the password rule, role known, name free)."""
        from yinhuan.store import users
        if role == "inspector" and not district:
            raise InputError("检查人员账号必须指定区市", field="district")
        users.check_new_password(password)
        with self.store.session() as s:
            users.create_user(s, actor, username.strip(), name or username, role, district or "", password)

    def change_own_password(self, username: str, old: str, new: str) -> None:
        from yinhuan.store import users
        with self.store.session() as s:
            users.change_password(s, username, old, new)

    def reset_password(self, actor: str, username: str, new: str) -> None:
        from yinhuan.store import users
        with self.store.session() as s:
            users.set_password(s, actor, username, new)

    def set_role(self, actor: str, username: str, role: str, district: str | None) -> None:
        from yinhuan.store import users
        with self.store.session() as s:
            users.set_role(s, actor, username, role, district or "")

    def set_disabled(self, actor: str, username: str, disabled: bool) -> None:
        from yinhuan.store import users
        with self.store.session() as s:
            users.set_disabled(s, actor, username, disabled)


# ---- enterprises -------------------------------------------------------------------------------

def demo_evidence_files() -> list[Path]:
    ex = examples_dir()
    return sorted((ex / "enterprises").glob("*.yaml")) + sorted((ex / "bureau" / "evidence").glob("*.yaml"))


@dataclass
class Enterprise:
    credit_code: str
    name: str
    district: str
    sector: str
    profile: dict
    evidence: dict            # the latest evidence document, as loaded (raw, before normalising)
    source: str = ""


class StoreEnterprises:
    """The enterprises of the store (imported files, `check --db`, inspections finished here), with
    the latest evidence document kept for each, to pre-fill a new inspection."""

    def __init__(self, store):
        self.store = store

    @staticmethod
    def _plain(e, evidence: dict | None = None) -> Enterprise:
        return Enterprise(e.credit_code, e.name, e.district, e.sector, dict(e.profile or {}),
                          evidence or {"yinhuan_evidence": 1, "enterprise": dict(e.profile or {})}, "数据库")

    def list(self, district: str | None = None, q: str | None = None) -> list[Enterprise]:
        from sqlalchemy import select
        from yinhuan.store import models as m
        query = select(m.Enterprise).order_by(m.Enterprise.district, m.Enterprise.name)
        if district is not None:
            query = query.where(m.Enterprise.district == district)
        if q and q.strip():
            q = q.strip()
            query = query.where(m.Enterprise.name.contains(q) | m.Enterprise.credit_code.contains(q.upper()))
        with self.store.session() as s:
            return [self._plain(e) for e in s.scalars(query)]

    def get(self, code: str) -> Enterprise | None:
        from sqlalchemy import select
        from yinhuan.loader import parse_text
        from yinhuan.store import models as m
        with self.store.session() as s:
            e = s.scalar(select(m.Enterprise).where(m.Enterprise.credit_code == code))
            if e is None:
                return None
            best, when = None, ""
            for d in s.scalars(select(m.Document).where(m.Document.kind == "evidence").order_by(m.Document.id)):
                data = parse_text(d.content.decode("utf-8-sig"), d.filename).data
                if (data.get("enterprise") or {}).get("credit_code") != code:
                    continue
                day = str((data.get("inspection") or {}).get("date") or "")
                if best is None or day >= when:
                    best, when = data, day
            return self._plain(e, best)

    def districts(self) -> list[str]:
        from sqlalchemy import select
        from yinhuan.store import models as m
        with self.store.session() as s:
            return sorted(set(s.scalars(select(m.Enterprise.district))))


def demo_files() -> list[Path]:
    """The evidence and findings `serve --demo` imports into its store: the bundled enterprises and
    the bureau example's (its activity files: `demo_activity_files`)."""
    ex = examples_dir()
    return demo_evidence_files() + sorted((ex / "bureau").glob("findings-*.json"))


def demo_activity_files() -> dict[str, list[Path]]:
    """The bureau example's own activity records, per sector (`yinhuan import --sector`)."""
    ex = examples_dir() / "bureau"
    return {"工贸": sorted(ex.glob("activity-gongmao*")), "非煤矿山": sorted(ex.glob("activity-mine*"))}


# ---- inspections -------------------------------------------------------------------------------

def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


@dataclass
class Inspection:
    id: str
    credit_code: str
    enterprise: str
    district: str
    checklist: str
    mode: str
    created_by: str
    created_at: str
    form: dict = field(default_factory=dict)      # field name -> value, exactly as typed
    extra: dict = field(default_factory=dict)     # parts of an uploaded file the form has no field for
    saved_at: str = ""
    revision: int = 0
    status: str = "draft"                         # draft | finishing | finished
    finished: dict = field(default_factory=dict)  # evidence, findings, rulebook version, notice data


class Inspections:
    """The inspections entered here, in the store (yinhuan.store.webstate)."""

    def __init__(self, store):
        self.store = store

    def get(self, iid: str) -> Inspection | None:
        if not iid.isalnum():
            return None
        row = webstate.get_inspection(self.store, iid)
        return Inspection(**row) if row else None

    def new(self, **kw) -> Inspection:
        insp = Inspection(id=secrets.token_hex(8), created_at=now_iso(), **kw)
        webstate.add_inspection(self.store, insp.__dict__)
        return insp

    def save(self, insp: Inspection, form: dict, extra: dict | None = None) -> bool:
        """A new revision of the draft (False: it is no longer a draft, nothing was changed)."""
        saved_at = now_iso()
        revision = webstate.save_draft(self.store, insp.id, form, extra, saved_at)
        if revision is None:
            return False
        insp.form, insp.saved_at, insp.revision = form, saved_at, revision
        if extra is not None:
            insp.extra = extra
        return True

    def claim(self, iid: str) -> bool:
        return webstate.claim_for_finishing(self.store, iid)

    def release(self, iid: str) -> None:
        webstate.release_claim(self.store, iid)

    def finish(self, insp: Inspection, finished: dict) -> None:
        webstate.mark_finished(self.store, insp.id, finished)
        insp.status, insp.finished = "finished", finished

    def document(self, insp: Inspection, name: str, render) -> bytes:
        """A finished inspection's printed document, rendered once and kept: it is frozen, so a
        reprint is byte for byte the first print."""
        return webstate.document(self.store, insp.id, name, lambda: render(insp))

    def of_enterprise(self, code: str) -> list[Inspection]:
        return [Inspection(**row) for row in webstate.list_inspections(self.store, code)]


def import_file_drafts(store, db: str | None) -> list[str]:
    """Round 1 kept the web's inspections as files beside the database (`<db>.web/inspections/*.json`,
    with their printed PDFs). Bring any found into the store, once (an id already there is left alone),
    then rename the folder to `inspections.imported`, so no draft typed before the upgrade is lost."""
    if not db or "://" in db:
        return []
    folder = Path(db).with_name(Path(db).name + ".web") / "inspections"
    if not folder.is_dir():
        return []
    import json
    done = []
    for p in sorted(folder.glob("*.json")):
        values = json.loads(p.read_text(encoding="utf-8"))
        pdfs = {k: (folder / f"{values['id']}.{k}.pdf").read_bytes() for k in ("record", "notice")
                if (folder / f"{values['id']}.{k}.pdf").exists()}
        if webstate.add_inspection(store, Inspection(**values).__dict__, pdfs):
            done.append(values["id"])
    folder.rename(folder.with_name("inspections.imported"))
    return done
