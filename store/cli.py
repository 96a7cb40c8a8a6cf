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
            click.echo(f"{u.username}\t{u.display_name}\t{um.ROLE_NAMES[u.role]}\t{u.district}")


def register(main: click.Group) -> None:
    """Add the store's commands to the main CLI."""
    for cmd in (db, users):
        main.add_command(cmd)
