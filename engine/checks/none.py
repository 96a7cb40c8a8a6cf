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
    fact, missing = section_check(fact, what)
    subject = c.get("subject")
    if subject is not None:
        unseen = (subject.get("if_absent", INSUFFICIENT), f"未记录{subject['what']}，无法判定是否存在{what}", (), None)

    def decide(sel, evidence, as_of):
        if fact not in evidence.present:
            return missing
        bad = [f["id"] for f in sel["match"]]
        if bad:
            return FAIL, (_present, what, bad), bad, (_violations, bad)
        if subject is not None:
            looked = [f["id"] for f in sel["subject"]]
            if not looked:
                return unseen
            return PASS, (_absent_among, what, subject["what"], looked), looked, None
        return PASS, (_absent, what, len(evidence.facts.get(fact, ()))), (), None
    return decide


def _present(what, bad):
    return f"存在{what}：{ids_text(bad)}"


def _violations(bad):
    return {"violations": bad}


def _absent_among(what, subject, looked):
    return f"未发现{what}（已核查{subject} {ids_text(looked)}）"


def _absent(what, checked):
    return f"未发现{what}（已核查 {checked} 条记录）"
