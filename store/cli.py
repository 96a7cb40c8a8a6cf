"""`yinhuan db|users|import|hazards|plan`: a thin click layer over yinhuan.store's functions.

Nothing heavy is imported at module level (SQLAlchemy loads only when a store command runs), so
`yinhuan --help` stays fast. Registered in the main CLI by one line, like yinhuan.reports.
"""
from __future__ import annotations

import getpass
import json
import os

import click

DB_HELP = "数据库：SQLite 文件路径（默认当前目录 yinhuan.db）或 postgresql://用户@主机:端口/库名"


def db_option(f):
    return click.option("--db", default=None, help=DB_HELP)(f)


def user_option(f):
    return click.option("--user", "actor", default=None,
                        help="操作人用户名（默认环境变量 YINHUAN_USER，其次为当前登录名）")(f)


def actor_of(actor: str | None) -> str:
    return actor or os.environ.get("YINHUAN_USER") or getpass.getuser()


@click.group()
def db():
    """数据库（系统台账）：初始化、升级、状态、校验。"""


@db.command("init")
@db_option
@user_option
def db_init(db, actor):
    """新建数据库（已存在则只升级到最新结构），并把当前操作人登记为管理员。"""
    from . import db as dbm, service
    before, after = dbm.upgrade(db)
    store = dbm.connect(db)
    created = service.ensure_admin(store, actor_of(actor))
    where = dbm.display_url(store.url)
    if before is None:
        click.echo(f"已初始化数据库 {where}（结构版本 {after}）")
    else:
        click.echo(f"数据库 {where} 已存在（结构版本 {before}{' → ' + after if after != before else ''}）")
    if created:
        click.echo(f"已登记管理员 {created}")


@db.command("upgrade")
@db_option
def db_upgrade(db):
    """把数据库结构升级到最新版本（Alembic 迁移，不丢记录）。"""
    from . import db as dbm
    before, after = dbm.upgrade(db)
    click.echo(f"结构版本：{before or '（空库）'} → {after}" if before != after else f"已是最新结构版本 {after}")


@db.command("status")
@db_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def db_status(db, fmt):
    """数据库地址、结构版本和各类记录数。"""
    from . import db as dbm
    st = dbm.status(db)
    if fmt == "json":
        click.echo(json.dumps(st, ensure_ascii=False, indent=2))
        return
    click.echo(f"数据库：{st['url']}")
    if st["revision"] is None:
        click.echo(f"结构版本：未初始化（请运行 yinhuan db init）")
        raise SystemExit(1)
    click.echo(f"结构版本：{st['revision']}（最新 {st['head']}）" + ("" if st["current"] else "，需运行 yinhuan db upgrade"))
    names = {"enterprises": "企业", "inspections": "检查", "findings": "检查结果", "hazards": "重大事故隐患",
             "activities": "局工作记录", "documents": "导入文件", "users": "用户", "plan_draws": "抽查抽签",
             "events": "事件"}
    for k, v in st["counts"].items():
        click.echo(f"  {names.get(k, k)}：{v}")
    if not st["current"]:
        raise SystemExit(1)


@db.command("verify")
@db_option
def db_verify(db):
    """校验事件哈希链和记录：发现在程序之外被改动或删除的记录时退出码为 1。"""
    from . import db as dbm, events
    store = dbm.connect(db)
    with store.session() as s:
        n, problems = events.verify(s)
    for p in problems:
        click.echo(f"错误：{p}", err=True)
    if problems:
        click.echo(f"校验未通过：{n} 个事件，{len(problems)} 处问题")
        raise SystemExit(1)
    click.echo(f"校验通过：{n} 个事件，哈希链完整，记录与事件一致")


@click.group()
def users():
    """用户：检查员（inspector）、管理员（admin）、只读（viewer）。"""


