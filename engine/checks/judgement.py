"""judgement: an item only a person can assess (e.g. 口头执行、纸面落实), answered 是/否/不适用
with a note, by whom and when. Unanswered is 证据不足; `yinhuan check --ask` asks for it."""
from __future__ import annotations

from ..findings import FAIL, INSUFFICIENT, NA, PASS, iso


def selections(rule):
    return {}


def prepare(rule, plan):
    rule_id, c = rule.id, rule.check
    fail_on = c["fail_on"]
    unanswered = (INSUFFICIENT, f"待检查人员判断：{c['question']}", (), None)

    def decide(sel, evidence, as_of):
        ans = evidence.answers.get(rule_id)
        if not ans:
            return unanswered
        answer = ans["answer"]
        status = NA if answer == "不适用" else FAIL if answer == fail_on else PASS
        return status, (_said, ans), (), {"answer": ans}
    return decide


def _said(ans):
    who = "，".join(x for x in (ans.get("by"), iso(ans["at"]) if ans.get("at") else None) if x)
    note = f"；说明：{ans['note']}" if ans.get("note") else ""
    return f"检查人员{('（' + who + '）') if who else ''}答“{ans['answer']}”{note}"
