"""Where the store is and how to talk to it: one engine/session factory for SQLite and PostgreSQL.

`--db` takes a file path (SQLite; default `yinhuan.db` in the working directory), a `sqlite:///` URL
or a `postgresql://…` URL (driven by psycopg 3). Schema changes are Alembic migrations shipped inside
the package (yinhuan/store/migrations), so `yinhuan db upgrade` works after a plain `pip install .`
from any folder, and an upgrade never drops a record.

SQLite runs in WAL mode with every write transaction opened `BEGIN IMMEDIATE` and a generous busy
timeout: concurrent writers queue instead of failing with "database is locked" halfway through.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, select, func
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from yinhuan.errors import InputError

DEFAULT_FILE = "yinhuan.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def resolve_url(db: str | None) -> str:
    """--db value (or $YINHUAN_DB) -> SQLAlchemy URL. A bare path is a SQLite file."""
    db = db or os.environ.get("YINHUAN_DB") or DEFAULT_FILE
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if "://" in db:
        try:
            make_url(db)
        except ArgumentError:
            raise InputError(f"无法识别的数据库地址：{db}", field="--db") from None
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def display_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@lru_cache(maxsize=None)
def get_engine(url: str) -> Engine:
    """One engine per URL and process (connection pooling)."""
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(eng, "connect")
        def _connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None   # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return eng
    return create_engine(url, pool_pre_ping=True)


@dataclass
class Store:
    """An opened store: its URL and a session factory. Use `with store.session() as s:` for one
    transaction (committed on success, rolled back on any error)."""

    url: str
    engine: Engine
    Session: sessionmaker

    @contextmanager
    def session(self):
        with self.Session() as s:
            with s.begin():
                yield s

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


def connect(db: str | None = None, *, require_current: bool = True) -> Store:
    """Open the store at --db. With require_current, refuse a store that is missing or not upgraded,
    with the command that fixes it."""
    url = resolve_url(db)
    if url.startswith("sqlite") and require_current:
        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).exists():
            raise InputError(f"数据库不存在：{path}；请先运行 yinhuan db init", field="--db")
    eng = get_engine(url)
    store = Store(url=url, engine=eng, Session=sessionmaker(eng, expire_on_commit=False))
    if require_current:
        cur, head = revisions(store)
        if cur is None:
            raise InputError(f"数据库 {display_url(url)} 尚未初始化；请先运行 yinhuan db init", field="--db")
        if cur != head:
            raise InputError(f"数据库结构版本 {cur} 不是最新的 {head}；请先运行 yinhuan db upgrade", field="--db")
    return store


# ---- migrations ----------------------------------------------------------------------------

def _alembic_config(store: Store | None = None):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if store is not None:
        cfg.attributes["engine"] = store.engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(store: Store) -> str | None:
    from alembic.runtime.migration import MigrationContext
    try:
        with store.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise InputError(f"无法连接数据库 {display_url(store.url)}：{exc.orig}", field="--db") from None


def revisions(store: Store) -> tuple[str | None, str]:
    return current_revision(store), head_revision()


def upgrade(db: str | None = None) -> tuple[str | None, str]:
    """Bring the store to the newest schema (creating it if absent); returns (before, after)."""
    from alembic import command
    store = connect(db, require_current=False)
    before = current_revision(store)
    command.upgrade(_alembic_config(store), "head")
    after = current_revision(store)
    if before is None:
        from .events import ensure_head
        with store.session() as s:
            ensure_head(s)
    return before, after


def status(db: str | None = None) -> dict:
    """What `yinhuan db status` prints: where, schema revision, and how many of each record."""
    from . import models
    url = resolve_url(db)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).exists():
            return {"url": display_url(url), "revision": None, "head": head_revision(), "current": False,
                    "counts": {}}
    store = connect(db, require_current=False)
    cur, head = revisions(store)
    out = {"url": display_url(store.url), "revision": cur, "head": head, "current": cur == head, "counts": {}}
    if cur is not None:
        names = set(inspect(store.engine).get_table_names())
        with store.session() as s:
            for model in (models.Enterprise, models.Inspection, models.Finding, models.Hazard,
                          models.Activity, models.Document, models.User, models.PlanDraw, models.Event):
                if model.__tablename__ in names:
                    out["counts"][model.__tablename__] = s.scalar(select(func.count()).select_from(model))
    return out
