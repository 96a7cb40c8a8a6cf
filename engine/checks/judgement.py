"""judgement: an item only a person can assess (e.g. 口头执行、纸面落实), answered 是/否/不适用
with a note, by whom and when. Unanswered is 证据不足; `yinhuan check --ask` asks for it."""
from __future__ import annotations

from ..findings import FAIL, INSUFFICIENT, NA, PASS, Outcome, iso


def selections(rule):
    return {}


def decide(rule, sel, ctx) -> Outcome:
    c = rule.check
    ans = ctx.evidence.answers.get(rule.id)
    if not ans:
        return Outcome(INSUFFICIENT, lambda: f"待检查人员判断：{c['question']}")

    def said():
        who = "，".join(x for x in (ans.get("by"), iso(ans["at"]) if ans.get("at") else None) if x)
        note = f"；说明：{ans['note']}" if ans.get("note") else ""
        return f"检查人员{('（' + who + '）') if who else ''}答“{ans['answer']}”{note}"
    details = {"answer": ans}
    if ans["answer"] == "不适用":
        return Outcome(NA, said, [], details)
    status = FAIL if ans["answer"] == c["fail_on"] else PASS
    return Outcome(status, said, [], details)
