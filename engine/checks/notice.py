"""notice: a line the checklist must show but that is never a pass or a failure — e.g. what
《工贸企业重大事故隐患判定标准》第二条 hands to other regulations (危险化学品、消防、燃气、特种设备).

Why a kind of its own: such matters must be reported as outside the standard, not silently passed
(a `none` rule would print 符合) and not left unanswered (a judgement would print 证据不足). The
status is always 不适用; the reason lists the records (optional `fact`/`where`) it concerns.
"""
from __future__ import annotations

from ..findings import NA, ids_text


def selections(rule):
    c = rule.check
    if "fact" not in c:
        return {}
    return {"match": (c["fact"], rule.conditions.get("where"), None)}


def prepare(rule, plan):
    c = rule.check
    otherwise = (NA, c.get("otherwise", c["text"]), (), None)

    def decide(sel, evidence, as_of):
        hits = [f["id"] for f in sel.get("match", ())]
        if hits:
            return NA, (_concerns, c["text"], c["what"], hits), hits, None
        return otherwise
    return decide


def _concerns(text, what, hits):
    return f"{text}：{what} {ids_text(hits)}"
