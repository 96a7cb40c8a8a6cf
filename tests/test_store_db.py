"""The store's data layer: init/upgrade/status on SQLite and PostgreSQL, migrations matching the models,
users, and the hash-chained event log catching records changed outside the program."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from store_fixtures import db_kind, pg_server, store_db  # noqa: F401
from yinhuan.cli import main


def run(*args, code=0):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


def test_init_status_upgrade(store_db):
    out = run("db", "status", "--db", store_db, code=1)
    assert "未初始化" in out
    out = run("db", "init", "--db", store_db, "--user", "alice")
    assert "已初始化数据库" in out and "已登记管理员 alice" in out
    out = run("db", "status", "--db", store_db)
    from yinhuan.store.db import head_revision
    head = head_revision()      # the newest migration, whichever helper added it
    assert f"结构版本：{head}（最新 {head}）" in out and "用户：1" in out
    assert "已是最新结构版本" in run("db", "upgrade", "--db", store_db)
    assert "已存在" in run("db", "init", "--db", store_db)


def test_commands_refuse_a_store_not_initialised(tmp_path):
    r = CliRunner().invoke(main, ["users", "list", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 2 and "yinhuan db init" in r.output
    assert not (tmp_path / "none.db").exists()


def test_migrations_match_models(store_db):
    """The shipped Alembic migration creates exactly the tables the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from yinhuan.store import db as dbm
    from yinhuan.store.models import Base
    dbm.upgrade(store_db)
    store = dbm.connect(store_db)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode(tmp_path):
    db = tmp_path / "w.db"
    run("db", "init", "--db", db)
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_users_and_passwords(store_db):
    from yinhuan.store import db as dbm, users
    run("db", "init", "--db", store_db, "--user", "admin1")
    run("users", "add", "--db", store_db, "--user", "admin1", "zhang", "--name", "张三", "--role", "inspector",
        "--district", "环翠区", "--password", "s3cret")
    assert "zhang\t张三\t检查员\t环翠区" in run("users", "list", "--db", store_db)
    store = dbm.connect(store_db)
    with store.session() as s:
        assert users.authenticate(s, "zhang", "s3cret").display_name == "张三"
        assert users.authenticate(s, "zhang", "wrong") is None
        u = users.get_user(s, "zhang")
        assert "s3cret" not in u.password_hash
    r = CliRunner().invoke(main, ["users", "add", "--db", store_db, "zhang"])
    assert r.exit_code == 2 and "已存在" in r.output


def _tamper(store_db, sql):
    from yinhuan.store import db as dbm
    eng = dbm.get_engine(dbm.resolve_url(store_db))
    with eng.begin() as c:
        c.execute(text(sql))


@pytest.mark.parametrize("sql, message", [
    ("UPDATE users SET role = 'admin' WHERE username = 'li'", "在程序之外被改动"),
    ("DELETE FROM users WHERE username = 'li'", "在程序之外被删除"),
    ("UPDATE events SET actor = 'mallory' WHERE seq = 2", "内容被改动"),
    ("DELETE FROM events WHERE seq = 2", "被删除"),
    ("DELETE FROM events WHERE seq = 3", "末尾事件被删除"),
])
def test_verify_detects_changes_outside_the_program(store_db, sql, message):
    run("db", "init", "--db", store_db, "--user", "root")
    run("users", "add", "--db", store_db, "--user", "root", "li", "--role", "viewer")
    run("users", "add", "--db", store_db, "--user", "root", "wang", "--role", "viewer")
    assert "校验通过：3 个事件" in run("db", "verify", "--db", store_db)
    _tamper(store_db, sql)
    r = CliRunner().invoke(main, ["db", "verify", "--db", store_db])
    assert r.exit_code == 1 and message in r.output, r.output
