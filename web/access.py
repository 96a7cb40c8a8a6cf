"""Who may do what: one table of rules, deny by default, and every decision explained.

A rule names routes (endpoint globs), the roles it concerns, an effect (allow or deny) and the
reason in Chinese. To decide a request, every rule that matches (route, role, method) is
collected: any deny wins over any allow, whatever their breadth (so a narrow deny such as
"read-only accounts change nothing" always beats a broad allow); no matching rule means deny.
Then the object check: an inspector's request about an enterprise, inspection or hazard of another
district is refused. `decide` returns the decision with the rules that made it, which the
administrator's page shows (and the log records for every refusal).
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

ROLES = ("inspector", "admin", "viewer")
ANONYMOUS = "anonymous"
ROLE_NAMES = {"inspector": "检查人员", "admin": "应急管理局管理员", "viewer": "只读查看", ANONYMOUS: "未登录"}
SIGNED_IN = ROLES
READ = ("GET", "HEAD")
WRITE = ("POST",)


@dataclass(frozen=True)
class Rule:
    routes: tuple[str, ...]
    roles: tuple[str, ...]
    effect: str              # "allow" | "deny"
    reason: str
    methods: tuple[str, ...] = READ + WRITE
    district: bool = False   # an allow that holds only within the user's own district (inspectors)
    unless: tuple[str, ...] = ()   # routes a broad rule leaves out

    def matches(self, endpoint: str, role: str, method: str) -> bool:
        return (role in self.roles and method in self.methods and endpoint not in self.unless
                and any(fnmatch.fnmatchcase(endpoint, r) for r in self.routes))


POLICY: tuple[Rule, ...] = (
    Rule(("static", "login", "home"), (ANONYMOUS,) + SIGNED_IN, "allow", "登录页、首页和静态资源对所有人开放"),
    Rule(("logout", "account", "account_password", "rule"), SIGNED_IN, "allow",
         "已登录用户可以查看本人账号、修改本人密码、查看规则、退出登录"),
    Rule(("enterprises", "enterprise", "inspection", "inspection_pdf", "record", "hazards", "hazard",
          "tables", "table_explain"),
         ("inspector",), "allow", "检查人员可查看本区市的企业、检查、隐患和调度数", READ, district=True),
    Rule(("inspection_new", "inspection_save", "inspection_upload", "inspection_finish", "hazard_move",
          "hazard_supervise"), ("inspector",), "allow",
         "检查人员可在本区市开展检查、录入证据、完成检查、推进隐患整改、挂牌督办", WRITE, district=True),
    Rule(("enterprises", "enterprise", "inspection", "inspection_pdf", "record", "hazards", "hazard",
          "tables", "table_explain", "table_download", "charts"),
         ("admin", "viewer"), "allow", "应急管理局管理员和只读账号可查看全市数据", READ),
    Rule(("hazard_move", "hazard_supervise", "hazard_extend"), ("admin",), "allow",
         "管理员可推进隐患整改流程（验收、销号、挂牌督办、延期审批）", WRITE),
    Rule(("admin_*",), ("admin",), "allow", "只有管理员可管理账号（新建、重设密码、更改角色和区市、停用）、查看访问规则", READ + WRITE),
    Rule(("*",), ("viewer",), "deny", "只读账号不能修改任何数据", WRITE, unless=("login", "logout", "account_password")),
    Rule(("table_download", "charts"), ("inspector",), "deny",
         "全市调度表工作簿和图表汇总各区市的数字，检查人员只能看到本区市"),
    Rule(("inspection_new", "inspection_save", "inspection_upload", "inspection_finish"), ("admin", "viewer"),
         "deny", "检查只能由检查人员本人录入（管理员和只读账号不代录）"),
)


@dataclass
class Decision:
    allowed: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return ("允许：" if self.allowed else "拒绝：") + "；".join(self.reasons)


def decide(endpoint: str | None, method: str, role: str, user_district: str | None = None,
           object_district: str | None = None, policy: tuple[Rule, ...] = POLICY) -> Decision:
    endpoint = endpoint or "<unknown>"
    matched = [r for r in policy if r.matches(endpoint, role, method)]
    denies = [r for r in matched if r.effect == "deny"]
    allows = [r for r in matched if r.effect == "allow"]
    if denies:
        return Decision(False, [r.reason for r in denies] +
                        [f"（拒绝规则优先于 {len(allows)} 条允许规则）"] * bool(allows))
    if not allows:
        return Decision(False, [f"没有任何规则允许{ROLE_NAMES.get(role, role)}访问 {endpoint}（{method}）：默认拒绝"])
    if object_district is not None and any(r.district for r in allows):
        if not user_district or object_district != user_district:
            return Decision(False, [allows[0].reason,
                                    f"但该对象属于{object_district}，本账号只管辖{user_district or '（未设区市）'}"])
    return Decision(True, [r.reason for r in allows])


def scoped(role: str) -> bool:
    """Whether this role only sees its own district (lists are filtered, objects checked)."""
    return role == "inspector"


class DecisionLog:
    """The refusals, for the administrator's page (they are also logged), kept in the store so every
    server's refusals show on every server's page."""

    def __init__(self, store):
        self.store = store

    def add(self, **entry) -> None:
        from yinhuan.store import webstate
        webstate.add_refusal(self.store, **entry)

    def latest(self, n: int = 50) -> list[dict]:
        from yinhuan.store import webstate
        return webstate.latest_refusals(self.store, n)
