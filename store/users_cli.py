"""`yinhuan users passwd|role|disable|enable`: account changes from the command line, the same functions
(and the same events) as the web app's account pages. Attached to the `users` group of store/cli.py."""
from __future__ import annotations

import click

from .cli import actor_of, db_option, user_option


@click.command("passwd")
@db_option
@user_option
@click.argument("username")
@click.option("--password", default=None, help="新密码（不给则在终端输入两次，不回显）")
def users_passwd(db, actor, username, password):
    """设置一个账号的登录密码（管理员为他人重设；本人修改请用网页“我的账号”，须输入原密码）。"""
    from . import db as dbm, users as um
    if password is None:
        password = click.prompt("新密码", hide_input=True, confirmation_prompt="再输入一次")
    with dbm.connect(db).session() as s:
        um.set_password(s, actor_of(actor), username, password)
    click.echo(f"已设置 {username} 的密码（该账号已登录的网页会话随之失效）")


def _toggle(disabled: bool):
    @click.command("disable" if disabled else "enable")
    @db_option
    @user_option
    @click.argument("username")
    def cmd(db, actor, username):
        from . import db as dbm, users as um
        with dbm.connect(db).session() as s:
            um.set_disabled(s, actor_of(actor), username, disabled)
        click.echo(f"已{'停用' if disabled else '启用'}账号 {username}"
                   + ("（不能再登录，已登录的网页会话随之结束）" if disabled else ""))
    cmd.help = "停用一个账号：不能再登录，已登录的会话结束。" if disabled else "重新启用一个已停用的账号。"
    return cmd


@click.command("role")
@db_option
@user_option
@click.argument("username")
@click.option("--role", "role", required=True, type=click.Choice(["inspector", "admin", "viewer"]),
              help="新角色：inspector 检查人员、admin 管理员、viewer 只读")
@click.option("--district", default="", help="区市（检查人员必填；其他角色不填为全市）")
def users_role(db, actor, username, role, district):
    """更改一个账号的角色和区市（记为事件 user.role；该账号已登录的网页会话随之结束）。"""
    from . import db as dbm, users as um
    with dbm.connect(db).session() as s:
        um.set_role(s, actor_of(actor), username, role, district)
    click.echo(f"已将 {username} 改为 {role}（{district or '全市'}），该账号已登录的网页会话随之结束")


def attach(group: click.Group) -> None:
    for cmd in (users_passwd, users_role, _toggle(True), _toggle(False)):
        group.add_command(cmd)