@users.command("add")
@db_option
@user_option
@click.argument("username")
@click.option("--name", "display_name", default="", help="姓名")
@click.option("--role", type=click.Choice(["inspector", "admin", "viewer"]), default="inspector", show_default=True)
@click.option("--district", default="", help="所属区市")
@click.option("--password", default=None, help="登录口令（网页端用；不给则不能登录网页）")
def users_add(db, actor, username, display_name, role, district, password):
    """登记一个用户。"""
    from . import db as dbm, users as um
    store = dbm.connect(db)
    with store.session() as s:
        um.create_user(s, actor_of(actor), username, display_name, role, district, password)
    click.echo(f"已登记用户 {username}（{um.ROLE_NAMES[role]}）")


@users.command("list")
@db_option
def users_list(db):
    """列出用户。"""
    from sqlalchemy import select
    from . import db as dbm, models, users as um
    store = dbm.connect(db)
    with store.session() as s:
        for u in s.scalars(select(models.User).order_by(models.User.username)):
            click.echo(f"{u.username}\t{u.display_name}\t{um.ROLE_NAMES[u.role]}\t{u.district}"
                       + ("\t已停用" if u.disabled_at else ""))


@click.command("import")
@db_option
@user_option
@click.option("--sector", type=click.Choice(["工贸", "非煤矿山"]),
              help="局工作记录所属行业（局工作记录文件本身不写行业；两个行业存入同一数据库时须注明）")
@click.argument("files", nargs=-1, required=True, type=click.Path())
def import_(db, actor, sector, files):
    """导入文件到数据库：检查结果 JSON、企业证据文件、隐患台账（.xlsx/.csv）、局工作记录。

    每个文件整份校验、整份导入（一个事务）；有错的文件整份拒绝，指出文件、行和字段；
    同一文件重复导入不产生任何变化。"""
    from . import db as dbm, importer
    store = dbm.connect(db)
    reports, refused = importer.import_files(store, files, actor_of(actor), sector)
    for r in reports:
        click.echo(r.line())
    for e in refused:
        click.echo(f"错误：{e}（整份文件未导入）", err=True)
    if refused:
        raise SystemExit(2)


def _day(value, name):
    from datetime import date
    from yinhuan.dates import BadDate, parse_date
    from yinhuan.errors import InputError
    if value is None:
        return date.today()
    try:
        return parse_date(value)
    except BadDate as exc:
        raise InputError(str(exc), field=name) from None


@click.group()
def hazards():
    """重大事故隐患：查询、查看历史、状态流转（发现→整改中→已整改(待验收)→已销号）、延期、挂牌督办。"""


@hazards.command("list")
@db_option
@click.option("--district", help="区市")
@click.option("--state", help="状态：发现、整改中、已整改(待验收)、已销号")
@click.option("--overdue", is_flag=True, help="只列逾期未整改的（截至 --as-of）")
@click.option("--listed/--not-listed", "listed", default=None, help="只列已挂牌督办的 / 未挂牌的")
@click.option("--enterprise", help="企业：统一社会信用代码或名称中的字")
@click.option("--as-of", "as_of", help="判断逾期的日期，默认今天")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def hazards_list(db, district, state, overdue, listed, enterprise, as_of, fmt):
    """按条件列出隐患。"""
    from . import db as dbm, service
    day = _day(as_of, "--as-of")
    store = dbm.connect(db)
    rows = service.list_hazards(store, district=district, state=state, overdue_on=day if overdue else None,
                                listed=listed, enterprise=enterprise, as_of=day)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    for h in rows:
        flags = "".join(f"［{x}］" for x in (("逾期" if h["overdue"] else ""), ("挂牌" if h["listed_by"] else ""),
                                             ("复现" if h["recurrences"] else "")) if x)
        click.echo(f"#{h['id']}\t{h['state']}{flags}\t{h['district']}\t{h['enterprise']}\t"
                   f"{h['found_on']} {h['found_by']}\t期限 {h['deadline'] or '未定'}\t"
                   + (f"［{h['place']}］" if h["place"] else "") + h["description"])
    click.echo(f"共 {len(rows)} 条")


