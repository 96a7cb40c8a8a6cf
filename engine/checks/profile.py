"""profile: a condition on the enterprise profile (a safety director is appointed; a safety
management body or enough safety staff). A failure caused only by fields the evidence file left
out is 证据不足, not 不符合."""
from __future__ import annotations

from .. import conditions as C
from ..findings import FAIL, INSUFFICIENT, PASS
from ..scope import value_text


def selections(rule):
    return {"ok": ("profile", rule.conditions["require"], None)}


def prepare(rule, plan):
    requirement = rule.check["requirement"]
    fields = sorted({n.left.path for n in C.walk(rule.conditions["require"])
                     if isinstance(n, C.Cmp) and n.left.root == "profile"}, key=".".join)
    met = (PASS, f"企业画像显示：{requirement}", (), None)

    def decide(sel, evidence, as_of):
        if sel["ok"]:
            return met
        profile = evidence.profile
        absent = sorted({".".join(path) for path in fields if path[0] not in profile})
        if absent:
            return INSUFFICIENT, f"企业画像缺少 {'、'.join(absent)}，无法核查：{requirement}", (), None
        values = "；".join(value_text(path, profile) for path in fields)
        return FAIL, f"未满足“{requirement}”（{values}）", (), None
    return decide
