"""frequency: at least N matching records in every month / quarter / half-year / year of a window.

- Every calendar period that overlaps the window counts (the campaign starts 2023-05-19, so the
  second quarter is a period to fill); records count in the part of the period inside the window.
- The window is the campaign's, the calendar year's (`year`: a mine drill in March counts for the
  first half-year), explicit dates, or a checklist parameter naming one of those.
- The period containing the evaluation date is 未到期 unless it already passes; periods after it
  are not judged. Overrides by profile change the period or the count (quarterly, but monthly for
  金属冶炼/粉尘涉爆/涉氨制冷).
"""
from __future__ import annotations

from ..dates import chinese_form, periods_overlapping
from ..findings import FAIL, NOT_DUE, PASS, Outcome
from .context import fact_date, missing_section

_EVERY = {"month": "每月", "quarter": "每季度", "half": "每半年", "year": "每年"}


def selections(rule):
    c = rule.check
    return {"match": (c["fact"], rule.conditions.get("where"), c.get("as"))}


def effective(rule, sel, ctx) -> tuple[str, int]:
    """(period unit, minimum count) after applying the first matching override."""
    c = rule.check
    every, need = c["every"], int(ctx.value(c.get("min", 1)))
    for i, (_, ov) in enumerate(rule.overrides):
        if sel.get(f"override{i}"):
            every = ov.get("every", every)
            need = int(ctx.value(ov.get("min", need)))
            break
    return every, need


def decide(rule, sel, ctx) -> Outcome:
    c = rule.check
    what = c["what"]
    if not ctx.provided(c["fact"]):
        return missing_section(ctx, c["fact"], what)
    every, need = effective(rule, sel, ctx)
    lo, hi = ctx.resolve_window(c.get("window"))
    date_key = c.get("date", "date")
    as_of = ctx.as_of
    rule_text = f"{_EVERY[every]}至少 {need} 次"
    if as_of < lo:
        return Outcome(NOT_DUE, lambda: f"评估日 {chinese_form(as_of)} 早于考核期起点 {chinese_form(lo)}（{rule_text}）")
    dated = [(fact_date(f, date_key), f) for f in sel["match"]]
    dated = [(d, f) for d, f in dated if d is not None and lo <= d <= hi and d <= as_of]
    periods, missed, pending, done, used = [], [], [], [], []   # periods: (period, count, state)
    for p in periods_overlapping(lo, hi, every):
        if p.start > as_of:
            break
        hits = [f["id"] for d, f in dated if p.start <= d <= p.end]
        used.extend(hits)
        if len(hits) >= need:
            state = "met"
            done.append(p)
        elif as_of <= p.end:
            state = "pending"
            pending.append(p)
        else:
            state = "missed"
            missed.append((p, len(hits)))
        periods.append((p, len(hits), state))

    def details():
        return {"every": every, "min": need, "window": [lo, hi],
                "periods": [{"period": p.label, "from": p.start, "to": p.end, "count": n, "required": need,
                             "state": st} for p, n, st in periods]}

    if missed:
        def reason():
            parts = [f"{p.label}无{what}记录" if n == 0 else f"{p.label}{what}仅 {n} 次，应至少 {need} 次"
                     for p, n in missed]
            return "；".join(parts) + f"（要求{rule_text}）"
        return Outcome(FAIL, reason, used, details)
    if pending and not done:
        p, n = pending[0], periods[-1][1]
        return Outcome(NOT_DUE, lambda: f"{p.label}尚未结束，目前{what} {n} 次（要求{rule_text}）", used, details)
    return Outcome(PASS, lambda: "、".join(p.label for p in done) + f"均有{what}（要求{rule_text}）"
                   + (f"；{pending[0].label}尚未结束" if pending else ""), used, details)
