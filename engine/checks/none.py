"""none: no record of a kind matches (淘汰的电气焊设备, 无证上岗的特种作业人员, 判定标准的情形).

The matching records are the violations. This is also how fact-pattern major-hazard criteria are
written: the pattern describes the hazard, and a match is a finding.
"""
from __future__ import annotations

from ..findings import FAIL, PASS, Outcome, ids_text
from .context import missing_section


def selections(rule):
    c = rule.check
    return {"match": (c["fact"], rule.conditions["where"], c.get("as"))}


def decide(rule, sel, ctx) -> Outcome:
    c = rule.check
    what = c["what"]
    if not ctx.provided(c["fact"]):
        return missing_section(ctx, c["fact"], what)
    bad = [f["id"] for f in sel["match"]]
    if bad:
        return Outcome(FAIL, f"存在{what}：{ids_text(bad)}", bad, {"violations": bad})
    return Outcome(PASS, f"未发现{what}（已核查 {len(ctx.evidence.facts.get(c['fact'], []))} 条记录）")
