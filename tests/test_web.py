"""HTTP-level tests of the web app: every route against every role, the district wall, CSRF,
cookies, the login limit, error pages, uploads, the evidence form and its findings, finishing and
the PDFs, and the bureau's tables against the CLI's own numbers."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import pytest

from yinhuan.web import access, bureau, inspect
from yinhuan.web.data import demo_files
from yinhuan.web.security import LoginLimiter, check_login

from store_fixtures import db_kind, pg_server, store_db  # noqa: F401
from yinhuan.web.app import create_app
from web_helpers import HUANCUI_ENT, WENDENG_ENT, Browser, make_app

ROLES = ("anonymous", "inspector", "admin", "viewer")
USER_OF = {"inspector": "huancui", "admin": "admin", "viewer": "viewer", "anonymous": None}


@pytest.fixture()
def app(tmp_path, store_db):
    """The app over a fresh store: every test here runs on SQLite and on PostgreSQL."""
    return make_app(tmp_path, store_db)


def _store_inspection(app, district):
    from sqlalchemy import select
    from yinhuan.store import models as m
    with app.extensions["yinhuan"]["store"].session() as s:
        return s.scalars(select(m.Inspection.id).join(m.Enterprise).where(m.Enterprise.district == district)
                         .order_by(m.Inspection.id)).first()


def _hazard_of(app, district):
    from datetime import date
    from yinhuan.store import service
    return service.list_hazards(app.extensions["yinhuan"]["store"], as_of=date.today(), district=district)[0]


def _finished(b: Browser, code=HUANCUI_ENT) -> str:
    iid = b.start_inspection(code)
    r = b.post(f"/inspections/{iid}/finish", {"deadline": "2023年12月31日"})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    return iid


# ---- the route × role table -------------------------------------------------------------------

A, I, AD, V = "anonymous", "inspector", "admin", "viewer"
SIGNED = {I, AD, V}
TABLE = [  # (endpoint, method, url, roles allowed)
    ("static", "GET", "/static/app.css", {A} | SIGNED),
    ("static", "GET", "/static/app.js", {A} | SIGNED),
    ("home", "GET", "/", {A} | SIGNED),
    ("login", "GET", "/login", {A} | SIGNED),
    ("account", "GET", "/account", SIGNED),
    ("enterprises", "GET", "/enterprises", SIGNED),
    ("enterprise", "GET", "/enterprises/{own}", SIGNED),
    ("inspection_new", "POST", "/enterprises/{own}/inspections", {I}),
    ("inspection", "GET", "/inspections/{draft}", SIGNED),
    ("inspection_save", "POST", "/inspections/{draft}/save", {I}),
    ("inspection_upload", "POST", "/inspections/{draft}/upload", {I}),
    ("inspection_finish", "POST", "/inspections/{draft}/finish", {I}),
    ("inspection_pdf", "GET", "/inspections/{done}/record.pdf", SIGNED),
    ("record", "GET", "/records/{rec}", SIGNED),
    ("rule", "GET", "/rules/GM-6-NO-PAPER-ONLY", SIGNED),
    ("tables", "GET", "/bureau/tables", SIGNED),
    ("table_explain", "GET", "/bureau/tables/explain?metric={metric}&district=环翠区", SIGNED),
    ("table_download", "GET", "/bureau/tables/download", {AD, V}),
    ("charts", "GET", "/bureau/charts", {AD, V}),
    ("hazards", "GET", "/hazards", SIGNED),
    ("hazard", "GET", "/hazards/{hz}", SIGNED),
    ("hazard_move", "POST", "/hazards/{hz}/move", {I, AD}),
    ("hazard_supervise", "POST", "/hazards/{hz}/supervise", {I, AD}),
    ("hazard_extend", "POST", "/hazards/{hz}/extend", {AD}),
    ("admin_access", "GET", "/admin/access", {AD}),
    ("admin_users", "GET", "/admin/users", {AD}),
    ("admin_users", "POST", "/admin/users", {AD}),
    ("admin_user_password", "POST", "/admin/users/viewer/password", {AD}),
    ("admin_user_disable", "POST", "/admin/users/viewer/disable", {AD}),
    ("admin_user_role", "POST", "/admin/users/viewer/role", {AD}),      # (no role sent: refused with 400)
    ("account_password", "POST", "/account/password", SIGNED),
    ("login", "POST", "/login", {A} | SIGNED),
    ("logout", "POST", "/logout", SIGNED),      # last: it signs the client out
]


def test_the_table_lists_every_route_and_method(app):
    have = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods if m in ("GET", "POST")}
    listed = {(e, m) for e, m, _, _ in TABLE}
    assert have == listed, f"routes missing from the access table: {have - listed}; stale: {listed - have}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request, tmp_path_factory):
    """One app for the whole table (on SQLite, then on PostgreSQL): an own-district draft, a finished
    inspection, a hazard."""
    db_url = None
    if request.param == "postgresql":
        from store_fixtures import _fresh_pg_database
        db_url = _fresh_pg_database(request.getfixturevalue("pg_server"))
    app = make_app(tmp_path_factory.mktemp("routes"), db_url)
    owner = Browser(app, "huancui")
    h = _hazard_of(app, "环翠区")
    tallies = app.extensions["yinhuan"]["tallies"]
    return app, {"own": HUANCUI_ENT, "draft": owner.start_inspection(), "done": _finished(owner),
                 "metric": bureau.table(tallies, "gongmao-2023", "2023-06", False).data["columns"][0]["metric"],
                 "hz": h["id"], "rec": _store_inspection(app, "环翠区")}


@pytest.mark.parametrize("role", ROLES)
def test_every_route_against_every_role(shared, role):
    app, fixtures = shared
    b = Browser(app, USER_OF[role])
    for endpoint, method, url, allowed in TABLE:
        url = url.format(**fixtures)
        r = b.get(url) if method == "GET" else b.post(url, {"deadline": "不是日期"} if "finish" in url else {})
        refused = r.status_code == 403 or (r.status_code == 302 and r.location.startswith("/login")
                                          and endpoint not in ("home", "logout"))
        assert refused == (role not in allowed), (role, method, url, r.status_code, r.location)
        if role not in allowed and role != "anonymous":
            assert r.status_code == 403
        if role == "anonymous" and role not in allowed:
            assert (r.status_code, method) in ((302, "GET"), (403, "POST"))


def test_narrower_deny_wins_and_default_is_deny():
    d = access.decide("inspection_save", "POST", "viewer")
    assert not d.allowed and "只读账号不能修改任何数据" in d.summary
    broad = access.Rule(("*",), ("viewer",), "allow", "everything")
    narrow = access.Rule(("charts",), ("viewer",), "deny", "no charts")
    assert not access.decide("charts", "GET", "viewer", policy=(broad, narrow)).allowed
    assert access.decide("tables", "GET", "viewer", policy=(broad, narrow)).allowed
    assert not access.decide("no_such_route", "GET", "admin").allowed
    assert "默认拒绝" in access.decide("no_such_route", "GET", "admin").summary


# ---- the district wall ------------------------------------------------------------------------

def test_huancui_inspector_cannot_read_or_change_wendeng(app, tmp_path):
    wendeng = Browser(app, "wendeng")
    w_draft = wendeng.start_inspection(WENDENG_ENT)
    w_done = _finished(wendeng, WENDENG_ENT)
    wh = _hazard_of(app, "文登区")
    w_rec = _store_inspection(app, "文登区")
    insps = app.extensions["yinhuan"]["inspections"]
    before = insps.get(w_draft)

    hc = Browser(app, "huancui")
    listing = hc.get("/enterprises").get_data(as_text=True)
    assert "威海环翠示例机械有限公司" in listing and "文登" not in listing
    by_code = hc.get("/enterprises?q=91371002MA3YH000").get_data(as_text=True).split("<tbody>")[1]
    assert "威海环翠示例机械有限公司" in by_code and "文登" not in by_code
    assert "文登" not in hc.get("/enterprises?q=文登").get_data(as_text=True).split("<tbody>")[1]
    assert "文登" not in hc.get("/hazards").get_data(as_text=True).split("<tbody>")[1]
    assert "文登" not in hc.get("/hazards?district=文登区").get_data(as_text=True).split("<tbody>")[1]
    for url in (f"/enterprises/{WENDENG_ENT}", f"/inspections/{w_draft}", f"/inspections/{w_done}",
                f"/inspections/{w_done}/record.pdf", f"/inspections/{w_done}/notice.pdf", f"/records/{w_rec}",
                f"/hazards/{wh['id']}", "/bureau/tables/download", "/bureau/charts", "/admin/access",
                "/bureau/tables/explain?metric=major_found&district=文登区",
                "/bureau/tables/explain?metric=major_found"):
        assert hc.get(url).status_code == 403, url
    # the dispatch table: only the inspector's own district's row, no city total
    page = hc.get("/bureau/tables?cumulative=1").get_data(as_text=True).split("<tbody>")[1]
    rows = re.findall(r"<tr[^>]*><th>([^<]+)</th>", page)
    assert rows == ["环翠区"], rows
    evil = {"p.name": "篡改", "p.district": "环翠区", "deadline": "2023-12-31"}
    for url in (f"/enterprises/{WENDENG_ENT}/inspections", f"/inspections/{w_draft}/save",
                f"/inspections/{w_draft}/finish", f"/hazards/{wh['id']}/move", f"/hazards/{wh['id']}/supervise"):
        assert hc.post(url, evil | {"checklist": "gongmao-2023", "mode": "部门检查"}).status_code == 403, url
    r = hc.post(f"/inspections/{w_draft}/upload",
                {"file": (io.BytesIO(b"yinhuan_evidence: 1\n"), "x.yaml")}, content_type="multipart/form-data")
    assert r.status_code == 403
    # and an upload into one's own inspection cannot smuggle in the other district's enterprise
    own = hc.start_inspection(HUANCUI_ENT)
    other = next(p for p in demo_files() if WENDENG_ENT in p.read_text(encoding="utf-8")).read_bytes()
    r = hc.post(f"/inspections/{own}/upload", {"file": (io.BytesIO(other), "w.yaml")},
                content_type="multipart/form-data")
    assert r.status_code == 400 and "不一致" in r.get_data(as_text=True)
    after = insps.get(w_draft)
    assert after == before


def test_admin_sees_why(app):
    admin = Browser(app, "admin")
    other = create_app(db=app.extensions["yinhuan"]["store"].url)   # another server on the same store
    Browser(other, "huancui").get(f"/enterprises/{WENDENG_ENT}")     # a refusal to show, made over there
    page = admin.get(f"/admin/access?user=huancui&method=GET&path=/enterprises/{WENDENG_ENT}").get_data(as_text=True)
    why = re.search(r'<p class="why deny" id="why">(.*?)</p>', page, re.S).group(1)
    assert "拒绝" in why and "文登区" in why and "环翠区" in why
    page = admin.get(f"/admin/access?user=huancui&method=GET&path=/enterprises/{HUANCUI_ENT}").get_data(as_text=True)
    assert '<p class="why allow"' in page
    assert f"GET /enterprises/{WENDENG_ENT}" in page    # the recent refusal, with its reason
    page = admin.get("/admin/access?user=viewer&method=POST&path=/admin/users").get_data(as_text=True)
    assert "只读账号不能修改任何数据" in page


# ---- sessions, CSRF, passwords, errors ----------------------------------------------------------

def test_csrf_is_required_on_every_form(app):
    b = Browser(app, "huancui")
    assert b.post(f"/enterprises/{HUANCUI_ENT}/inspections", {"checklist": "gongmao-2023", "mode": "部门检查"},
                  token=False).status_code == 400
    assert b.post(f"/enterprises/{HUANCUI_ENT}/inspections", {"checklist": "gongmao-2023", "mode": "部门检查",
                                                              "csrf_token": "forged"}).status_code == 400
    anon = Browser(app)
    assert anon.post("/login", {"username": "admin", "password": "yinhuan-demo"}, token=False).status_code == 400


def test_cookie_is_httponly_and_samesite(app):
    r = app.test_client().get("/login")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_accounts_live_in_the_store_with_salted_scrypt(app):
    admin = Browser(app, "admin")
    r = admin.post("/admin/users", {"username": "rongcheng", "password": "long-enough", "role": "inspector",
                                    "district": "荣成市", "name": "荣成检查员"})
    assert r.status_code == 302
    accounts = app.extensions["yinhuan"]["accounts"]
    u, other = accounts.get("rongcheng"), accounts.get("huancui")
    assert u.district == "荣成市" and u.password_hash.startswith("scrypt$")
    assert u.password_hash.split("$")[4] != other.password_hash.split("$")[4]      # salted
    assert check_login("long-enough", u.password_hash) and not check_login("wrong", u.password_hash)
    assert not check_login("long-enough", None)
    assert Browser(app, "rongcheng", "long-enough").get("/enterprises").status_code == 200
    for bad in ({"role": "inspector", "district": ""}, {"password": "short"}, {"role": "root"},
                {"username": "rongcheng"}):
        form = {"username": "x1", "password": "long-enough", "role": "viewer", "district": ""} | bad
        assert admin.post("/admin/users", form).status_code == 400, bad


def _from(server, address):
    c = Browser(server)
    c.c.environ_base["REMOTE_ADDR"] = address
    return c


def test_login_is_rate_limited_across_servers(app):
    """Failures are counted in the store: a second server on the same store refuses too, per account
    (whatever the address) and per client address (whatever the account)."""
    other = create_app(db=app.extensions["yinhuan"]["store"].url)
    for n in range(5):
        r = _from(app if n % 2 else other, f"10.0.0.{n}").post("/login", {"username": "admin", "password": "wrong"})
        assert r.status_code == 401
    for server in (app, other):
        r = _from(server, "10.0.1.1").post("/login", {"username": "admin", "password": "yinhuan-demo"})
        assert r.status_code == 429 and "次数过多" in r.get_data(as_text=True)
    for n in range(5):
        r = _from(app if n % 2 else other, "10.9.9.9").post("/login", {"username": f"nobody{n}", "password": "x"})
        assert r.status_code == 401
    assert _from(other, "10.9.9.9").post("/login", {"username": "viewer", "password": "yinhuan-demo"}
                                         ).status_code == 429
    assert _from(other, "10.9.9.8").post("/login", {"username": "viewer", "password": "yinhuan-demo"}
                                         ).status_code == 302


def test_limiter_window_passes(app):
    from datetime import datetime, timedelta
    now = [datetime(2023, 6, 1, 12, 0)]
    lim = LoginLimiter(app.extensions["yinhuan"]["store"], limit=2, window=60, clock=lambda: now[0])
    lim.failed("k")
    lim.failed("k")
    assert lim.blocked("k") > 0 and lim.blocked("other") == 0
    now[0] += timedelta(seconds=61)
    assert lim.blocked("k") == 0
    lim.failed("k")
    lim.failed("k")
    lim.succeeded("k")
    assert lim.blocked("k") == 0


def test_a_crash_is_a_friendly_page_and_a_log_line(app, monkeypatch, caplog):
    b = Browser(app, "huancui")
    iid = b.start_inspection()

    def boom(*a, **k):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(inspect, "findings_for", boom)
    r = b.get(f"/inspections/{iid}")
    text = r.get_data(as_text=True)
    assert r.status_code == 500 and "系统出错了" in text
    assert "Traceback" not in text and "secret internals" not in text
    assert any("unhandled error" in rec.message for rec in caplog.records)
    assert b.get("/no/such/page").status_code == 404


# ---- the inspector's form ----------------------------------------------------------------------

def _save(b, iid, fields):
    r = b.post(f"/inspections/{iid}/save", fields, headers={"X-Requested-With": "fetch"})
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()


def test_form_is_generated_from_the_schema(app):
    b = Browser(app, "huancui")
    page = b.get(f"/inspections/{b.start_inspection()}").get_data(as_text=True)
    # enums are drop-downs, arrays of enums check boxes, nested objects dotted columns
    assert re.search(r'<select name="p.industry"[^>]*>.*<option selected>机械</option>', page, re.S)
    assert 'type="checkbox" name="p.domains" value="粉尘涉爆"' in page
    assert 'name="r.permits.0.kind"' in page and "<option>动火</option>" in page
    assert 'name="r.hazards.0.five_in_place.deadline"' in page
    assert 'name="r.obs:疏散出口.0.place"' in page
    assert 'name="a.GM-6-NO-PAPER-ONLY.answer" value="不适用"' in page


def test_findings_update_and_dates_in_every_form(app):
    b = Browser(app, "huancui")
    iid = b.start_inspection()
    form = app.extensions["yinhuan"]["inspections"].get(iid).form
    base = dict(form)
    base["i.date"] = "2023.10.12"
    j = _save(b, iid, base)
    assert "证据有误" not in j["html"]
    first = re.search(r'class="summary">(.*?)</p>', j["html"], re.S).group(1)
    # the answer to a judgement item changes the findings as it is typed
    j2 = _save(b, iid, base | {"a.GM-6-NO-PAPER-ONLY.answer": "是", "a.GM-6-NO-PAPER-ONLY.note": "记录与现场不符"})
    assert re.search(r'data-rule="GM-6-NO-PAPER-ONLY">\s*<div class="ftitle"><span class="badge fail">不符合', j2["html"])
    assert "记录与现场不符" in j2["html"]
    assert re.search(r'class="summary">(.*?)</p>', j2["html"], re.S).group(1) != first
    # 不符合 groups come first
    statuses = re.findall(r'<summary><span class="badge (\w+)">', j2["html"])
    assert statuses[0] == "fail"
    # 2023年6月6日 is a date; 2023-13-01 is refused, naming the field, and the draft keeps it
    j3 = _save(b, iid, base | {"i.date": "2023年10月12日", "r.meetings.9.kind": "学习判定标准",
                               "r.meetings.9.date": "2023-13-01"})
    assert "不存在的日期" in j3["html"] and 'data-field="r.meetings.9.date"' in j3["html"]
    assert app.extensions["yinhuan"]["inspections"].get(iid).form["r.meetings.9.date"] == "2023-13-01"
    j4 = _save(b, iid, base | {"i.date": "2023年10月12日", "p.employees": "很多"})
    assert "应为数字" in j4["html"]


def test_no_js_save_redirects_and_keeps_everything(app):
    b = Browser(app, "huancui")
    iid = b.start_inspection()
    r = b.post(f"/inspections/{iid}/save", {"p.name": "威海环翠示例机械有限公司", "r.documents.0.kind": "排查整治方案"})
    assert r.status_code == 302
    stored = app.extensions["yinhuan"]["inspections"].get(iid)
    assert stored.form["r.documents.0.kind"] == "排查整治方案" and stored.revision == 1


def test_upload_uses_the_safe_loader_and_limits_size(app):
    b = Browser(app, "huancui")
    iid = b.start_inspection()
    src = next(p for p in demo_files() if HUANCUI_ENT in p.read_text(encoding="utf-8"))
    r = b.post(f"/inspections/{iid}/upload", {"file": (io.BytesIO(src.read_bytes()), "e.yaml")},
               content_type="multipart/form-data")
    assert r.status_code == 302
    bad = src.read_text(encoding="utf-8").replace("inspection:", "inspection:\n  bogus: 1\n  _x: &a [1]\n  _y: *a\n", 1)
    r = b.post(f"/inspections/{iid}/upload", {"file": (io.BytesIO(bad.encode()), "bad.yaml")},
               content_type="multipart/form-data")
    assert r.status_code == 400 and "bad.yaml" in r.get_data(as_text=True)
    r = b.post(f"/inspections/{iid}/upload", {"file": (io.BytesIO(b"x" * (3 * 1024 * 1024)), "big.yaml")},
               content_type="multipart/form-data")
    assert r.status_code == 413 and "过大" in r.get_data(as_text=True)
    r = b.post(f"/inspections/{iid}/upload", {"file": (io.BytesIO(b"MZ"), "x.exe")},
               content_type="multipart/form-data")
    assert r.status_code == 400
    r = b.post(f"/inspections/{iid}/upload", {"file": (io.BytesIO(b"not a zip"), "self-check.xlsx")},
               content_type="multipart/form-data")
    assert r.status_code == 400 and "self-check.xlsx" in r.get_data(as_text=True) or "工作簿" in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_finish_freezes_findings_and_prints_pdfs(app, monkeypatch, tmp_path):
    b = Browser(app, "huancui")
    iid = b.start_inspection()
    form = dict(app.extensions["yinhuan"]["inspections"].get(iid).form)
    form |= {"i.date": "2023-10-12", "a.GM-6-NO-PAPER-ONLY.answer": "是"}
    r = b.post(f"/inspections/{iid}/finish", form | {"deadline": "2023年11月30日"})
    assert r.status_code == 302
    insp = app.extensions["yinhuan"]["inspections"].get(iid)
    from yinhuan.store.checkrun import rulebook_version
    assert insp.status == "finished" and insp.finished["rulebook_version"] == rulebook_version()
    assert insp.finished["deadline"] == "2023-11-30"
    # rules edited later (simulated: the engine now says something else) do not change it
    monkeypatch.setattr(inspect, "findings_for", lambda *a, **k: pytest.fail("a finished inspection was re-run"))
    page = b.get(f"/inspections/{iid}").get_data(as_text=True)
    assert "已完成" in page and "disabled" in page
    assert b.post(f"/inspections/{iid}/save", {"p.name": "x"}).status_code == 400
    for doc, words in (("record", ("安全生产检查记录", "检查人员（签字）", "GM-6-NO-PAPER-ONLY")),
                       ("notice", ("责令限期整改通知书", "2023年11月30日", "依据", "被检查单位负责人（签收）",
                                   "2023年8月31日（已逾期，请立即整改）"))):
        r = b.get(f"/inspections/{iid}/{doc}.pdf")
        assert r.status_code == 200 and r.data[:5] == b"%PDF-"
        if shutil.which("pdftotext"):
            p = tmp_path / f"{doc}.pdf"
            p.write_bytes(r.data)
            text = subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True).stdout
            for w in words:
                assert w in re.sub(r"\s+", "", text), (doc, w)
    # the record lists every finding: each 不符合/证据不足/未到期 in full, 符合 and 不适用 in one compact table
    p = tmp_path / "record.pdf"
    if shutil.which("pdftotext") and p.exists():
        text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True).stdout)
        findings = insp.finished["findings"]
        by = {st: [f for f in findings if f["status"] == st] for st in ("不符合", "证据不足", "未到期", "符合", "不适用")}
        for f in by["不符合"] + by["证据不足"] + by["未到期"]:
            assert f"【{f['status']}】" in text and f["rule"] in text, f["rule"]
        shown = [int(n) for n in re.findall(r"项目(?:（[^）]*）)?（(\d+)项）", text)]
        assert sum(shown) == len(findings) and f"（{len(by['符合']) + len(by['不适用'])}项）" in text
        assert f"不符合的项目（{len(by['不符合'])}项）" in text


def test_finish_refuses_bad_evidence(app):
    b = Browser(app, "huancui")
    iid = b.start_inspection()
    r = b.post(f"/inspections/{iid}/finish", {"p.name": "x", "deadline": "2023-12-31"})
    assert r.status_code == 400 and "不能完成检查" in r.get_data(as_text=True)
    assert app.extensions["yinhuan"]["inspections"].get(iid).status == "draft"


# ---- the bureau --------------------------------------------------------------------------------

def _cli(*args):
    """The CLI's own command, in process (the same code `yinhuan tally` runs)."""
    from click.testing import CliRunner
    from yinhuan.cli import main
    from types import SimpleNamespace
    res = CliRunner().invoke(main, list(args))
    return SimpleNamespace(returncode=res.exit_code, stdout=res.output, stderr=res.output)


