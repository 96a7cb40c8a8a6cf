"""The Flask application: thin handlers over the engine, the reports and the data layer.

Every request passes one gate (`_gate`): the access table of web/access.py decides from the
route, the method and the role (deny by default); handlers that touch an enterprise, inspection or
hazard then check its district with `_own`. Every POST carries the session's CSRF token. Errors
become a friendly page and a log line, never a stack trace.
"""
from __future__ import annotations

import io
import logging
import re
import secrets
from datetime import date, timedelta

from flask import (Flask, Response, abort, flash, g, jsonify, redirect, render_template, request, send_file,
                   session, url_for)
from werkzeug.exceptions import HTTPException

from yinhuan.dates import BadDate, chinese_form, parse_date
from yinhuan.errors import InputError, InputErrors

from . import access, bureau, data as data_mod, inspect, pdf
from .charts import bar_chart
from .forms import SECTION_TITLE, form_from_evidence, form_from_request, form_spec, rows_of
from .security import LoginLimiter, check_login, new_csrf_token, same_token

log = logging.getLogger("yinhuan.web")


def create_app(*, db: str | None = None, secret_key: str | None = None, login_limit: int = 5,
               login_clock=None) -> Flask:
    """The app over the store at `db` (everything it keeps is in the store, so several servers may
    share one PostgreSQL)."""
    from yinhuan.store import db as store_db, webstate
    store = store_db.connect(db)        # refuses a missing or old store, naming the command that fixes it
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or webstate.secret_key(store),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="yinhuan_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
        MAX_CONTENT_LENGTH=inspect.MAX_UPLOAD + 64 * 1024,
        MAX_FORM_MEMORY_SIZE=inspect.MAX_UPLOAD,
        MAX_FORM_PARTS=20000,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["yinhuan"] = ctx = {
        "store": store,
        "accounts": data_mod.Accounts(store),
        "enterprises": data_mod.StoreEnterprises(store),
        "inspections": data_mod.Inspections(store),
        "tallies": bureau.Tallies(store),
        "limiter": LoginLimiter(store, limit=login_limit, clock=login_clock),
        "refusals": access.DecisionLog(store),
    }
    app.jinja_env.globals.update(ROLE_NAMES=access.ROLE_NAMES, chinese_form=chinese_form,
                                 SECTION_TITLE=SECTION_TITLE)
    app.jinja_env.filters["d"] = lambda v: chinese_form(v) if isinstance(v, date) else (v or "")
    _routes(app, ctx)
    _errors(app)
    return app


def _errors(app: Flask) -> None:
    messages = {400: "请求有误", 403: "无权访问", 404: "找不到该页面", 405: "不支持该操作", 413: "上传的内容过大",
                429: "尝试次数过多，请稍后再试", 500: "系统出错了"}

    @app.errorhandler(HTTPException)
    def http_error(exc):
        code = exc.code or 500
        detail = exc.description if code in (400, 403, 413, 429) and isinstance(exc.description, str) and \
            not exc.description.startswith(("The ", "You ", "Request")) else ""
        return render_template("error.html", code=code, title=messages.get(code, "出错了"), detail=detail), code

    @app.errorhandler(Exception)
    def crash(exc):
        ref = secrets.token_hex(4)
        log.exception("unhandled error %s on %s %s", ref, request.method, request.path)
        return render_template("error.html", code=500, title=messages[500],
                               detail=f"已记录（编号 {ref}），请联系管理员。"), 500