@hazards.command("show")
@db_option
@click.argument("hazard_id", type=int)
@click.option("--as-of", "as_of", help="判断逾期和处罚建议的日期，默认今天")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def hazards_show(db, hazard_id, as_of, fmt):
    """一条隐患的详情、每次发现、全部历史（谁、何时、依据）和执法建议。"""
    from . import db as dbm, service
    store = dbm.connect(db)
    d = service.show_hazard(store, hazard_id, _day(as_of, "--as-of"))
    if fmt == "json":
        click.echo(json.dumps(d, ensure_ascii=False, indent=2, default=str))
        return
    h = d["hazard"]
    click.echo(f"隐患 #{h['id']}：{h['description']}")
    for label, key in (("企业", "enterprise"), ("统一社会信用代码", "credit_code"), ("区市", "district"),
                       ("判定依据", "basis"), ("部位", "place"), ("发现", "found"), ("状态", "state"),
                       ("整改期限", "deadline"),
                       ("整改责任人", "responsible"), ("整改措施", "measures"), ("挂牌督办", "listed"),
                       ("完成整改", "rectified"), ("销号签字", "signed_off"), ("发现次数", "times_found"),
                       ("销号后复现", "recurrences"), ("行政处罚", "penalties")):
        if h.get(key) not in (None, "", {}, 0):
            click.echo(f"  {label}：{h[key]}")
    if h["overdue"]:
        click.echo("  逾期：是")
    click.echo("发现记录：")
    for x in d["sightings"]:
        click.echo(f"  {x['seen_on']} {x['found_by']}：{x['source']}")
    click.echo("历史：")
    for e in d["history"]:
        click.echo(f"  #{e['seq']} {e['at']} {e['actor']} {e['what']}")
    if d["suggestions"]:
        click.echo("执法建议（仅供检查人员参考，不是处理决定）：")
        for text, cite in d["suggestions"]:
            click.echo(f"  - {text}（依据：{cite}）")


@hazards.command("move")
@db_option
@user_option
@click.argument("hazard_id", type=int)
@click.argument("state")
@click.option("--on", "on", help="操作日期，默认今天")
@click.option("--note", default="", help="说明：验收意见、退回或重新打开的原因")
@click.option("--rectified-on", "rectified_on", help="完成整改日期（改为已整改时必填）")
@click.option("--responsible", default="", help="五到位：整改责任人")
@click.option("--measures", default="", help="五到位：整改措施")
@click.option("--funds", default="", help="五到位：整改资金")
@click.option("--plan", "emergency_plan", default="", help="五到位：应急预案")
@click.option("--deadline", help="五到位：整改期限（首次确定；之后只能延期）")
@click.option("--principal", default="", help="销号：主要负责人签字（姓名）")
@click.option("--safety-director", "safety_director", default="", help="销号：安全总监签字（姓名）")
def hazards_move(db, actor, hazard_id, state, on, note, rectified_on, responsible, measures, funds,
                 emergency_plan, deadline, principal, safety_director):
    """把隐患改为另一状态；不合规的流转被拒绝并说明原因。"""
    from . import db as dbm, service
    store = dbm.connect(db)
    h = service.move_hazard(store, actor_of(actor), hazard_id, state, _day(on, "--on"), note=note,
                            rectified_on=_day(rectified_on, "--rectified-on") if rectified_on else None,
                            signatures={"主要负责人": principal, "安全总监": safety_director},
                            five={"responsible": responsible, "measures": measures, "funds": funds,
                                  "plan": emergency_plan,
                                  "deadline": _day(deadline, "--deadline") if deadline else None})
    click.echo(f"隐患 #{h['id']} 已改为 {h['state']}")


@hazards.command("extend")
@db_option
@user_option
@click.argument("hazard_id", type=int)
@click.option("--to", "new_deadline", required=True, help="新的整改期限")
@click.option("--reason", required=True, help="延期理由")
@click.option("--on", "on", help="批准日期，默认今天")
def hazards_extend(db, actor, hazard_id, new_deadline, reason, on):
    """延期（须应急管理局即管理员批准，写明理由和新期限）：整改期限唯一的暂停方式。"""
    from . import db as dbm, service
    store = dbm.connect(db)
    h = service.extend_hazard(store, actor_of(actor), hazard_id, _day(new_deadline, "--to"), reason, _day(on, "--on"))
    click.echo(f"隐患 #{h['id']} 整改期限延至 {h['deadline']}")


