"""Store fixtures: the same tests run on SQLite (a file in tmp) and on a real PostgreSQL server.

PostgreSQL: YINHUAN_TEST_PG (exported by .ci/run) if set; else a throw-away cluster started here
with tests/services.py for the session; else the PostgreSQL variant is skipped with a loud reason —
except under CI=true, where a missing server fails the run instead.

Import in a test module: `from store_fixtures import pg_server, store_db, db_kind  # noqa: F401`.
"""
from __future__ import annotations

import os
import uuid
import warnings

import pytest

import services


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A SQLAlchemy URL of a PostgreSQL server we may create databases on."""
    url = os.environ.get("YINHUAN_TEST_PG")
    if url:
        yield url
        return
    reason = None
    if services.pg_bindir() is None:
        reason = "未找到 PostgreSQL（Debian 软件包 postgresql）：PostgreSQL 上的存储测试被跳过；请安装或设置 YINHUAN_TEST_PG"
    else:
        for attempt in range(3):   # a port taken between choosing and binding: try another
            folder = tmp_path_factory.mktemp("pg") / "cluster"
            try:
                url = services.start_postgres(folder, services.free_port())
                reason = None
                break
            except Exception as exc:  # the server could not start: say why, with its log
                log = folder / "log"
                tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
                reason = f"无法启动 PostgreSQL 测试集群：{exc} {' '.join(tail)}"
                _stop_slow_start(folder)
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        warnings.warn(reason)
        pytest.skip(reason)
    try:
        yield url
    finally:
        services.stop_postgres(folder)


def _stop_slow_start(folder):
    """A start that timed out under load may still come up: wait for its pid file before stopping it,
    so no server is left running on a removed folder."""
    import time
    pid = folder / "data" / "postmaster.pid"
    for _ in range(30):
        if pid.exists() or not (folder / "data").exists():
            break
        time.sleep(0.5)
    services.stop_postgres(folder)


def _fresh_pg_database(server: str) -> str:
    from sqlalchemy import create_engine, text
    name = "t_" + uuid.uuid4().hex[:12]
    eng = create_engine(server, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request):
    return request.param


@pytest.fixture
def store_db(db_kind, request, tmp_path):
    """A fresh, empty --db value (not yet initialised), on SQLite or PostgreSQL."""
    if db_kind == "sqlite":
        return str(tmp_path / "yinhuan.db")
    server = request.getfixturevalue("pg_server")
    return _fresh_pg_database(server)