def _web_cells(page: str) -> list[str]:
    return [v for _, v in re.findall(r'data-metric="([^"]+)">([^<]*)</a>', page)]


def _tally_db(app, tmp_path, checklist, period, cumulative=True) -> dict:
    """`yinhuan tally --db` on the app's own store, as JSON."""
    out = tmp_path / f"{checklist}-{period}-{cumulative}"
    res = _cli("tally", "--checklist", checklist, "--period", period, *(["--cumulative"] if cumulative else []),
               "--format", "json", "--out", str(out), "--db", app.extensions["yinhuan"]["store"].url)
    assert res.returncode == 0, res.stderr
    return json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))


def _expected_cells(want: dict) -> list[str]:
    return [str(r["values"][c["metric"]]) for r in want["rows"] for c in want["columns"]]


def test_tables_are_tally_db_and_cells_explain(app, tmp_path):
    import html
    b = Browser(app, "viewer")
    for checklist in ("gongmao-2023", "mine-2023"):
        page = b.get(f"/bureau/tables?checklist={checklist}&period=2023-06&cumulative=1").get_data(as_text=True)
        want = _tally_db(app, tmp_path, checklist, "2023-06")
        assert _web_cells(page) == _expected_cells(want), checklist
        assert any(v not in ("0", "否", "0.0") for v in _expected_cells(want)), "the demo store counts nothing"
        # each cell links to what `tally --explain` prints on the same store
        metric = want["columns"][0]["metric"]
        district = want["rows"][0]["district"]
        ex = b.get(f"/bureau/tables/explain?checklist={checklist}&period=2023-06&cumulative=1&metric={metric}"
                   f"&district={district}").get_data(as_text=True)
        cli = _cli("tally", "--checklist", checklist, "--period", "2023-06", "--cumulative", "--explain", metric,
                   "--district", district, "--db", app.extensions["yinhuan"]["store"].url)
        assert cli.returncode == 0, cli.stderr
        assert cli.stdout.strip() in html.unescape(ex)