@hazards.command("supervise")
@db_option
@user_option
@click.argument("hazard_id", type=int)
@click.option("--unit", required=True, help="挂牌督办单位（谁发现谁挂牌）")
@click.option("--level", type=click.Choice(["部门", "政府"]), default="部门", show_default=True)
@click.option("--on", "on", help="挂牌日期，默认今天")
def hazards_supervise(db, actor, hazard_id, unit, level, on):
    """挂牌督办（谁发现谁挂牌；涉及多部门的提请政府安委会挂牌）。"""
    from . import db as dbm, service
    store = dbm.connect(db)
    h = service.supervise_hazard(store, actor_of(actor), hazard_id, unit, level, _day(on, "--on"))
    click.echo(f"隐患 #{h['id']} 由 {h['listed_by']} 挂牌督办（{h['listed_level']}）")


@hazards.command("penalty")
@db_option
@user_option
@click.argument("hazard_id", type=int)
@click.option("--note", required=True, help="处罚决定书文号或说明")
@click.option("--on", "on", help="处罚日期，默认今天")
@click.option("--amount", help="罚款金额（万元），计入调度表的行政处罚金额")
def hazards_penalty(db, actor, hazard_id, note, on, amount):
    """记录对该隐患的一次行政处罚（tally --db 计入行政处罚次数和金额）。"""
    from decimal import Decimal, InvalidOperation
    from yinhuan.errors import InputError
    from . import db as dbm, service
    try:
        money = Decimal(amount) if amount is not None else None
    except InvalidOperation:
        raise InputError(f"罚款金额应为数字（万元），得到 “{amount}”", field="--amount") from None
    store = dbm.connect(db)
    h = service.penalise_hazard(store, actor_of(actor), hazard_id, _day(on, "--on"), note, money)
    click.echo(f"隐患 #{h['id']} 已记录行政处罚（共 {h['penalties']} 次）")


@click.group()
def plan():
    """部门精准执法阶段检查计划：重点企业全覆盖（8月1日–11月30日）、其他工贸企业“双随机”抽查、进度。"""


@plan.command("show")
@db_option
@click.option("--district", help="只看一个区市")
@click.option("--as-of", "as_of", help="进度截至日期，默认今天")
@click.option("--from", "lo", default="2023-08-01", show_default=True, help="全覆盖检查起始日")
@click.option("--to", "hi", default="2023-11-30", show_default=True, help="全覆盖检查截止日")
def plan_show(db, district, as_of, lo, hi):
    """列出应全覆盖检查的企业（重点企业、非煤矿山）及进度：哪些尚未由部门检查。"""
    from . import db as dbm, plan as pm
    store = dbm.connect(db)
    rows = [p for p in pm.enterprises(store, (_day(lo, "--from"), _day(hi, "--to")), _day(as_of, "--as-of"), district)
            if pm.must_inspect(p)]
    done = [p for p in rows if p.inspected_on]
    click.echo(f"应全覆盖检查 {len(rows)} 家（{lo} 至 {hi}），已检查 {len(done)} 家，尚未检查 {len(rows) - len(done)} 家")
    for p in rows:
        state = "已检查 " + "、".join(d.isoformat() for d in p.inspected_on) if p.inspected_on else "尚未检查"
        click.echo(f"{state}\t{p.district}\t{p.name}（{p.credit_code}）\t{p.label}")


