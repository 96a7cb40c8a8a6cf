"""none: no record of a kind matches (淘汰的电气焊设备, 无证上岗的特种作业人员, 判定标准的情形).

The matching records are the violations. This is also how fact-pattern major-hazard criteria are
written: the pattern describes the hazard, and a match is a finding.

Optional `subject` (a condition over the same fact type, e.g. kind = 速冻装置) names what the
pattern is about. When no record is a subject, nothing was looked at, so the answer is not 符合
but `if_absent` (default 证据不足; 不适用 where the thing may simply not exist at the site).
"""
from __future__ import annotations

from ..findings import FAIL, INSUFFICIENT, PASS, ids_text
from .context import section_check


def selections(rule):
    c = rule.check
    out = {"match": (c["fact"], rule.conditions["where"], c.get("as"))}
    if "subject" in c:
        out["subject"] = (c["fact"], rule.conditions["subject.where"], None)
    return out


def prepare(rule, plan):
    c = rule.check
    fact, what = c["fact"], c["what"]
    fact, section, missing = section_check(fact, what)
    subject = c.get("subject")
    if subject is not None:
        unseen = (subject.get("if_absent", INSUFFICIENT), f"未记录{subject['what']}，无法判定是否存在{what}", (), None)

    def decide(sel, evidence, as_of):
        facts = evidence.facts
        if fact not in facts and section not in facts:
            return missing
        bad = [f["id"] for f in sel["match"]]
        if bad:
            return FAIL, lambda: f"存在{what}：{ids_text(bad)}", bad, lambda: {"violations": bad}
        if subject is not None:
            looked = [f["id"] for f in sel["subject"]]
            if not looked:
                return unseen
            return PASS, lambda: f"未发现{what}（已核查{subject['what']} {ids_text(looked)}）", looked, None
        checked = len(facts.get(fact, ()))
        return PASS, lambda: f"未发现{what}（已核查 {checked} 条记录）", (), None
    return decide
