"""exists: a document or record exists, optionally dated within a window or by a deadline.

Example: the enterprise's own campaign plan (排查整治具体方案) by the end of the mobilisation phase.
A deadline still in the future with nothing yet on file is 未到期, not a failure.
"""
from __future__ import annotations

from datetime import date, datetime

from ..dates import chinese_form
from ..findings import FAIL, INSUFFICIENT, NOT_DUE, PASS, ids_text
from .context import section_check


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
    first, last = lo or date.min, hi or date.max
    fact, missing = section_check(c["fact"], what)
    span = (f"{chinese_form(deadline)}前" if deadline is not None
            else f"{chinese_form(lo)}至{chinese_form(hi)}期间" if lo is not None else "")
    absent = f"未见{span}的{what}" if span else f"未见{what}"
    not_yet = f"尚未见{what}，期限 {chinese_form(deadline)} 未到" if deadline is not None else None

    def decide(sel, evidence, as_of):
        if fact not in evidence.present:
            return missing
        matched = sel["match"]
        if not dated:
            ids = [f["id"] for f in matched]
        else:
            ids = []
            for f in matched:
                d = f.get(date_key)
                if d.__class__ is datetime:
                    d = d.date()
                if d is not None and first <= d <= last:
                    ids.append(f["id"])
        if len(ids) >= need:
            return PASS, (_found, what, ids), ids, None
        if deadline is not None and as_of < deadline:
            return NOT_DUE, not_yet, ids, None
        inside = set(ids)
        late = [f["id"] for f in matched if f["id"] not in inside and f.get(date_key) is not None]
        undated = [f["id"] for f in matched if f["id"] not in inside and f.get(date_key) is None]
        if undated and len(ids) + len(undated) >= need:
            # absent is not false: an undated record may be dated inside the window, so the verdict
            # would change if it were counted (docs/rules.md, 缺失不等于否定)
            return INSUFFICIENT, (_undated, what, undated, date_key), undated, (_undated_details, undated, date_key)
        return FAIL, (_short, what, need, ids, absent, late, undated), ids + late + undated, None
    return decide


def _found(what, ids):
    return f"有{what}：{ids_text(ids)}"


def _date_label(date_key) -> str:
    return "日期" if date_key == "date" else f"日期（{date_key}）"


def _undated(what, undated, date_key):
    return (f"{ids_text(undated)} 缺少{_date_label(date_key)}，不能确定是否在要求的时间内（计入时结论为符合，"
            f"不计入时为不符合），无法判定{what}。请在记录上写明日期")


def _undated_details(undated, date_key) -> dict:
    return {"undetermined": {rid: [_date_label(date_key)] for rid in undated}}


def _short(what, need, ids, absent, late, undated):
    parts = [f"{what}仅 {len(ids)} 份，应至少 {need} 份" if need > 1 and ids else absent]
    if late:
        parts.append(f"{ids_text(late)} 的日期不在要求的时间内")
    if undated:
        parts.append(f"{ids_text(undated)} 未注明日期")
    return "；".join(parts)
