"""frequency: at least N matching records in every month / quarter / half-year / year of a window.

- Every calendar period that overlaps the window counts (the campaign starts 2023-05-19, so the
  second quarter is a period to fill); records count in the part of the period inside the window.
- The window is the campaign's, the calendar year's (`year`: a mine drill in March counts for the
  first half-year), explicit dates, or a checklist parameter naming one of those.
- The period containing the evaluation date is 未到期 unless it already passes; periods after it
  are not judged. The evaluation date means the end of that day: a period ending on it is over.
- A first period the window cuts short (2023-05-19–31) is not judged unless the rule says
  `partial_first: true` (the notice's wording asks for it). Overrides by profile change the period or the count (quarterly, but monthly for
  金属冶炼/粉尘涉爆/涉氨制冷).

The periods of the window, and which period each month falls in, are laid out once per checklist;
per enterprise a record is counted with one lookup.
"""
from __future__ import annotations

from datetime import datetime

from ..dates import chinese_form, periods_overlapping
from ..findings import FAIL, NOT_DUE, PASS
from .context import section_check

_EVERY = {"month": "每月", "quarter": "每季度", "half": "每半年", "year": "每年"}


def selections(rule):
    c = rule.check
    return {"match": (c["fact"], rule.conditions.get("where"), c.get("as"))}


def _layout(lo, hi, every, partial_first=False) -> tuple:
    """(the periods overlapping [lo, hi], {year * 12 + month: index of the period it is in}).
    A first period the window cuts (the 工贸 campaign starts 2023-05-19) is left out unless
    `partial_first` (the notice's wording must ask for it: docs/rules.md, due-date model), or
    unless it is the window's only period ("at least once during the campaign", counted per year)."""
    periods = periods_overlapping(lo, hi, every)
    if len(periods) > 1 and periods[0].start < lo and not partial_first:   # a lone period is kept
        periods = periods[1:]
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
    fact, missing = section_check(c["fact"], what)
    lo, hi = plan.resolve_window(c.get("window"))
    usual = (c["every"], int(plan.value(c.get("min", 1))))
    # (selection name, (every, min)) for each override, the first that matches wins
    overrides = tuple((f"override{i}", (ov.get("every", usual[0]), int(plan.value(ov.get("min", usual[1])))))
                      for i, (_, ov) in enumerate(rule.overrides))
    partial_first = bool(c.get("partial_first", False))
    layouts = {every: _layout(lo, hi, every, partial_first) for every in {usual[0], *(o[1][0] for o in overrides)}}

    def decide(sel, evidence, as_of):
        if fact not in evidence.present:
            return missing
        every, need = usual
        for name, option in overrides:
            if sel.get(name):
                every, need = option
                break
        if as_of < lo:
            return NOT_DUE, (_too_early, as_of, lo, every, need), (), None
        periods, slot = layouts[every]
        top = hi if hi < as_of else as_of
        counts = [0] * len(periods)
        used = []
        for f in sel["match"]:
            d = f.get(date_key)
            if d.__class__ is datetime:
                d = d.date()
            if d is not None and lo <= d <= top:
                i = slot.get(d.year * 12 + d.month)
                if i is not None:   # None: in a partial first period that is not judged
                    counts[i] += 1
                    used.append(f["id"])
        missed = pending = done = judged = 0   # periods judged: up to the one containing as_of
        for p, n in zip(periods, counts):
            if p.start > as_of:
                break
            judged += 1
            if n >= need:
                done += 1
            elif as_of < p.end:   # as_of is the end of that day: a period ending on it is over
                pending += 1
            else:
                missed += 1
        if not judged:
            return NOT_DUE, (_first_not_begun, periods, every, need), (), None
        table = (periods[:judged], counts, need, as_of)
        details = (_details, every, lo, hi, table)
        if missed:
            return FAIL, (_missed, what, every, table), used, details
        if pending and not done:
            return NOT_DUE, (_pending, what, every, table), used, details
        return PASS, (_met, what, every, table, pending), used, details
    return decide


def _rule_text(every, need) -> str:
    return f"{_EVERY[every]}至少 {need} 次"


def _states(table):
    """(period, count, met | pending | missed) for each period judged."""
    periods, counts, need, as_of = table
    for p, n in zip(periods, counts):
        yield p, n, "met" if n >= need else "pending" if as_of < p.end else "missed"


def _details(every, lo, hi, table):
    need = table[2]
    return {"every": every, "min": need, "window": [lo, hi],
            "periods": [{"period": p.label, "from": p.start, "to": p.end, "count": n, "required": need,
                         "state": st} for p, n, st in _states(table)]}


def _too_early(as_of, lo, every, need):
    return f"评估日 {chinese_form(as_of)} 早于考核期起点 {chinese_form(lo)}（{_rule_text(every, need)}）"


def _first_not_begun(periods, every, need):
    first = f"首个考核周期{periods[0].label}尚未开始" if periods else "考核期内没有完整的考核周期"
    return f"{first}（{_rule_text(every, need)}）"


def _missed(what, every, table):
    need = table[2]
    parts = [f"{p.label}无{what}记录" if n == 0 else f"{p.label}{what}仅 {n} 次，应至少 {need} 次"
             for p, n, st in _states(table) if st == "missed"]
    return "；".join(parts) + f"（要求{_rule_text(every, need)}）"


def _pending(what, every, table):
    p, n, _ = list(_states(table))[-1]
    return f"{p.label}尚未结束，目前{what} {n} 次（要求{_rule_text(every, table[2])}）"


def _met(what, every, table, pending):
    states = list(_states(table))
    met = "、".join(p.label for p, _, st in states if st == "met")
    return (met + f"均有{what}（要求{_rule_text(every, table[2])}）"
            + (f"；{states[-1][0].label}尚未结束" if pending else ""))
