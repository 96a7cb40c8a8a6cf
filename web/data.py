"""What the web app reads and keeps, behind one small interface.

- Accounts (name, role, district, scrypt hash).
- Enterprises: their profile and their latest evidence, to pre-fill a new inspection.
- Inspections: a draft is the form exactly as typed (saved on every change, valid or not, so no
  answer is ever lost); finishing freezes the evidence, the findings, the checklist and the rulebook
  version, so editing rules later never changes a finished inspection.
- The bureau's inputs for the dispatch tables and the hazards for the charts.

The state lives in one folder (`state_dir`): JSON files written atomically. The system of record
(the store, issue 13) replaces the enterprise/inspection/hazard parts when it is installed; see
README "Web app" for what is wired to it.
"""
from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from yinhuan.atomic import write_bytes
from yinhuan.resources import examples_dir

from yinhuan.errors import InputError


@dataclass
class User:
    username: str
    role: str
    district: str | None = None
    name: str = ""
    password_hash: str = ""


class Accounts:
    """The accounts of the store (yinhuan.store.users: the `users` table, scrypt hashes), as the
    web app needs them. Writes go through the store's functions, so each is an audited event."""

    def __init__(self, store):
        self.store = store

    @staticmethod
    def _user(u) -> User:
        return User(u.username, u.role, u.district or None, u.display_name or u.username, u.password_hash or "")

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
        """Create an account; the web's own rules first (an inspector has a district, a password
        has 8 characters), then the store's (role known, name free)."""
        from yinhuan.store import users
        if role == "inspector" and not district:
            raise InputError("检查人员账号必须指定区市", field="district")
        if len(password) < 8:
            raise InputError("密码至少 8 位", field="password")
        with self.store.session() as s:
            users.create_user(s, actor, username.strip(), name or username, role, district or "", password)


# ---- enterprises -------------------------------------------------------------------------------

def demo_evidence_files() -> list[Path]:
    ex = examples_dir()
    return sorted((ex / "enterprises").glob("*.yaml")) + sorted((ex / "bureau" / "evidence").glob("*.yaml"))


def bureau_demo_inputs() -> dict[str, list[Path]]:
    """The bundled bureau example (examples/bureau): per dispatch table, the inputs `tally` reads."""
    ex = examples_dir() / "bureau"
    return {"gongmao-2023": sorted(ex.glob("*gongmao*")) + sorted((ex / "evidence").glob("gm-*.yaml")),
            "mine-2023": sorted(ex.glob("*mine*")) + sorted((ex / "evidence").glob("mine-*.yaml"))}


@dataclass
class Enterprise:
    credit_code: str
    name: str
    district: str
    sector: str
    profile: dict
    evidence: dict            # the latest evidence document, as loaded (raw, before normalising)
    source: str = ""


class Enterprises:
    """Enterprises known from evidence files (the demo data, or files given with --evidence)."""

    def __init__(self, files: list[Path] | None = None):
        from yinhuan.loader import load_file
        self.by_code: dict[str, Enterprise] = {}
        for f in files if files is not None else demo_evidence_files():
            doc = load_file(f)
            data = doc.data
            ent = data.get("enterprise") or {}
            code = ent.get("credit_code")
            if not code:
                continue
            when = str((data.get("inspection") or {}).get("date") or "")
            old = self.by_code.get(code)
            if old is None or when >= str((old.evidence.get("inspection") or {}).get("date") or ""):
                self.by_code[code] = Enterprise(code, ent.get("name", code), ent.get("district", ""),
                                                ent.get("sector", ""), ent, data, str(f))

    def list(self, district: str | None = None, q: str | None = None) -> list[Enterprise]:
        out = [e for e in self.by_code.values() if district is None or e.district == district]
        if q:
            q = q.strip()
            out = [e for e in out if q in e.name or q.upper() in e.credit_code]
        return sorted(out, key=lambda e: (e.district, e.name))

    def get(self, code: str) -> Enterprise | None:
        return self.by_code.get(code)

    def districts(self) -> list[str]:
        return sorted({e.district for e in self.by_code.values()})


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
    """What `serve --demo` imports into its store: the bundled enterprises and the bureau example's
    evidence and findings (the activity files stay with the dispatch tables, see bureau_demo_inputs)."""
    ex = examples_dir()
    return demo_evidence_files() + sorted((ex / "bureau").glob("findings-*.json"))


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
    status: str = "draft"                         # draft | finished
    finished: dict = field(default_factory=dict)  # evidence, findings, rulebook version, notice data


class Inspections:
    """One JSON file per inspection in `inspections/` of the state folder."""

    def __init__(self, state_dir: Path):
        self.dir = Path(state_dir) / "inspections"
        self._lock = threading.Lock()
        # held by a request that reads, changes and writes an inspection, so an autosave racing the
        # 完成检查 click cannot write the draft back over the finished inspection
        self._editing: dict[str, threading.RLock] = {}

    def editing(self, iid: str) -> threading.RLock:
        """The lock of one inspection (see above)."""
        with self._lock:
            return self._editing.setdefault(iid, threading.RLock())

    def _path(self, iid: str) -> Path:
        if not iid.isalnum():
            raise KeyError(iid)
        return self.dir / f"{iid}.json"

    def get(self, iid: str) -> Inspection | None:
        try:
            p = self._path(iid)
        except KeyError:
            return None
        if not p.exists():
            return None
        return Inspection(**json.loads(p.read_text(encoding="utf-8")))

    def put(self, insp: Inspection) -> None:
        with self._lock:
            write_bytes(self._path(insp.id), json.dumps(asdict(insp), ensure_ascii=False, indent=1, default=str))

    def new(self, **kw) -> Inspection:
        insp = Inspection(id=secrets.token_hex(8), created_at=now_iso(), **kw)
        self.put(insp)
        return insp

    def document(self, insp: Inspection, name: str, render) -> bytes:
        """A finished inspection's printed document, rendered once and kept: it is frozen, so a
        reprint is byte for byte the first print."""
        p = self.dir / f"{insp.id}.{name}.pdf"
        if not p.exists():
            write_bytes(p, render(insp))
        return p.read_bytes()

    def all(self) -> list[Inspection]:
        if not self.dir.exists():
            return []
        out = [Inspection(**json.loads(p.read_text(encoding="utf-8"))) for p in self.dir.glob("*.json")]
        return sorted(out, key=lambda i: i.created_at, reverse=True)

    def of_enterprise(self, code: str) -> list[Inspection]:
        return [i for i in self.all() if i.credit_code == code]


def default_state_dir(db: str | None) -> Path:
    """The web app's own state folder beside the database file (or ./yinhuan-web)."""
    if db and "://" not in db:
        p = Path(db)
        return p.with_name(p.name + ".web")
    return Path(os.environ.get("YINHUAN_WEB_STATE", "yinhuan-web"))


def today() -> date:
    return date.today()
