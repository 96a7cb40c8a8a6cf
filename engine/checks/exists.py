"""exists: a document or record exists, optionally dated within a window or by a deadline.

Example: the enterprise's own campaign plan (排查整治具体方案) by the end of the mobilisation phase.
A deadline still in the future with nothing yet on file is 未到期, not a failure.
"""
from __future__ import annotations

from ..dates import chinese_form
from ..findings import FAIL, NOT_DUE, PASS, Outcome, ids_text
from .context import fact_date, missing_section


def selections(rule):
    c = rule.check
    return {"match": (c["fact"], rule.conditions.get("where"), c.get("as"))}


def plan(rule, ctx) -> tuple:
    """(fact, what, minimum, date field, window start, window end, deadline) for the checklist."""
    c = rule.check
    lo = hi = None
    if "within" in c:
        lo, hi = ctx.resolve_window(c["within"])
    deadline = ctx.date_value(c["by"]) if "by" in c else None
    if deadline is not None:
        hi = deadline if hi is None else min(hi, deadline)
    return c["fact"], c["what"], int(ctx.value(c.get("min", 1))), c.get("date", "date"), lo, hi, deadline


def decide(rule, sel, ctx) -> Outcome:
    fact, what, need, date_key, lo, hi, deadline = ctx.plan(rule, plan)
    if not ctx.provided(fact):
        return missing_section(ctx, fact, what)
    matched = sel["match"]
    if lo is None and hi is None:
        ok = matched
        late = undated = []
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
    if len(ok) >= need:
        return Outcome(PASS, lambda: f"有{what}：{ids_text(ids)}", ids)
    if deadline is not None and ctx.as_of < deadline:
        return Outcome(NOT_DUE, lambda: f"尚未见{what}，期限 {chinese_form(deadline)} 未到", ids)

    def reason():
        parts = []
        if need > 1 and ok:
            parts.append(f"{what}仅 {len(ok)} 份，应至少 {need} 份")
        else:
            span = ""
            if deadline is not None:
                span = f"{chinese_form(deadline)}前"
            elif lo is not None:
                span = f"{chinese_form(lo)}至{chinese_form(hi)}期间"
            parts.append(f"未见{span}的{what}" if span else f"未见{what}")
        if late:
            parts.append(f"{ids_text([f['id'] for f in late])} 的日期不在要求的时间内")
        if undated:
            parts.append(f"{ids_text([f['id'] for f in undated])} 未注明日期")
        return "；".join(parts)
    return Outcome(FAIL, reason, ids + [f["id"] for f in late + undated])
