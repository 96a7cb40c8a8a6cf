"""coverage: one set covers another (every employee on the roster attended the criteria training).

`of` names the members that must be covered (their `key`, usually id); `by` names the records
whose `key` values (a list such as attendees, or a single value) cover them.
"""
from __future__ import annotations

from ..dates import chinese_form
from ..findings import FAIL, NA, NOT_DUE, PASS, ids_text
from .context import fact_date, section_check


def selections(rule):
    c = rule.check
    return {"of": (c["of"]["fact"], rule.conditions.get("of.where"), None),
            "by": (c["by"]["fact"], rule.conditions.get("by.where"), None)}


def prepare(rule, plan):
    c = rule.check
    what = c["what"]
    requirement = c.get("requirement", "被覆盖")
    unit = c.get("unit", "人")   # the counting word: 从业人员共 6 人，尚有 2 人未参加
    sections = [section_check(c[side]["fact"], what) for side in ("of", "by")]
    of_key, by_key = c["of"]["key"], c["by"]["key"]
    nobody = (NA, f"无需覆盖的{what}", (), None)
    due = plan.date_value(c["due"]) if "due" in c else None   # a deadline: 未到期 before it
    within = None
    if "within" in c["by"]:
        within = (*plan.resolve_window(c["by"]["within"]), c["by"].get("date", "date"))

    def decide(sel, evidence, as_of):
        for fact, missing in sections:
            if fact not in evidence.present:
                return missing
        members = {}
        for f in sel["of"]:
            v = f.get(of_key)
            if v is not None:
                members[v] = f
        if not members:
            return nobody
        by_facts = sel["by"]
        if within is not None:
            lo, hi, dk = within
            by_facts = [f for f in by_facts if (d := fact_date(f, dk)) is not None and lo <= d <= hi]
        covered, used, keys = set(), [], members.keys()
        for f in by_facts:
            v = f.get(by_key)
            if isinstance(v, list):
                hit = keys & v
                if hit:
                    covered |= hit
                    used.append(f["id"])
            elif v in members:
                covered.add(v)
                used.append(f["id"])
        missing = [m for m in members if m not in covered]
        details = (_details, len(members), len(covered), missing)
        if missing and due is not None and as_of < due:
            return NOT_DUE, (_not_yet, what, requirement, unit, len(members), missing, due), used, details
        if missing:
            member_ids = [members[m]["id"] for m in missing if "id" in members[m]]
            return FAIL, (_uncovered, what, requirement, unit, len(members), missing), used + member_ids, details
        return PASS, (_covered, what, requirement, unit, len(members)), used, details
    return decide


def _details(members, covered, missing):
    return {"members": members, "covered": covered, "missing": sorted(missing, key=str)}


def _uncovered(what, requirement, unit, members, missing):
    return f"{what}共 {members} {unit}，{len(missing)} {unit}未{requirement}：{ids_text(missing)}"


def _not_yet(what, requirement, unit, members, missing, due):
    return (f"{what}共 {members} {unit}，尚有 {len(missing)} {unit}未{requirement}：{ids_text(missing)}；"
            f"期限 {chinese_form(due)} 未到")


def _covered(what, requirement, unit, members):
    return f"{what}共 {members} {unit}，均已{requirement}"
