"""profile: a condition on the enterprise profile (a safety director is appointed; a safety
management body or enough safety staff). A failure caused only by fields the evidence file left
out is 证据不足, not 不符合."""
from __future__ import annotations

from .. import conditions as C
from ..findings import FAIL, INSUFFICIENT, PASS, Outcome


def selections(rule):
    return {"ok": ("profile", rule.conditions["require"], None)}


def decide(rule, sel, ctx) -> Outcome:
    requirement = rule.check["requirement"]
    if sel["ok"]:
        return Outcome(PASS, lambda: f"企业画像显示：{requirement}")
    profile = ctx.evidence.profile
    absent = sorted({".".join(n.left.path) for n in C.walk(rule.conditions["require"])
                     if isinstance(n, C.Cmp) and n.left.root == "profile" and n.left.path[0] not in profile})
    if absent:
        return Outcome(INSUFFICIENT, f"企业画像缺少 {'、'.join(absent)}，无法核查：{requirement}")
    seen = sorted({".".join(n.left.path) for n in C.walk(rule.conditions["require"])
                   if isinstance(n, C.Cmp) and n.left.root == "profile"})
    values = "，".join(f"{k}={_show(_get(profile, k))}" for k in seen)
    return Outcome(FAIL, f"未满足“{requirement}”（企业画像：{values}）")


def _get(profile: dict, dotted: str):
    for part in dotted.split("."):
        profile = profile.get(part) if isinstance(profile, dict) else None
    return profile


def _show(v) -> str:
    if v in (None, "", []):
        return "空"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, list):
        return "、".join(map(str, v))
    return str(v)
