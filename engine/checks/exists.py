"""exists: a document or record exists, optionally dated within a window or by a deadline.

Example: the enterprise's own campaign plan (排查整治具体方案) by the end of the mobilisation phase.
A deadline still in the future with nothing yet on file is 未到期, not a failure.
"""
from __future__ import annotations

from ..dates import chinese_form
from ..findings import FAIL, NOT_DUE, PASS, ids_text
from .context import fact_date, section_check


def selections(rule):
    c = rule.check
    return {"match": (c["fact"], rule.conditions.get("where"), c.get("as"))}


def prepare(rule, plan):
    c = rule.check
    what, date_key = c["what"], c.get("date", "date")
    need = int(plan.value(c.get("min", 1)))
    lo = hi = None
    if "within" in c:
        lo, hi = plan.resolve_window(c["within"])
    deadline = plan.date_value(c["by"]) if "by" in c else None
    if deadline is not None:
        hi = deadline if hi is None else min(hi, deadline)
    dated = lo is not None or hi is not None
    provided, missing = section_check(c["fact"], what)
    span = (f"{chinese_form(deadline)}前" if deadline is not None
            else f"{chinese_form(lo)}至{chinese_form(hi)}期间" if lo is not None else "")
    absent = f"未见{span}的{what}" if span else f"未见{what}"
    not_yet = f"尚未见{what}，期限 {chinese_form(deadline)} 未到" if deadline is not None else None

    def decide(sel, evidence, as_of):
        if not provided(evidence):
            return missing
        matched = sel["match"]
        if not dated:
            ok, late, undated = matched, (), ()
        else:
            ok, late, undated = [], [], []
            for f in matched:
                d = fact_date(f, date_key)
                if d is None:
                    undated.append(f)
                elif (lo is None or d >= lo) and (hi is None or d <= hi):
                    ok.append(f)
                else:
                    late.append(f)
        ids = [f["id"] for f in ok]
        if len(ids) >= need:
            return PASS, lambda: f"有{what}：{ids_text(ids)}", ids, None
        if deadline is not None and as_of < deadline:
            return NOT_DUE, not_yet, ids, None

        def reason():
            parts = [f"{what}仅 {len(ids)} 份，应至少 {need} 份" if need > 1 and ids else absent]
            if late:
                parts.append(f"{ids_text([f['id'] for f in late])} 的日期不在要求的时间内")
            if undated:
                parts.append(f"{ids_text([f['id'] for f in undated])} 未注明日期")
            return "；".join(parts)
        return FAIL, reason, ids + [f["id"] for f in (*late, *undated)], None
    return decide
