"""Shared by the web tests: an app on a temporary state folder with the demo accounts, and a client
that signs in and carries the CSRF token like a browser would."""
from __future__ import annotations

import re

from yinhuan.web.app import create_app
from yinhuan.web.cli import DEMO_PASSWORD, import_demo, seed_demo_accounts

HUANCUI_ENT = "91371002MA3YH0001P"     # 威海环翠示例机械有限公司, 环翠区
WENDENG_ENT = "91371003MA3YW0001B"     # 威海文登示例铸造有限公司, 文登区
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def make_app(tmp_path, db_url: str | None = None, **kw):
    """An app over a fresh store (SQLite in tmp_path, or `db_url`: e.g. a fresh PostgreSQL database)."""
    from yinhuan.store import db
    store = db_url or str(tmp_path / "yinhuan.db")
    db.upgrade(store)
    app = create_app(db=store, **kw)
    seed_demo_accounts(app.extensions["yinhuan"]["accounts"])
    problems = [line for line in import_demo(app.extensions["yinhuan"]["store"]) if line.startswith("未导入")]
    assert not problems, problems
    return app


class Browser:
    """A test client that reads the CSRF token from each page, as the real forms do."""

    def __init__(self, app, user: str | None = None, password: str = DEMO_PASSWORD):
        self.c = app.test_client()
        self.token = ""
        self.get("/login")
        if user:
            r = self.post("/login", {"username": user, "password": password})
            assert r.status_code == 302, r.text
            self.get("/account")

    def _keep(self, r):
        m = _TOKEN.search(r.get_data(as_text=True)) if r.mimetype == "text/html" else None
        if m:
            self.token = m.group(1)
        return r

    def get(self, url, **kw):
        return self._keep(self.c.get(url, **kw))

    def post(self, url, data=None, token=True, **kw):
        data = dict(data or {})
        if token:
            data.setdefault("csrf_token", self.token)
        return self._keep(self.c.post(url, data=data, **kw))

    def start_inspection(self, code=HUANCUI_ENT, checklist="gongmao-2023", mode="部门检查") -> str:
        r = self.post(f"/enterprises/{code}/inspections", {"checklist": checklist, "mode": mode})
        assert r.status_code == 302, r.get_data(as_text=True)[:500]
        return r.location.rsplit("/", 1)[-1]
