"""coverage: one set covers another (every employee on the roster attended the criteria training).

`of` names the members that must be covered (their `key`, usually id); `by` names the records
whose `key` values (a list such as attendees, or a single value) cover them.
"""
from __future__ import annotations

from ..findings import FAIL, NA, PASS, Outcome, ids_text
from .context import fact_date, missing_section


def selections(rule):
    c = rule.check
    return {"of": (c["of"]["fact"], rule.conditions.get("of.where"), None),
            "by": (c["by"]["fact"], rule.conditions.get("by.where"), None)}


def decide(rule, sel, ctx) -> Outcome:
    c = rule.check
    what = c["what"]
    requirement = c.get("requirement", "被覆盖")
    for side in ("of", "by"):
        if not ctx.provided(c[side]["fact"]):
            return missing_section(ctx, c[side]["fact"], what)
    of_key, by_key = c["of"]["key"], c["by"]["key"]
    members = {}
    for f in sel["of"]:
        v = f.get(of_key)
        if v is not None:
            members[v] = f
    if not members:
        return Outcome(NA, f"无需覆盖的{what}")
    by_facts = sel["by"]
    if "within" in c["by"]:
        lo, hi = ctx.resolve_window(c["by"]["within"])
        dk = c["by"].get("date", "date")
        by_facts = [f for f in by_facts if (d := fact_date(f, dk)) is not None and lo <= d <= hi]
    covered, used = set(), []
    for f in by_facts:
        v = f.get(by_key)
        vals = v if isinstance(v, list) else [v]
        hit = [x for x in vals if x in members]
        if hit:
            covered.update(hit)
            used.append(f["id"])
    missing = [m for m in members if m not in covered]

    def details():
        return {"members": len(members), "covered": len(covered), "missing": sorted(missing, key=str)}
    member_ids = [members[m]["id"] for m in missing if "id" in members[m]]
    if missing:
        return Outcome(FAIL, lambda: f"{what}共 {len(members)} 人/项，{len(missing)} 未{requirement}：{ids_text(missing)}",
                       used + member_ids, details)
    return Outcome(PASS, lambda: f"{what}共 {len(members)} 人/项，均已{requirement}", used, details)
