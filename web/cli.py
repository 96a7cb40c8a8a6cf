"""`yinhuan serve`: start the web app (bound to 127.0.0.1 unless --host says otherwise)."""
from __future__ import annotations

import logging

import click

DEMO_PASSWORD = "yinhuan-demo"
DEMO_ACCOUNTS = (("huancui", "inspector", "环翠区", "孔令军"), ("wendeng", "inspector", "文登区", "王建"),
                 ("admin", "admin", None, "市局管理员"), ("viewer", "viewer", None, "市局领导"))


def seed_demo_accounts(accounts) -> list[str]:
    """The demo's four accounts in the store, created once (never overwriting a changed password)."""
    made = []
    for username, role, district, name in DEMO_ACCOUNTS:
        if accounts.get(username) is None:
            accounts.add("demo", username, DEMO_PASSWORD, role, district, name)
            made.append(username)
    return made


def import_demo(store) -> list[str]:
    """The bundled enterprises and the bureau example into the store, as `yinhuan import` would
    (idempotent: a second start changes nothing)."""
    from yinhuan.store import service
    from .data import demo_activity_files, demo_files
    reports, refused = service.import_files(store, [str(p) for p in demo_files()], "demo")
    for sector, files in demo_activity_files().items():
        more, refusals = service.import_files(store, [str(p) for p in files], "demo", sector=sector)
        reports, refused = reports + more, refused + refusals
    return [r.line() for r in reports if not r.unchanged] + [f"未导入：{e}" for e in refused]


@click.command("serve", help="启动网页版（检查人员录入与判定，应急管理局调度表、图表和隐患）。")
@click.option("--db", default="yinhuan.db", show_default=True, help="数据库（SQLite 文件或 postgresql://…）")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址；只有明确指定才对外开放")
@click.option("--port", default=8000, show_default=True, type=int, help="端口")
@click.option("--demo", is_flag=True, help="使用随包示例数据，并创建演示账号（密码 yinhuan-demo）")
def serve(db, host, port, demo):
    from yinhuan.store import db as store_db
    from .app import create_app
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if demo:
        store_db.upgrade(db)     # the demo's store: created, or brought up to date (never emptied)
    app = create_app(db=db)
    from .data import import_file_drafts
    moved = import_file_drafts(app.extensions["yinhuan"]["store"], db)
    if moved:
        click.echo(f"已把 {len(moved)} 份网页检查（旧版保存在数据库旁的文件中）存入数据库")
    accounts = app.extensions["yinhuan"]["accounts"]
    if demo:
        made = seed_demo_accounts(accounts)
        if made:
            click.echo(f"已创建演示账号：{'、'.join(made)}（密码 {DEMO_PASSWORD}）")
        for line in import_demo(app.extensions["yinhuan"]["store"]):
            click.echo(line)
    if not accounts.all():
        click.echo("尚无账号：用 yinhuan users add 创建，或加 --demo 创建演示账号", err=True)
    click.echo(f"网页版：http://{host}:{port}/  （Ctrl+C 停止）")
    # waitress, not Werkzeug's development server: a multi-threaded production WSGI server in pure
    # Python (nothing to compile on a bureau's Windows laptop or intranet server), no debugger, no
    # "do not use in production" banner in English on the clerk's console
    import waitress
    waitress.serve(app, host=host, port=port, threads=8, ident="yinhuan", _quiet=True)