def test_an_inspection_finished_in_the_browser_counts_at_once(app, tmp_path):
    """Finish a 部门检查 dated in July: the July table (web and `tally --db`) counts the enterprise, and its
    cell explains itself with links to the enterprise, the stored inspection and the rules."""
    viewer = Browser(app, "viewer")
    url = "/bureau/tables?checklist=gongmao-2023&period=2023-07"
    before = _web_cells(viewer.get(url).get_data(as_text=True))
    assert before == _expected_cells(_tally_db(app, tmp_path, "gongmao-2023", "2023-07", False))
    hc = Browser(app, "huancui")
    iid = hc.start_inspection()
    form = dict(app.extensions["yinhuan"]["inspections"].get(iid).form) | {"i.date": "2023-07-10",
                                                                           "a.GM-6-NO-PAPER-ONLY.answer": "是"}
    assert hc.post(f"/inspections/{iid}/finish", form | {"deadline": "2023-08-31"}).status_code == 302
    page = viewer.get(url).get_data(as_text=True)
    want = _tally_db(app, tmp_path / "after", "gongmao-2023", "2023-07", False)
    assert _web_cells(page) == _expected_cells(want) != before
    row = next(r for r in want["rows"] if r["district"] == "环翠区")
    assert row["values"]["checked_enterprises"] == 1
    ex = viewer.get("/bureau/tables/explain?checklist=gongmao-2023&period=2023-07&metric=checked_enterprises"
                    "&district=环翠区").get_data(as_text=True)
    assert f'href="/enterprises/{HUANCUI_ENT}"' in ex
    rec = re.search(r'href="/records/(\d+)" class="insp"', ex).group(1)
    assert f'href="/records/{rec}"' in viewer.get(f"/enterprises/{HUANCUI_ENT}").get_data(as_text=True)
    record = viewer.get(f"/records/{rec}").get_data(as_text=True)
    assert f'href="/inspections/{iid}"' in record and "2023年7月10日" in record and "GM-6-NO-PAPER-ONLY" in record
    # a 不符合 cell names the rule behind it, and the rule's page says what it checks
    failing = [c["metric"] for c in want["columns"] if str(row["values"][c["metric"]]) not in ("0", "否")
               and c["metric"] != "checked_enterprises"]
    links = set()
    for metric in failing:
        links |= set(re.findall(r'href="/rules/([^"]+)" class="rule"', viewer.get(
            f"/bureau/tables/explain?checklist=gongmao-2023&period=2023-07&metric={metric}&district=环翠区"
        ).get_data(as_text=True)))
    assert "GM-6-NO-PAPER-ONLY" in links, failing
    rule = viewer.get("/rules/GM-6-NO-PAPER-ONLY").get_data(as_text=True)
    assert "工贸方案 二（一）6" in rule and "纸面落实" in rule
    # the inspector sees the same explanation for their own district, not another's
    assert hc.get("/bureau/tables/explain?checklist=gongmao-2023&period=2023-07&metric=checked_enterprises"
                  "&district=环翠区").status_code == 200
    assert hc.get(f"/records/{rec}").status_code == 200


