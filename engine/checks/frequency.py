"""frequency: at least N matching records in every month / quarter / half-year / year of a window.

- Every calendar period that overlaps the window counts (the campaign starts 2023-05-19, so the
  second quarter is a period to fill); records count in the part of the period inside the window.
- The window is the campaign's, the calendar year's (`year`: a mine drill in March counts for the
  first half-year), explicit dates, or a checklist parameter naming one of those.
- The period containing the evaluation date is 未到期 unless it already passes; periods after it
  are not judged. Overrides by profile change the period or the count (quarterly, but monthly for
  金属冶炼/粉尘涉爆/涉氨制冷).

The periods of the window, and which period each month falls in, are laid out once per checklist;
per enterprise a record is counted with one lookup.
"""
from __future__ import annotations

from ..dates import chinese_form, periods_overlapping
from ..findings import FAIL, NOT_DUE, PASS
from .context import fact_date, section_check

_EVERY = {"month": "每月", "quarter": "每季度", "half": "每半年", "year": "每年"}


def selections(rule):
    c = rule.check
    return {"match": (c["fact"], rule.conditions.get("where"), c.get("as"))}


def _layout(lo, hi, every) -> tuple:
    """(the periods overlapping [lo, hi], {year * 12 + month: index of the period it is in})."""
    periods = periods_overlapping(lo, hi, every)
    slot = {}
    for i, p in enumerate(periods):
        y, m = p.start.year, p.start.month
        while (y, m) <= (p.end.year, p.end.month):
            slot[y * 12 + m] = i
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return periods, slot


def prepare(rule, plan):
    c = rule.check
    what, date_key = c["what"], c.get("date", "date")
    fact, section, missing = section_check(c["fact"], what)
    lo, hi = plan.resolve_window(c.get("window"))
    usual = (c["every"], int(plan.value(c.get("min", 1))))
    # (selection name, (every, min)) for each override, the first that matches wins
    overrides = tuple((f"override{i}", (ov.get("every", usual[0]), int(plan.value(ov.get("min", usual[1])))))
                      for i, (_, ov) in enumerate(rule.overrides))
    layouts = {every: _layout(lo, hi, every) for every in {usual[0], *(o[1][0] for o in overrides)}}

    def decide(sel, evidence, as_of):
        facts = evidence.facts
        if fact not in facts and section not in facts:
            return missing
        every, need = usual
        for name, option in overrides:
            if sel.get(name):
                every, need = option
                break
        rule_text = f"{_EVERY[every]}至少 {need} 次"
        if as_of < lo:
            return NOT_DUE, lambda: f"评估日 {chinese_form(as_of)} 早于考核期起点 {chinese_form(lo)}（{rule_text}）", (), None
        periods, slot = layouts[every]
        top = hi if hi < as_of else as_of
        counts = [0] * len(periods)
        used = []
        for f in sel["match"]:
            d = fact_date(f, date_key)
            if d is not None and lo <= d <= top:
                counts[slot[d.year * 12 + d.month]] += 1
                used.append(f["id"])
        missed = pending = done = 0
        judged = []   # (period, count, state) up to the one containing as_of
        for p, n in zip(periods, counts):
            if p.start > as_of:
                break
            if n >= need:
                state, done = "met", done + 1
            elif as_of <= p.end:
                state, pending = "pending", pending + 1
            else:
                state, missed = "missed", missed + 1
            judged.append((p, n, state))

        def details():
            return {"every": every, "min": need, "window": [lo, hi],
                    "periods": [{"period": p.label, "from": p.start, "to": p.end, "count": n, "required": need,
                                 "state": st} for p, n, st in judged]}

        if missed:
            def reason():
                parts = [f"{p.label}无{what}记录" if n == 0 else f"{p.label}{what}仅 {n} 次，应至少 {need} 次"
                         for p, n, st in judged if st == "missed"]
                return "；".join(parts) + f"（要求{rule_text}）"
            return FAIL, reason, used, details
        if pending and not done:
            p, n, _ = judged[-1]
            return NOT_DUE, lambda: f"{p.label}尚未结束，目前{what} {n} 次（要求{rule_text}）", used, details

        def passed():
            met = "、".join(p.label for p, _, st in judged if st == "met")
            return met + f"均有{what}（要求{rule_text}）" + (f"；{judged[-1][0].label}尚未结束" if pending else "")
        return PASS, passed, used, details
    return decide
