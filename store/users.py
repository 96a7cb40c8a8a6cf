"""People who act on the store. Passwords are kept as scrypt hashes (standard library, no extra
dependency); the web app sets and checks them through these functions."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from yinhuan.errors import InputError

from . import events, models, webstate

ROLE_NAMES = {"inspector": "检查员", "admin": "管理员", "viewer": "只读"}
_N, _R, _P = 2 ** 14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    dk = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(dk).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, dk = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
        return hmac.compare_digest(got, base64.b64decode(dk))
    except (ValueError, TypeError):
        return False


def create_user(s: Session, actor: str, username: str, display_name: str, role: str, district: str = "",
                password: str | None = None) -> models.User:
    if role not in models.ROLES:
        raise InputError(f"角色应为 {'、'.join(models.ROLES)} 之一，得到 “{role}”", field="role")
    if not username.strip():
        raise InputError("用户名不能为空", field="username")
    events.lock(s)
    if s.scalar(select(models.User).where(models.User.username == username)):
        raise InputError(f"用户 {username} 已存在", field="username")
    u = models.User(username=username, display_name=display_name or username, role=role, district=district,
                    password_hash=hash_password(password) if password else "", created_at=events.now())
    s.add(u)
    s.flush()
    events.record(s, actor, "user.create", "user", u.id,
                  {"username": username, "role": role, "district": district}, row=u)
    return u


MIN_PASSWORD = 8


def check_new_password(password: str) -> None:
    """The one password rule (CLI and web alike): at least MIN_PASSWORD characters."""
    if len(password or "") < MIN_PASSWORD:
        raise InputError(f"密码至少 {MIN_PASSWORD} 位", field="password")


def set_password(s: Session, actor: str, username: str, password: str) -> None:
    """Set an account's password (an administrator for someone, or `change_password` for oneself)."""
    check_new_password(password)
    events.lock(s)
    u = get_user(s, username)
    u.password_hash = hash_password(password)
    events.record(s, actor, "user.password", "user", u.id, {"username": username, "by": actor}, row=u)
    webstate.end_sessions(s, username, "密码已更改")


def change_password(s: Session, username: str, old: str, new: str) -> None:
    """A user changes their own password: the old one is required."""
    u = get_user(s, username)
    if not (u.password_hash and check_password(old, u.password_hash)):
        raise InputError("原密码不正确", field="old_password")
    if old == new:
        raise InputError("新密码不能与原密码相同", field="password")
    set_password(s, username, username, new)


def set_disabled(s: Session, actor: str, username: str, disabled: bool) -> models.User:
    """Disable (or enable again) an account: a disabled account cannot sign in, and the web app ends
    its sessions at their next request. Nobody disables themselves (there would be no one to undo it)."""
    events.lock(s)
    u = get_user(s, username)
    if disabled and actor == username:
        raise InputError("不能停用自己的账号", field="user")
    if bool(u.disabled_at) == disabled:
        raise InputError(f"账号 {username} {'已是停用状态' if disabled else '未被停用'}", field="user")
    u.disabled_at = events.now() if disabled else None
    events.record(s, actor, "user.disable" if disabled else "user.enable", "user", u.id, {"username": username},
                  row=u)
    if disabled:
        webstate.end_sessions(s, username, "账号已停用")
    return u


def set_role(s: Session, actor: str, username: str, role: str, district: str = "") -> models.User:
    """Change an account's role and district (event `user.role`, with what they were); the account's
    sessions end, so the next request signs in under the new role and district wall. An inspector
    has a district (else nothing would wall them in); nobody changes their own (no self-promotion,
    and no administrator demoting the last administrator by accident)."""
    district = (district or "").strip()
    if role not in models.ROLES:
        raise InputError(f"角色应为 {'、'.join(models.ROLES)} 之一，得到 “{role}”", field="role")
    if role == "inspector" and not district:
        raise InputError("检查人员账号必须指定区市", field="district")
    events.lock(s)
    u = get_user(s, username)
    if actor == username:
        raise InputError("不能更改自己的角色或区市", field="user")
    if (u.role, u.district or "") == (role, district):
        raise InputError(f"账号 {username} 的角色和区市没有变化", field="role")
    was = {"role": u.role, "district": u.district or ""}
    u.role, u.district = role, district
    events.record(s, actor, "user.role", "user", u.id,
                  {"username": username, "role": role, "district": district, "was": was}, row=u)
    webstate.end_sessions(s, username, "角色或区市已更改")
    return u


def get_user(s: Session, username: str) -> models.User:
    u = s.scalar(select(models.User).where(models.User.username == username))
    if u is None:
        raise InputError(f"没有用户 {username}", field="user")
    return u


def authenticate(s: Session, username: str, password: str) -> models.User | None:
    u = s.scalar(select(models.User).where(models.User.username == username))
    return u if (u is not None and u.password_hash and u.disabled_at is None
                 and check_password(password, u.password_hash)) else None