def _routes(app: Flask, ctx: dict) -> None:
    from yinhuan.store import webstate
    accounts: data_mod.Accounts = ctx["accounts"]
    ents: data_mod.Enterprises = ctx["enterprises"]
    insps: data_mod.Inspections = ctx["inspections"]
    store = ctx["store"]
    lifetime = app.permanent_session_lifetime.total_seconds()

    @app.before_request
    def _gate():
        g.user = accounts.get(session.get("user"))
        if g.user is not None and (g.user.disabled or not webstate.session_alive(
                store, session.get("sid"), g.user.username, lifetime)):
            log.info("session of %s refused (signed out, expired, or ended by an account change)", g.user.username)
            g.user = None        # signed out, or ended by an account change, or past its lifetime
        if session.get("user") and g.user is None:
            session.clear()
        if "csrf" not in session:
            session["csrf"] = new_csrf_token()
        role = g.user.role if g.user else access.ANONYMOUS
        if request.method == "POST":
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
            if not same_token(sent, session.get("csrf")):
                log.warning("CSRF token missing or wrong on %s from %s", request.path, request.remote_addr)
                abort(400, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。")
        if request.endpoint is None:
            abort(404)
        d = access.decide(request.endpoint, request.method, role)
        if not d.allowed:
            _refused(d, role)
            if g.user is None and request.method == "GET":
                return redirect(url_for("login", next=request.full_path.rstrip("?")))
            abort(403)

    def _refused(d: access.Decision, role: str):
        who = g.user.username if g.user else "（未登录）"
        ctx["refusals"].add(user=who, role=role, method=request.method, path=request.path,
                            endpoint=request.endpoint, why=d.summary)
        log.warning("refused %s %s for %s (%s): %s", request.method, request.path, who, role, d.summary)

    def _own(district: str) -> None:
        """The object check: an inspector acts only within their district."""
        d = access.decide(request.endpoint, request.method, g.user.role, g.user.district, district)
        if not d.allowed:
            _refused(d, g.user.role)
            abort(403)

    def _scope() -> str | None:
        return g.user.district if access.scoped(g.user.role) else None

    @app.context_processor
    def _globals():
        return {"user": g.get("user"), "csrf": session.get("csrf", "")}

    # ---- sign-in ------------------------------------------------------------------------------

    @app.get("/")
    def home():
        if not g.user:
            return redirect(url_for("login"))
        return redirect(url_for("enterprises" if g.user.role == "inspector" else "tables"))

    @app.route("/login", methods=["GET", "POST"])
    def login():
        error = None
        if request.method == "POST":
            name = request.form.get("username", "").strip()
            keys = (f"ip:{request.remote_addr}", f"user:{name}")
            wait = ctx["limiter"].blocked(*keys)
            if wait:
                log.warning("login rate-limited for %s from %s", name, request.remote_addr)
                abort(429, f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试。")
            user = accounts.get(name)
            if check_login(request.form.get("password", ""), user.password_hash if user else None) \
                    and not user.disabled:
                ctx["limiter"].succeeded(*keys)
                session.clear()
                session["user"] = user.username
                session["sid"] = webstate.start_session(store, user.username, lifetime)
                session["csrf"] = new_csrf_token()
                session.permanent = True
                log.info("login %s", user.username)
                nxt = request.args.get("next", "")
                return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("home"))
            ctx["limiter"].failed(*keys)
            log.warning("failed login for %r from %s", name, request.remote_addr)
            error = "账号或密码不正确"
        return render_template("login.html", error=error), (401 if error else 200)

    @app.post("/logout")
    def logout():
        """Sign out: the session ends in the store, so a copy of its cookie is refused too."""
        webstate.end_session(store, session.get("sid"), "已退出登录")
        session.clear()
        return redirect(url_for("login"))

    @app.get("/account")
    def account():
        return render_template("account.html", error=None)

    @app.post("/account/password")
    def account_password():
        """Change one's own password: the old one is required; other sessions of the account end."""
        new = request.form.get("new_password", "")
        try:
            if new != request.form.get("new_password2", ""):
                raise InputError("两次输入的新密码不一致", field="new_password2")
            accounts.change_own_password(g.user.username, request.form.get("old_password", ""), new)
        except InputError as exc:
            return render_template("account.html", error=exc.message), 400
        # every session of the account ended with the change; this one goes on under a new id
        session["sid"] = webstate.start_session(store, g.user.username, lifetime)
        log.info("password changed by %s", g.user.username)
        flash("密码已修改；在其他地方登录的会话已结束")
        return redirect(url_for("account"))

    # ---- enterprises and inspections ----------------------------------------------------------

    @app.get("/enterprises")
    def enterprises():
        q = request.args.get("q", "")
        rows = ents.list(_scope(), q)
        return render_template("enterprises.html", rows=rows, q=q, scope=_scope())

    def _enterprise(code: str) -> data_mod.Enterprise:
        e = ents.get(code)
        if e is None:
            abort(404)
        _own(e.district)
        return e

    @app.get("/enterprises/<code>")
    def enterprise(code):
        e = _enterprise(code)
        from yinhuan.key_enterprise import key_enterprise
        return render_template("enterprise.html", e=e, checklists=inspect.checklists_for(e.sector),
                               key=key_enterprise(e.profile).label,
                               inspections=insps.of_enterprise(code), records=_records_of(code))

    def _records_of(code: str) -> list[dict]:
        """The store's inspections of one enterprise, newest first (imported, `check --db`, or finished here)."""
        from pathlib import PurePath
        from sqlalchemy import select
        from yinhuan.store import models as m
        with store.session() as s:
            rows = s.scalars(select(m.Inspection).join(m.Enterprise).where(m.Enterprise.credit_code == code)
                             .order_by(m.Inspection.date.desc(), m.Inspection.id.desc()))
            return [{"id": r.id, "date": r.date, "mode": r.mode, "checklist": r.checklist_id,
                     "fails": sum(1 for f in r.findings if f.status == "不符合"),
                     "source": PurePath(r.source_file).name if r.source_file else ""} for r in rows]

    @app.post("/enterprises/<code>/inspections")
    def inspection_new(code):
        e = _enterprise(code)
        checklist = request.form.get("checklist", "")
        mode = request.form.get("mode", "")
        if checklist not in dict(inspect.checklists_for(e.sector)) or mode not in ("自查", "部门检查"):
            abort(400, "请选择适用于该企业的检查清单和检查方式（自查或部门检查）")
        prefill = {k: v for k, v in e.evidence.items() if k in ("yinhuan_evidence", "enterprise", "records")}
        prefill["inspection"] = {"date": date.today().isoformat(), "mode": mode,
                                 "inspectors": [g.user.name or g.user.username]}
        if mode == "部门检查" and g.user.district:
            prefill["inspection"]["agency"] = f"{g.user.district}应急管理局"
        form, extra = form_from_evidence(prefill)
        insp = insps.new(credit_code=e.credit_code, enterprise=e.name, district=e.district, checklist=checklist,
                         mode=mode, created_by=g.user.username, form=form, extra=extra)
        return redirect(url_for("inspection", iid=insp.id))

    def _inspection(iid: str) -> data_mod.Inspection:
        insp = insps.get(iid)
        if insp is None:
            abort(404)
        _own(insp.district)
        return insp

    def _outcome(insp):
        if insp.status == "finished":
            fin = insp.finished
            return inspect.grouped(inspect.Outcome(evidence=fin["evidence"]), fin["findings"], fin["as_of"])
        return inspect.findings_for(insp.form, insp.extra, insp.checklist)

    @app.get("/inspections/<iid>")
    def inspection(iid):
        insp = _inspection(iid)
        editable = insp.status == "draft" and g.user.role == "inspector"
        return render_template("inspection.html", insp=insp, spec=form_spec(), form=insp.form, rows_of=rows_of,
                               items=inspect.judgement_items(insp.checklist), out=_outcome(insp),
                               editable=editable, default_deadline=(date.today() + timedelta(days=30)).isoformat())

    def _draft(iid: str) -> data_mod.Inspection:
        insp = _inspection(iid)
        if insp.status != "draft":
            abort(400, "该检查已完成，不能再修改")
        return insp

    def _keep(insp: data_mod.Inspection, form: dict, extra: dict | None = None) -> None:
        """Store the form as typed: a new revision of the draft (refused once it is finished)."""
        if not insps.save(insp, form, extra):
            abort(400, "该检查已完成，不能再修改")

    @app.post("/inspections/<iid>/save")
    def inspection_save(iid):
        insp = _draft(iid)
        _keep(insp, form_from_request(request.form.to_dict(flat=False)))
        out = _outcome(insp)
        if request.headers.get("X-Requested-With") == "fetch":
            return jsonify(saved_at=insp.saved_at, revision=insp.revision,
                           html=render_template("_findings.html", out=out, insp=insp))
        flash("已保存")
        return redirect(url_for("inspection", iid=iid))

    @app.post("/inspections/<iid>/upload")
    def inspection_upload(iid):
        insp = _draft(iid)
        f = request.files.get("file")
        if f is None or not f.filename:
            abort(400, "请选择要上传的文件")
        try:
            loaded, warnings = inspect.load_upload(f.read(inspect.MAX_UPLOAD + 1), f.filename, insp.checklist)
        except InputError as exc:
            errs = exc.errors if isinstance(exc, InputErrors) else [exc]
            return render_template("error.html", code=400, title="文件不能使用",
                                   detail="；".join(str(e) for e in errs)), 400
        code = (loaded.get("enterprise") or {}).get("credit_code")
        if code != insp.credit_code:
            abort(400, f"上传文件的统一社会信用代码（{code}）与本次检查的企业（{insp.credit_code}）不一致")
        form, extra = form_from_evidence(loaded)
        if not any(k.startswith("i.") for k in form):   # the file has no inspection: keep this one's
            form.update({k: v for k, v in insp.form.items() if k.startswith("i.")})
        _keep(insp, form, extra)
        flash(f"已读入 {f.filename}")
        for w in warnings:
            flash(w)
        return redirect(url_for("inspection", iid=iid))

    @app.post("/inspections/<iid>/finish")
    def inspection_finish(iid):
        insp = _draft(iid)
        if any(k.startswith(("p.", "i.", "r.", "a.", "s.")) for k in request.form):
            _keep(insp, form_from_request(request.form.to_dict(flat=False)))   # what was typed last
        try:
            deadline = parse_date(request.form.get("deadline", "").strip())
        except BadDate as exc:
            abort(400, f"整改期限：{exc}")
        out = inspect.findings_for(insp.form, insp.extra, insp.checklist)
        if out.problems:
            abort(400, "证据还有错误，不能完成检查：" + "；".join(p["message"] for p in out.problems))
        meta = out.evidence.get("inspection") or {}
        if not meta.get("date") or not meta.get("mode"):
            abort(400, "完成检查须填写检查日期和检查方式")
        if not insps.claim(iid):      # finished meanwhile (a second click, another server)
            abort(400, "该检查已完成，不能再修改")
        try:   # into the store, as `check --db` stores a run: inspection, findings, hazards into the lifecycle
            version = inspect.store_finished(store, iid, out.evidence, insp.checklist, g.user.username)
        except InputError as exc:
            insps.release(iid)
            abort(400, "不能存入数据库：" + exc.message)
        except BaseException:
            insps.release(iid)
            raise
        insps.finish(insp, {"evidence": out.evidence, "findings": out.findings, "as_of": out.as_of,
                            "checklist": insp.checklist, "rulebook_version": version,
                            "finished_at": data_mod.now_iso(), "finished_by": g.user.username,
                            "deadline": deadline.isoformat(), "notice_no": f"{date.today():%Y}-{iid[:6]}"})
        log.info("inspection %s finished by %s", iid, g.user.username)
        flash("检查已完成，检查记录和整改通知书可以打印")
        return redirect(url_for("inspection", iid=iid))

    @app.get("/inspections/<iid>/<doc>.pdf")
    def inspection_pdf(iid, doc):
        insp = _inspection(iid)
        if insp.status != "finished" or doc not in ("record", "notice"):
            abort(404)
        body = insps.document(insp, doc, pdf.inspection_record if doc == "record" else pdf.rectification_notice)
        name = f"{'检查记录' if doc == 'record' else '整改通知书'}-{insp.enterprise}-{insp.finished['as_of']}.pdf"
        return send_file(io.BytesIO(body), mimetype="application/pdf", download_name=name, as_attachment=False)

    # ---- bureau -------------------------------------------------------------------------------

    def _table_args():
        checklist = request.args.get("checklist", bureau.TABLE_CHECKLISTS[0][0])
        if checklist not in dict(bureau.TABLE_CHECKLISTS):
            abort(400, "未知的调度表")
        period = request.args.get("period", "2023-06")
        cumulative = request.args.get("cumulative") == "1"
        return checklist, period, cumulative

    @app.get("/bureau/tables")
    def tables():
        checklist, period, cumulative = _table_args()
        try:
            view = bureau.table(ctx["tallies"], checklist, period, cumulative, _scope())
        except InputError as exc:
            return render_template("tables.html", view=None, error=exc.message, checklist=checklist,
                                   period=period, cumulative=cumulative, choices=bureau.TABLE_CHECKLISTS), 400
        return render_template("tables.html", view=view, error=None, checklist=checklist, period=period,
                               cumulative=cumulative, choices=bureau.TABLE_CHECKLISTS, scope=_scope())

    @app.get("/bureau/tables/explain")
    def table_explain():
        checklist, period, cumulative = _table_args()
        district = request.args.get("district") or None
        if _scope() is not None:
            _own(district or "全市")       # an inspector: their own district's cells only
        try:
            ex = bureau.explanation(ctx["tallies"], checklist, period, cumulative,
                                    request.args.get("metric", ""), district)
        except (KeyError, InputError):
            abort(404)
        return render_template("explain.html", ex=ex, checklist=checklist, period=period,
                               cumulative=cumulative, district=district)

    @app.get("/bureau/tables/download")
    def table_download():
        checklist, period, cumulative = _table_args()
        try:
            name, body = bureau.workbook(ctx["tallies"], checklist, period, cumulative)
        except InputError:
            abort(400, "该月份不在专项行动期间")
        return send_file(io.BytesIO(body), download_name=name, as_attachment=True,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.get("/records/<int:sid>")
    def record(sid):
        """An inspection of the store (imported, `check --db`, or finished here), with its findings."""
        from yinhuan.store import models as m
        with store.session() as s:
            row = s.get(m.Inspection, sid)
            if row is None:
                abort(404)
            rec = {"id": row.id, "date": row.date, "mode": row.mode, "agency": row.agency,
                   "inspectors": row.inspectors, "checklist": row.checklist_id, "version": row.rulebook_version,
                   "source": row.source_file, "created_by": row.created_by, "enterprise": row.enterprise.name,
                   "credit_code": row.enterprise.credit_code, "district": row.enterprise.district,
                   "findings": sorted(([f.rule, f.status, f.reason] for f in row.findings),
                                      key=lambda f: (inspect.STATUS_ORDER.get(f[1], 9), f[0]))}
        _own(rec["district"])          # outside the read: a refusal is written to the store
        web_iid = re.search(r"网页检查-([0-9a-f]+)\.yaml$", rec["source"] or "")
        from yinhuan.rulebook import shipped_rulebook
        titles = {rid: r.title for rid, r in shipped_rulebook().rules.items()}
        return render_template("record.html", rec=rec, web_iid=web_iid.group(1) if web_iid else None,
                               titles=titles)

    @app.get("/rules/<rule_id>")
    def rule(rule_id):
        """One rule of the shipped rulebook: what it checks, its clause, and how a finding is judged."""
        from yinhuan.rulebook import shipped_rulebook
        book = shipped_rulebook()
        r = book.rules.get(rule_id)
        if r is None:
            abort(404)
        return render_template("rule.html", r=r, version=book.version)

    # ---- hazards: the store's lifecycle, through its service functions (the CLI's own rules) ---------

    def _hazard_list(**filters) -> list[dict]:
        from yinhuan.store import service
        return service.list_hazards(store, as_of=date.today(), **filters)

    @app.get("/hazards")
    def hazards():
        from yinhuan.store.models import STATES
        on = date.today()
        f = {k: request.args.get(k, "") for k in ("district", "state", "overdue", "listed", "q")}
        if f["state"] and f["state"] not in STATES:
            abort(400, "未知的隐患状态")
        rows = _hazard_list(district=_scope() or f["district"] or None, state=f["state"] or None,
                            overdue_on=on if f["overdue"] else None, listed=True if f["listed"] else None,
                            enterprise=f["q"].strip() or None)
        return render_template("hazards.html", rows=rows, f=f, states=STATES, districts=ents.districts())

    def _hazard(hid: int) -> dict:
        from yinhuan.store import service
        try:
            shown = service.show_hazard(store, hid, date.today())
        except InputError:
            abort(404)
        _own(shown["hazard"]["district"])
        return shown

    @app.get("/hazards/<int:hid>")
    def hazard(hid):
        from yinhuan.store.models import STATES
        return render_template("hazard.html", shown=_hazard(hid), states=STATES, today=date.today().isoformat())

    def _day(name: str, required: bool = True) -> date | None:
        text = request.form.get(name, "").strip()
        if not text and not required:
            return None
        try:
            return parse_date(text)
        except BadDate as exc:
            raise InputError(str(exc), field=name) from None

    def _act(hid: int, action) -> Response:
        """Run one lifecycle action; a refusal (the store's own message) is shown on the hazard's page."""
        _hazard(hid)
        try:
            action()
        except InputError as exc:
            from yinhuan.store.models import STATES
            return render_template("hazard.html", shown=_hazard(hid), states=STATES, error=exc.message,
                                   today=date.today().isoformat()), 400
        flash("已保存")
        return redirect(url_for("hazard", hid=hid))

    @app.post("/hazards/<int:hid>/move")
    def hazard_move(hid):
        from yinhuan.store import service
        fv = request.form.get
        return _act(hid, lambda: service.move_hazard(
            store, g.user.username, hid, fv("to", ""), _day("on"), note=fv("note", "").strip(),
            rectified_on=_day("rectified_on", False),
            signatures={"主要负责人": fv("principal", ""), "安全总监": fv("safety_director", "")},
            five={"responsible": fv("responsible", ""), "measures": fv("measures", ""), "funds": fv("funds", ""),
                  "plan": fv("plan", ""), "deadline": _day("deadline", False)}))

    @app.post("/hazards/<int:hid>/extend")
    def hazard_extend(hid):
        from yinhuan.store import service
        return _act(hid, lambda: service.extend_hazard(store, g.user.username, hid, _day("new_deadline"),
                                                       request.form.get("reason", ""), _day("on")))

    @app.post("/hazards/<int:hid>/supervise")
    def hazard_supervise(hid):
        from yinhuan.store import service
        return _act(hid, lambda: service.supervise_hazard(store, g.user.username, hid, request.form.get("unit", ""),
                                                          request.form.get("level", "部门"), _day("on")))

    @app.get("/bureau/charts")
    def charts():
        checklist, period, cumulative = _table_args()
        view = bureau.table(ctx["tallies"], checklist, period, True)
        cols = view.data["columns"]
        metric = request.args.get("metric") or cols[0]["metric"]
        col = next((c for c in cols if c["metric"] == metric), cols[0])
        rows = [r for r in view.data["rows"] if not r["total"]]
        districts = [r["district"] for r in rows]
        svg_counter = bar_chart(f"{col['title']}（累计至 {period}）", districts,
                                [(col["part"], [float(r["values"][col["metric"]] or 0) for r in rows])])
        hz = _hazard_list()
        months, found, fixed = bureau.per_month(hz)
        svg_months = bar_chart("重大事故隐患：每月发现与整改", months, [("发现", found), ("整改", fixed)], "项")
        ds = sorted({h["district"] for h in hz})
        svg_overdue = bar_chart("逾期未整改与挂牌督办的隐患", ds, [
            ("逾期未整改", [sum(1 for h in hz if h["district"] == d and h["overdue"]) for d in ds]),
            ("挂牌督办", [sum(1 for h in hz if h["district"] == d and h["listed_by"]) for d in ds])], "项")
        plan = _plan_progress()
        svg_plan = bar_chart("部门精准执法：应全覆盖检查的企业（8月1日–11月30日）", plan["districts"], [
            ("已检查", [plan["done"][d] for d in plan["districts"]]),
            ("尚未检查", [plan["todo"][d] for d in plan["districts"]])], "家")
        return render_template("charts.html", charts=[svg_counter, svg_months, svg_overdue, svg_plan], cols=cols,
                               plan=plan,
                               metric=col["metric"], checklist=checklist, period=period,
                               choices=bureau.TABLE_CHECKLISTS)

    def _plan_progress() -> dict:
        """The plan's progress, as `yinhuan plan show` computes it (yinhuan.store.plan)."""
        from yinhuan.store import plan as plan_mod
        rows = [p for p in plan_mod.enterprises(store, plan_mod.WINDOW, date.today()) if plan_mod.must_inspect(p)]
        districts = sorted({p.district for p in rows})
        return {"districts": districts, "window": plan_mod.WINDOW,
                "done": {d: sum(1 for p in rows if p.district == d and p.inspected_on) for d in districts},
                "todo": {d: sum(1 for p in rows if p.district == d and not p.inspected_on) for d in districts},
                "missing": [p for p in rows if not p.inspected_on]}

    # ---- administration -----------------------------------------------------------------------

    @app.get("/admin/access")
    def admin_access():
        endpoints = sorted({r.endpoint for r in app.url_map.iter_rules()})
        roles = (access.ANONYMOUS,) + access.ROLES
        matrix = []
        for ep in endpoints:
            methods = sorted(m for r in app.url_map.iter_rules() if r.endpoint == ep for m in r.methods
                             if m in ("GET", "POST"))
            for m in methods:
                matrix.append((ep, m, [access.decide(ep, m, role) for role in roles]))
        why = None
        q_user, q_path, q_method = request.args.get("user", ""), request.args.get("path", ""), \
            request.args.get("method", "GET")
        if q_path:
            why = _why(q_user, q_path, q_method)
        return render_template("admin_access.html", matrix=matrix, roles=roles, policy=access.POLICY,
                               refusals=ctx["refusals"].latest(50), why=why, q_user=q_user, q_path=q_path,
                               q_method=q_method, users=accounts.all())

    def _why(username: str, path: str, method: str) -> dict:
        """Why would this account be allowed or refused this URL? The same two checks the gate makes."""
        user = accounts.get(username)
        role = user.role if user else access.ANONYMOUS
        adapter = app.url_map.bind("localhost")
        try:
            endpoint, args = adapter.match(path.split("?")[0], method=method)
        except HTTPException:
            return {"user": username, "role": role, "path": path, "decision": access.Decision(False, ["没有这个地址"])}
        d = access.decide(endpoint, method, role)
        obj = None
        if d.allowed and user and access.scoped(role):
            obj = _district_of(endpoint, args)
            if obj is not None:
                d = access.decide(endpoint, method, role, user.district, obj)
        return {"user": username, "role": role, "path": path, "endpoint": endpoint, "decision": d, "object": obj}

    def _district_of(endpoint: str, args: dict) -> str | None:
        if "code" in args and "hid" not in args:
            e = ents.get(args.get("code", ""))
            return e.district if e else None
        if "iid" in args:
            i = insps.get(args["iid"])
            return i.district if i else None
        if "hid" in args:
            h = _hazard_list()
            return next((x["district"] for x in h if x["id"] == args["hid"]), None)
        if "sid" in args:
            from yinhuan.store import models as m
            with store.session() as s:
                row = s.get(m.Inspection, args["sid"])
                return row.enterprise.district if row else None
        return None

    @app.route("/admin/users", methods=["GET", "POST"])
    def admin_users():
        error = None
        if request.method == "POST":
            try:
                accounts.add(g.user.username, request.form.get("username", ""), request.form.get("password", ""),
                             request.form.get("role", ""), request.form.get("district", "").strip() or None,
                             request.form.get("name", "").strip())
                flash("账号已创建")
                return redirect(url_for("admin_users"))
            except InputError as exc:
                error = exc.message
        return render_template("admin_users.html", users=accounts.all(), error=error, roles=access.ROLES,
                               districts=ents.districts()), (400 if error else 200)

    def _account_action(action, done: str):
        try:
            action()
        except InputError as exc:
            return render_template("admin_users.html", users=accounts.all(), error=exc.message, roles=access.ROLES,
                                   districts=ents.districts()), 400
        log.info("%s by %s", done, g.user.username)
        flash(done)
        return redirect(url_for("admin_users"))

    @app.post("/admin/users/<username>/password")
    def admin_user_password(username):
        """An administrator sets someone's password (that account's sessions end)."""
        return _account_action(lambda: accounts.reset_password(g.user.username, username,
                                                               request.form.get("password", "")),
                               f"已重设 {username} 的密码")

    @app.post("/admin/users/<username>/role")
    def admin_user_role(username):
        """Change an account's role and district (that account's sessions end)."""
        role, district = request.form.get("role", ""), request.form.get("district", "").strip()
        return _account_action(lambda: accounts.set_role(g.user.username, username, role, district),
                               f"已将 {username} 改为{access.ROLE_NAMES.get(role, role)}（{district or '全市'}）")

    @app.post("/admin/users/<username>/disable")
    def admin_user_disable(username):
        """Disable (disabled=1) or enable again (disabled=0) an account."""
        off = request.form.get("disabled") == "1"
        return _account_action(lambda: accounts.set_disabled(g.user.username, username, off),
                               f"已{'停用' if off else '启用'}账号 {username}")
