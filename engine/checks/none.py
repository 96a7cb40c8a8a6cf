"""none: no record of a kind matches (淘汰的电气焊设备, 无证上岗的特种作业人员, 判定标准的情形).

The matching records are the violations. This is also how fact-pattern major-hazard criteria are
written: the pattern describes the hazard, and a match is a finding.

Optional `subject` (a condition over the same fact type, e.g. kind = 速冻装置) names what the
pattern is about. When no record is a subject, nothing was looked at, so the answer is not 符合
but `if_absent` (default 证据不足; 不适用 where the thing may simply not exist at the site).
"""
from __future__ import annotations

from ..findings import FAIL, INSUFFICIENT, PASS, Outcome, ids_text
from .context import missing_section


def selections(rule):
    c = rule.check
    out = {"match": (c["fact"], rule.conditions["where"], c.get("as"))}
    if "subject" in c:
        out["subject"] = (c["fact"], rule.conditions["subject.where"], None)
    return out


def decide(rule, sel, ctx) -> Outcome:
    c = rule.check
    what = c["what"]
    if not ctx.provided(c["fact"]):
        return missing_section(ctx, c["fact"], what)
    bad = [f["id"] for f in sel["match"]]
    if bad:
        return Outcome(FAIL, lambda: f"存在{what}：{ids_text(bad)}", bad, lambda: {"violations": bad})
    if "subject" in c:
        looked = [f["id"] for f in sel["subject"]]
        if not looked:
            subj = c["subject"]
            return Outcome(subj.get("if_absent", INSUFFICIENT), lambda: f"未记录{subj['what']}，无法判定是否存在{what}")
        return Outcome(PASS, lambda: f"未发现{what}（已核查{c['subject']['what']} {ids_text(looked)}）", looked)
    checked = len(ctx.evidence.facts.get(c["fact"], []))
    return Outcome(PASS, lambda: f"未发现{what}（已核查 {checked} 条记录）")