def test_workbook_download_and_charts(app, tmp_path):
    b = Browser(app, "admin")
    r = b.get("/bureau/tables/download?checklist=gongmao-2023&period=2023-06&cumulative=1")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    # the workbook is `tally --db`'s, byte for byte but for the file's own timestamps: same cells
    import openpyxl
    out = tmp_path / "cli"
    res = _cli("tally", "--checklist", "gongmao-2023", "--period", "2023-06", "--cumulative", "--format", "xlsx",
               "--out", str(out), "--db", app.extensions["yinhuan"]["store"].url)
    assert res.returncode == 0, res.stderr

    def cells(wb):
        return [[c.value for c in row] for ws in wb.worksheets for row in ws.iter_rows()]
    got = openpyxl.load_workbook(io.BytesIO(r.data))
    assert cells(got) == cells(openpyxl.load_workbook(next(out.glob("*.xlsx"))))
    web = _web_cells(b.get("/bureau/tables?checklist=gongmao-2023&period=2023-06&cumulative=1").get_data(as_text=True))
    flat = [str(v) for row in cells(got) for v in row if v is not None]
    assert all(v in flat for v in web if v not in ("0",))
    page = b.get("/bureau/charts").get_data(as_text=True)
    assert page.count("<svg") == 4 and "每月发现与整改" in page and "挂牌督办" in page
    assert "尚未检查的重点企业" in page and "文登区宏钢特钢有限公司" in page     # 钢铁: a key enterprise
    assert b.get("/bureau/tables?period=1999-01").status_code == 400
    assert b.get("/bureau/tables/explain?metric=nope").status_code == 404