@plan.command("draw")
@db_option
@user_option
@click.option("--count", type=int, help="抽查家数")
@click.option("--ratio", type=float, help="抽查比例（0–1），与 --count 二选一")
@click.option("--seed", help="随机种子（不给则随机生成；给出已公布的种子可重现抽签）")
@click.option("--district", help="只在一个区市内抽")
@click.option("--note", default="", help="说明，如 2023年8月工贸双随机抽查")
def plan_draw(db, actor, count, ratio, seed, district, note):
    """“双随机”抽取非重点工贸企业；种子、名单和抽中结果存入数据库并打印，任何人可重现。"""
    from . import db as dbm, plan as pm
    store = dbm.connect(db)
    row = pm.draw(store, actor_of(actor), count=count, ratio=ratio, seed=seed, district=district, note=note)
    who = pm.names(store)
    click.echo(f"抽签 #{row.id}：种子 {row.seed}；从 {len(row.population)} 家非重点工贸企业中抽取 {len(row.drawn)} 家")
    for code in row.drawn:
        name, d = who.get(code, ("", ""))
        click.echo(f"  {d}\t{name}（{code}）")
    click.echo(f"重现：yinhuan plan replay {row.id}（或在同一企业名单上用 --seed {row.seed}）")


@plan.command("replay")
@db_option
@click.argument("draw_id", type=int)
def plan_replay(db, draw_id):
    """按存储的种子和名单重新抽签，核对结果是否一致。"""
    from . import db as dbm, plan as pm
    row, same = pm.replay(dbm.connect(db), draw_id)
    click.echo(f"抽签 #{row.id}（{row.drawn_at:%Y-%m-%d %H:%M} {row.drawn_by}，种子 {row.seed}）："
               + ("重新抽签结果一致" if same else "重新抽签结果不一致！"))
    if not same:
        raise SystemExit(1)


@plan.command("draws")
@db_option
def plan_draws(db):
    """列出已存储的抽签。"""
    from . import db as dbm, plan as pm
    for row in pm.draws(dbm.connect(db)):
        click.echo(f"#{row.id}\t{row.drawn_at:%Y-%m-%d %H:%M}\t{row.drawn_by}\t种子 {row.seed}\t"
                   f"{len(row.drawn)}/{len(row.population)} 家\t{row.params.get('note') or ''}")


@hazards.command("link")
@db_option
@user_option
@click.argument("hazard_id", type=int)
@click.option("--record", "record_id", required=True, help="企业台账中的记录编号（如 H-7），今后导入的该记录并入此隐患")
def hazards_link(db, actor, hazard_id, record_id):
    """人工关联：指明企业台账的某条记录就是这条隐患（描述或判定依据写法不同也不再另立一条）。"""
    from . import db as dbm, service
    h = service.link_hazard(dbm.connect(db), actor_of(actor), hazard_id, record_id)
    click.echo(f"台账记录 {record_id} 已关联到隐患 #{h['id']}")


def _guard(cmd: click.Command) -> None:
    """A database failure (server gone, disk full, a constraint) is one Chinese message and exit 2,
    never a traceback; the transaction was rolled back, so nothing half-written stays."""
    import functools
    inner = cmd.callback

    @functools.wraps(inner)
    def wrapped(*args, **kwargs):
        from sqlalchemy.exc import SQLAlchemyError
        from yinhuan.errors import InputError
        try:
            return inner(*args, **kwargs)
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise InputError(f"数据库操作失败，未做任何更改：{detail}", field="--db") from None
    if inner is not None:
        cmd.callback = wrapped
    for sub in getattr(cmd, "commands", {}).values():
        _guard(sub)


def store_check_results(db, actor, results, checklist_id, choice=None) -> None:
    """`check --db`: keep the results (called by the check command after it computed them), with the
    digest of the rulebook they were computed with."""
    from . import checkrun, db as dbm
    store = dbm.connect(db)
    version = checkrun.rulebook_version(choice.book if choice is not None else None)
    for r in checkrun.store_results(store, results, checklist_id, actor_of(actor), version):
        click.echo("已存入数据库：" + r.line(), err=True)


def register(main: click.Group) -> None:
    """Add the store's commands to the main CLI."""
    from .users_cli import attach
    attach(users)       # users passwd|disable|enable
    for cmd in (db, users, import_, hazards, plan):
        _guard(cmd)
        main.add_command(cmd)