def test_hazard_filters(app):
    b = Browser(app, "admin")
    all_rows = b.get("/hazards").get_data(as_text=True).count('href="/hazards/')
    listed = b.get("/hazards?listed=1").get_data(as_text=True).count('href="/hazards/')
    assert all_rows > 0 and listed <= all_rows
    only = b.get("/hazards?district=环翠区").get_data(as_text=True).split("<tbody>")[1]
    assert "文登" not in only


# ---- the store: finished inspections and the hazard lifecycle ----------------------------------------

def test_finishing_stores_the_inspection_and_its_hazards(app):
    from sqlalchemy import func, select
    from yinhuan.store import models
    store = app.extensions["yinhuan"]["store"]

    def count(model):
        with store.session() as s:
            return s.scalar(select(func.count()).select_from(model))
    before = count(models.Inspection)
    b = Browser(app, "huancui")
    iid = b.start_inspection(checklist="gongmao-full-2023")
    form = dict(app.extensions["yinhuan"]["inspections"].get(iid).form) | {"i.date": "2023-10-12"}
    assert b.post(f"/inspections/{iid}/finish", form | {"deadline": "2023-11-30"}).status_code == 302
    assert count(models.Inspection) == before + 1
    frozen_version = app.extensions["yinhuan"]["inspections"].get(iid).finished["rulebook_version"]
    with store.session() as s:
        insp = s.scalars(select(models.Inspection).order_by(models.Inspection.id.desc())).first()
        assert insp.checklist_id == "gongmao-full-2023" and insp.created_by == "huancui"
        assert insp.rulebook_version == frozen_version and insp.enterprise.credit_code == HUANCUI_ENT
        stored = {(f.rule, f.status) for f in insp.findings}
    frozen = {(f["rule"], f["status"]) for f in app.extensions["yinhuan"]["inspections"].get(iid).finished["findings"]}
    assert stored == frozen


def test_hazard_lifecycle_through_the_store(app):
    from datetime import date
    from yinhuan.store import service
    hz = service.list_hazards(app.extensions["yinhuan"]["store"], as_of=date.today(), district="环翠区")
    done = next(h for h in hz if h["state"] == "已整改(待验收)")
    open_ = next(h for h in hz if h["state"] == "整改中")
    hc, admin = Browser(app, "huancui"), Browser(app, "admin")
    # 销号 needs both signatures: refused with the store's reason, shown on the hazard's page
    r = hc.post(f"/hazards/{done['id']}/move", {"to": "已销号", "on": "2023-08-01", "note": "现场验收合格"})
    assert r.status_code == 400 and "主要负责人和安全总监签字" in r.get_data(as_text=True)
    r = hc.post(f"/hazards/{done['id']}/move", {"to": "已销号", "on": "2023-08-01", "note": "现场验收合格",
                                                "principal": "高建平", "safety_director": "林涛"})
    assert r.status_code == 302
    page = hc.get(f"/hazards/{done['id']}").get_data(as_text=True)
    assert "已销号" in page and "高建平" in page and "现场验收合格" in page and "huancui" in page
    # 延期 is the bureau's: an inspector is refused at the gate, an admin needs a reason
    hid = open_["id"]
    assert hc.post(f"/hazards/{hid}/extend", {"new_deadline": "2024-01-31", "reason": "x", "on": "2023-07-02"}
                   ).status_code == 403
    r = admin.post(f"/hazards/{hid}/extend", {"new_deadline": "2024-01-31", "reason": "", "on": "2023-07-02"})
    assert r.status_code == 400 and "理由" in r.get_data(as_text=True)
    assert admin.post(f"/hazards/{hid}/extend", {"new_deadline": "2024-01-31", "reason": "设备到货延迟",
                                                 "on": "2023-07-02"}).status_code == 302
    page = admin.get(f"/hazards/{hid}").get_data(as_text=True)
    assert "设备到货延迟" in page and "2024年1月31日" in page
    assert admin.post(f"/hazards/{hid}/move", {"to": "已整改(待验收)", "on": "不是日期"}).status_code == 400
    # the list filters go to the store's query
    listed = admin.get("/hazards?listed=1").get_data(as_text=True)
    assert listed.count('href="/hazards/') == sum(1 for h in service.list_hazards(
        app.extensions["yinhuan"]["store"], as_of=date.today(), listed=True))


# ---- yinhuan serve -------------------------------------------------------------------------------------

def test_serve_binds_loopback_unless_told_and_refuses_a_missing_store(tmp_path, monkeypatch):
    from click.testing import CliRunner
    import waitress
    from yinhuan.cli import main
    seen = {}
    # the production server (waitress), never Werkzeug's development server with its debugger
    monkeypatch.setattr(waitress, "serve", lambda app, host, port, **kw: seen.update(
        host=host, port=port, debugger=getattr(app, "debug", None)))
    db = str(tmp_path / "demo.db")
    res = CliRunner().invoke(main, ["serve", "--demo", "--db", db])
    assert res.exit_code == 0, res.output
    assert seen == {"host": "127.0.0.1", "port": 8000, "debugger": False}
    assert "huancui" in res.output
    res = CliRunner().invoke(main, ["serve", "--db", db, "--host", "0.0.0.0", "--port", "9000"])
    assert res.exit_code == 0 and seen["host"] == "0.0.0.0" and seen["port"] == 9000
    assert "已创建演示账号" not in res.output
    res = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "missing.db")])
    assert res.exit_code == 2 and "yinhuan db init" in res.output


def test_the_self_check_workbook_uploads_into_the_form(app):
    from pathlib import Path
    book = Path(__file__).resolve().parents[1] / "examples" / "workbook" / "gm-ammonia-seafood.xlsx"
    if not book.exists():
        pytest.skip("no example workbook in this checkout")
    import yaml
    src = yaml.safe_load((book.parents[1] / "enterprises" / "gm-ammonia-seafood.yaml").read_text(encoding="utf-8"))
    code = src["enterprise"]["credit_code"]
    admin = Browser(app, "admin")
    assert admin.post("/admin/users", {"username": "rc", "password": "long-enough", "role": "inspector",
                                       "district": src["enterprise"]["district"]}).status_code == 302
    b = Browser(app, "rc", "long-enough")
    iid = b.start_inspection(code)
    r = b.post(f"/inspections/{iid}/upload", {"file": (io.BytesIO(book.read_bytes()), "自查表.xlsx")},
               content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    form = app.extensions["yinhuan"]["inspections"].get(iid).form
    assert form["p.name"] == src["enterprise"]["name"]
    rid, ans = next(iter(src["answers"].items()))
    assert form[f"a.{rid}.answer"] == ans["answer"]
    # a workbook made for another checklist is refused, naming it
    iid2 = b.start_inspection(code, checklist="gongmao-criteria-2023")
    r = b.post(f"/inspections/{iid2}/upload", {"file": (io.BytesIO(book.read_bytes()), "自查表.xlsx")},
               content_type="multipart/form-data")
    assert r.status_code == 400 and "gongmao-2023" in r.get_data(as_text=True)


# ---- drafts in the store ---------------------------------------------------------------------------------

def test_a_draft_lives_in_the_store_and_is_shared_by_servers(app, tmp_path):
    """Two servers on one store: a draft saved through one is read, continued and finished through the
    other; nothing of it is kept in files; an autosave arriving after 完成检查 changes nothing."""
    other = create_app(db=app.extensions["yinhuan"]["store"].url)
    one, two = Browser(app, "huancui"), Browser(other, "huancui")
    iid = one.start_inspection()
    form = dict(app.extensions["yinhuan"]["inspections"].get(iid).form)
    _save(one, iid, form | {"i.date": "2023.10.12", "a.GM-6-NO-PAPER-ONLY.note": "台账与现场不符"})
    page = two.get(f"/inspections/{iid}").get_data(as_text=True)
    assert "台账与现场不符" in page and 'value="2023.10.12"' in page
    j = _save(two, iid, form | {"i.date": "2023-10-12", "a.GM-6-NO-PAPER-ONLY.answer": "是"})
    assert j["revision"] == 2
    assert not list(tmp_path.rglob("*.json")) and not list(tmp_path.rglob("*.web"))
    assert one.post(f"/inspections/{iid}/finish", {"deadline": "2023-12-31"}).status_code == 302
    late = two.post(f"/inspections/{iid}/save", form | {"a.GM-6-NO-PAPER-ONLY.answer": "否"},
                    headers={"X-Requested-With": "fetch"})
    assert late.status_code == 400
    done = app.extensions["yinhuan"]["inspections"].get(iid)
    assert done.status == "finished" and done.form["a.GM-6-NO-PAPER-ONLY.answer"] == "是"
    assert any(f["rule"] == "GM-6-NO-PAPER-ONLY" and f["status"] == "不符合" for f in done.finished["findings"])
    # a second 完成检查 (another tab, another server) stores nothing twice
    assert two.post(f"/inspections/{iid}/finish", {"deadline": "2023-12-31"}).status_code == 400
    # the printed documents are kept with it: a reprint through the other server is the same bytes
    assert one.get(f"/inspections/{iid}/notice.pdf").data == two.get(f"/inspections/{iid}/notice.pdf").data


def test_a_failed_finish_leaves_the_draft_as_it_was(app, monkeypatch):
    b = Browser(app, "huancui")
    iid = b.start_inspection()
    form = dict(app.extensions["yinhuan"]["inspections"].get(iid).form) | {"i.date": "2023-10-12"}

    def refuse(*a, **k):
        from yinhuan.errors import InputError
        raise InputError("数据库暂时不可用")
    monkeypatch.setattr(inspect, "store_finished", refuse)
    r = b.post(f"/inspections/{iid}/finish", form | {"deadline": "2023-12-31"})
    assert r.status_code == 400 and "数据库暂时不可用" in r.get_data(as_text=True)
    insp = app.extensions["yinhuan"]["inspections"].get(iid)
    assert insp.status == "draft" and insp.form["i.date"] == "2023-10-12"
    assert _save(b, iid, form)["revision"] == insp.revision + 1


# ---- accounts: password change, reset, disable ------------------------------------------------------------

def _events(app, kind):
    from sqlalchemy import select
    from yinhuan.store import models as m
    with app.extensions["yinhuan"]["store"].session() as s:
        return [(e.actor, e.payload.get("username")) for e in s.scalars(select(m.Event).where(m.Event.kind == kind))]


def test_a_user_changes_their_password_with_the_old_one(app):
    b = Browser(app, "huancui")
    elsewhere = Browser(app, "huancui")
    form = {"old_password": "wrong-old", "new_password": "new-secret-1", "new_password2": "new-secret-1"}
    r = b.post("/account/password", form)
    assert r.status_code == 400 and "原密码不正确" in r.get_data(as_text=True)
    r = b.post("/account/password", form | {"old_password": "yinhuan-demo", "new_password2": "other"})
    assert r.status_code == 400 and "不一致" in r.get_data(as_text=True)
    r = b.post("/account/password", form | {"old_password": "yinhuan-demo", "new_password": "short",
                                            "new_password2": "short"})
    assert r.status_code == 400 and "至少 8 位" in r.get_data(as_text=True)
    assert b.post("/account/password", form | {"old_password": "yinhuan-demo"}).status_code == 302
    assert b.get("/enterprises").status_code == 200            # this session stays signed in
    assert elsewhere.get("/enterprises").status_code == 302     # the other session ended
    assert Browser(app).post("/login", {"username": "huancui", "password": "yinhuan-demo"}).status_code == 401
    Browser(app, "huancui", "new-secret-1")
    assert ("huancui", "huancui") in _events(app, "user.password")
    # a read-only account may change its own password too (it changes no data)
    v = Browser(app, "viewer")
    assert v.post("/account/password", form | {"old_password": "yinhuan-demo"}).status_code == 302


def test_admin_resets_and_disables_accounts(app):
    admin = Browser(app, "admin")
    hc = Browser(app, "huancui")
    assert admin.post("/admin/users/huancui/password", {"password": "short"}).status_code == 400
    assert admin.post("/admin/users/nobody/password", {"password": "long-enough"}).status_code == 400
    assert admin.post("/admin/users/huancui/password", {"password": "reset-by-admin"}).status_code == 302
    assert hc.get("/enterprises").status_code == 302             # their session ended
    hc = Browser(app, "huancui", "reset-by-admin")
    assert admin.post("/admin/users/huancui/disable", {"disabled": "1"}).status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert re.search(r'data-user="huancui">.*?已停用', page, re.S)
    assert hc.get("/enterprises").status_code == 302             # a disabled account's session ends
    r = Browser(app).post("/login", {"username": "huancui", "password": "reset-by-admin"})
    assert r.status_code == 401
    r = admin.post("/admin/users/admin/disable", {"disabled": "1"})
    assert r.status_code == 400 and "不能停用自己的账号" in r.get_data(as_text=True)
    assert admin.post("/admin/users/huancui/disable", {"disabled": "0"}).status_code == 302
    Browser(app, "huancui", "reset-by-admin")
    assert _events(app, "user.disable") == [("admin", "huancui")] == _events(app, "user.enable")
    assert ("admin", "huancui") in _events(app, "user.password")
    # a viewer and an inspector cannot do any of it
    for who in ("viewer", "wendeng"):
        c = Browser(app, who)
        assert c.post("/admin/users/huancui/disable", {"disabled": "1"}).status_code == 403
        assert c.post("/admin/users/huancui/password", {"password": "taken-over!"}).status_code == 403


def test_accounts_from_the_command_line(app):
    url = app.extensions["yinhuan"]["store"].url
    res = _cli("users", "passwd", "--db", url, "--user", "admin", "wendeng", "--password", "from-the-cli")
    assert res.returncode == 0, res.stdout
    Browser(app, "wendeng", "from-the-cli")
    assert _cli("users", "passwd", "--db", url, "wendeng", "--password", "short").returncode == 2
    assert _cli("users", "disable", "--db", url, "--user", "admin", "wendeng").returncode == 0
    assert "wendeng\t王建\t检查员\t文登区\t已停用" in _cli("users", "list", "--db", url).stdout
    assert Browser(app).post("/login", {"username": "wendeng", "password": "from-the-cli"}).status_code == 401
    again = _cli("users", "disable", "--db", url, "--user", "admin", "wendeng")
    assert again.returncode == 2 and "已是停用状态" in again.stdout
    assert _cli("users", "enable", "--db", url, "--user", "admin", "wendeng").returncode == 0
    Browser(app, "wendeng", "from-the-cli")
    assert ("admin", "wendeng") in _events(app, "user.disable")
    verify = _cli("db", "verify", "--db", url)
    assert verify.returncode == 0, verify.stdout


def test_round_one_file_drafts_move_into_the_store(tmp_path, monkeypatch):
    """A store whose web app kept its inspections in files (<db>.web/inspections/): `serve` brings them
    into the store once, PDFs included, so no answer typed before the upgrade is lost."""
    from click.testing import CliRunner
    import waitress
    from yinhuan.cli import main
    monkeypatch.setattr(waitress, "serve", lambda *a, **k: None)
    db = tmp_path / "old.db"
    assert CliRunner().invoke(main, ["serve", "--demo", "--db", str(db)]).exit_code == 0
    folder = tmp_path / "old.db.web" / "inspections"
    folder.mkdir(parents=True)
    draft = {"id": "abc123", "credit_code": HUANCUI_ENT, "enterprise": "威海环翠示例机械有限公司", "district": "环翠区",
             "checklist": "gongmao-2023", "mode": "部门检查", "created_by": "huancui",
             "created_at": "2023-10-12T09:00:00+08:00", "form": {"p.name": "威海环翠示例机械有限公司",
                                                                 "a.GM-6-NO-PAPER-ONLY.note": "旧版草稿里的回答"},
             "extra": {}, "saved_at": "2023-10-12T09:05:00+08:00", "revision": 3, "status": "draft", "finished": {}}
    (folder / "abc123.json").write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert res.exit_code == 0 and "已把 1 份网页检查" in res.output, res.output
    assert not folder.exists() and (folder.parent / "inspections.imported" / "abc123.json").exists()
    from yinhuan.web.app import create_app
    app = create_app(db=str(db))
    b = Browser(app, "huancui")
    assert "旧版草稿里的回答" in b.get("/inspections/abc123").get_data(as_text=True)
    assert app.extensions["yinhuan"]["inspections"].get("abc123").revision == 3
    assert "已把" not in CliRunner().invoke(main, ["serve", "--db", str(db)]).output    # once


def test_a_lifecycle_move_in_the_browser_counts_as_tally_db_counts_it(app, tmp_path):
    """The hazard lifecycle recorded through the web moves the table's counters as `tally --db` moves them:
    a rectification recorded on 2023-07-02 (done on 06-28) counts in July's cumulative table, not in June's,
    which stays as it was filed at the end of June."""
    from datetime import date
    from yinhuan.store import service
    store = app.extensions["yinhuan"]["store"]
    h = next(x for x in service.list_hazards(store, as_of=date.today(), district="环翠区")
             if x["state"] == "整改中" and x["found_on"] == date(2023, 6, 15))
    viewer, hc = Browser(app, "viewer"), Browser(app, "huancui")

    def table(period):
        return _web_cells(viewer.get(f"/bureau/tables?checklist=gongmao-2023&period={period}&cumulative=1")
                          .get_data(as_text=True))
    june, july = table("2023-06"), table("2023-07")
    r = hc.post(f"/hazards/{h['id']}/move", {"to": "已整改(待验收)", "on": "2023-07-02", "rectified_on": "2023-06-28",
                                             "note": "整改完成"})
    assert r.status_code == 302, r.get_data(as_text=True)[:600]
    assert table("2023-06") == june == _expected_cells(_tally_db(app, tmp_path / "6", "gongmao-2023", "2023-06"))
    after = table("2023-07")
    assert after == _expected_cells(_tally_db(app, tmp_path / "7", "gongmao-2023", "2023-07")) != july


def test_the_refusal_log_keeps_the_newest(app, monkeypatch):
    from yinhuan.store import webstate
    monkeypatch.setattr(webstate, "KEEP_REFUSALS", 3)
    hc = Browser(app, "huancui")
    for n in range(5):
        assert hc.get(f"/records/{10_000 + n}").status_code in (403, 404)
        assert hc.get("/bureau/charts").status_code == 403
    kept = app.extensions["yinhuan"]["refusals"].latest(50)
    assert len(kept) == 3 and all(r["path"] == "/bureau/charts" and r["user"] == "huancui" for r in kept)


def test_a_hazard_count_links_to_each_hazard_in_the_store(app):
    """发现重大事故隐患数量 of 环翠区: every hazard behind the number links to the store's hazard, its lifecycle."""
    from yinhuan.web import bureau as b
    viewer = Browser(app, "viewer")
    ex = b.explanation(app.extensions["yinhuan"]["tallies"], "gongmao-2023", "2023-06", True, "major_found", "环翠区")
    page = viewer.get("/bureau/tables/explain?checklist=gongmao-2023&period=2023-06&cumulative=1&metric=major_found"
                      "&district=环翠区").get_data(as_text=True)
    ids = re.findall(r'href="/hazards/(\d+)" class="hz"', page)
    assert len(ids) == ex["value"] == len(ex["items"]) > 0
    for hid, it in zip(ids, ex["items"]):
        assert it.label.split("：", 1)[1] in viewer.get(f"/hazards/{hid}").get_data(as_text=True)


# ---- server-side sessions ----------------------------------------------------------------------

def _copy(app, b: Browser) -> Browser:
    """Another client carrying the same session cookie (a copied or stolen cookie)."""
    other = Browser(app)
    other.c.set_cookie("yinhuan_session", b.c.get_cookie("yinhuan_session").value)
    other.token = b.token
    return other


def test_a_copied_cookie_is_refused_after_sign_out(app):
    from yinhuan.store import webstate
    b = Browser(app, "huancui")
    thief = _copy(app, b)
    assert thief.get("/enterprises").status_code == 200          # the copy works while the session lives
    assert b.post("/logout").status_code == 302
    assert b.get("/enterprises").status_code == 302
    r = thief.get("/enterprises")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert thief.post(f"/enterprises/{HUANCUI_ENT}/inspections",
                      {"checklist": "gongmao-2023", "mode": "部门检查"}).status_code in (400, 403)
    ended = webstate.sessions_of(app.extensions["yinhuan"]["store"], "huancui")
    assert [x["ended_why"] for x in ended] == ["已退出登录"]
    assert Browser(app, "huancui").get("/enterprises").status_code == 200     # signing in again works


def test_account_changes_end_copied_sessions_server_side(app):
    from yinhuan.store import webstate
    store = app.extensions["yinhuan"]["store"]
    admin = Browser(app, "admin")
    b = Browser(app, "huancui")
    thief = _copy(app, b)
    assert b.post("/account/password", {"old_password": "yinhuan-demo", "new_password": "new-secret-1",
                                        "new_password2": "new-secret-1"}).status_code == 302
    assert b.get("/enterprises").status_code == 200        # the one that changed it goes on (a new id)
    assert thief.get("/enterprises").status_code == 302    # the copy of the old cookie is refused
    assert _copy(app, b).get("/enterprises").status_code == 200
    assert admin.post("/admin/users/huancui/disable", {"disabled": "1"}).status_code == 302
    assert admin.post("/admin/users/huancui/disable", {"disabled": "0"}).status_code == 302
    assert b.get("/enterprises").status_code == 302         # disabling ended it; enabling does not revive it
    whys = [x["ended_why"] for x in webstate.sessions_of(store, "huancui")]
    assert whys == ["密码已更改", "账号已停用"] and all(x["ended_at"] for x in webstate.sessions_of(store, "huancui"))


def test_a_session_past_its_lifetime_is_refused_by_the_store(app):
    from datetime import timedelta
    from yinhuan.store import webstate
    store = app.extensions["yinhuan"]["store"]
    token = webstate.start_session(store, "huancui", 3600)
    assert webstate.session_alive(store, token, "huancui", 3600)
    assert not webstate.session_alive(store, token, "wendeng", 3600)        # another account's name
    assert not webstate.session_alive(store, token, "huancui", 3600, at=webstate.now() + timedelta(hours=2))
    assert not webstate.session_alive(store, "made-up", "huancui", 3600)
    assert not webstate.session_alive(store, None, "huancui", 3600)


# ---- role and district changes ------------------------------------------------------------------

def test_admin_changes_role_and_district_and_the_sessions_end(app):
    from yinhuan.store import webstate
    admin = Browser(app, "admin")
    hc = Browser(app, "huancui")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'action="/admin/users/huancui/role"' in page and 'action="/admin/users/admin/role"' not in page
    for bad, why in (({"role": "inspector", "district": ""}, "必须指定区市"), ({"role": "root"}, "角色应为"),
                     ({"role": "inspector", "district": "环翠区"}, "没有变化")):
        r = admin.post("/admin/users/huancui/role", bad)
        assert r.status_code == 400 and why in r.get_data(as_text=True), bad
    r = admin.post("/admin/users/admin/role", {"role": "viewer"})
    assert r.status_code == 400 and "不能更改自己的角色或区市" in r.get_data(as_text=True)
    assert hc.get("/enterprises").status_code == 200            # nothing changed yet: still signed in
    assert admin.post("/admin/users/huancui/role", {"role": "inspector", "district": "文登区"}).status_code == 302
    assert hc.get("/enterprises").status_code == 302             # their session ended with the change
    assert webstate.sessions_of(app.extensions["yinhuan"]["store"], "huancui")[-1]["ended_why"] == "角色或区市已更改"
    hc = Browser(app, "huancui")
    listing = hc.get("/enterprises").get_data(as_text=True).split("<tbody>")[1]
    assert "文登" in listing and "威海环翠示例机械有限公司" not in listing     # the new district wall
    assert hc.get(f"/enterprises/{HUANCUI_ENT}").status_code == 403
    assert admin.post("/admin/users/huancui/role", {"role": "viewer", "district": ""}).status_code == 302
    v = Browser(app, "huancui")
    assert v.post(f"/enterprises/{WENDENG_ENT}/inspections",
                  {"checklist": "gongmao-2023", "mode": "部门检查"}).status_code == 403     # read-only now
    assert v.get(f"/enterprises/{HUANCUI_ENT}").status_code == 200                        # the whole city
    assert re.search(r'data-user="huancui">.*?只读查看.*?全市', admin.get("/admin/users").get_data(as_text=True), re.S)
    from sqlalchemy import select
    from yinhuan.store import models as m
    with app.extensions["yinhuan"]["store"].session() as s:
        changes = [(e.actor, {k: v for k, v in e.payload.items() if k != "row_digest"}) for e in s.scalars(select(m.Event).where(m.Event.kind == "user.role")
                                                            .order_by(m.Event.seq))]
    assert changes == [("admin", {"username": "huancui", "role": "inspector", "district": "文登区",
                                  "was": {"role": "inspector", "district": "环翠区"}}),
                       ("admin", {"username": "huancui", "role": "viewer", "district": "",
                                  "was": {"role": "inspector", "district": "文登区"}})]
    for who in ("viewer", "wendeng"):
        assert Browser(app, who).post("/admin/users/huancui/role", {"role": "admin"}).status_code == 403


def test_role_from_the_command_line_ends_web_sessions(app):
    url = app.extensions["yinhuan"]["store"].url
    wd = Browser(app, "wendeng")
    res = _cli("users", "role", "--db", url, "--user", "admin", "wendeng", "--role", "inspector",
               "--district", "荣成市")
    assert res.returncode == 0, res.stdout
    assert "wendeng\t王建\t检查员\t荣成市" in _cli("users", "list", "--db", url).stdout
    assert wd.get("/enterprises").status_code == 302
    bad = _cli("users", "role", "--db", url, "--user", "admin", "wendeng", "--role", "inspector")
    assert bad.returncode == 2 and "必须指定区市" in bad.stdout
    assert _cli("users", "role", "--db", url, "--user", "admin", "wendeng", "--role", "root").returncode == 2
