"""each: every record of a kind satisfies a condition.

Examples: each hot-work permit approved before the work began and naming a guardian; each
contractor with a safety agreement and a briefing; each open major hazard with all of 五到位.
The violating records are the evidence, so the inspector can point at them.
"""
from __future__ import annotations

from .. import conditions as C
from ..findings import FAIL, NA, PASS, ids_text
from .context import section_check


def selections(rule):
    c = rule.check
    where = rule.conditions.get("where")
    require = rule.conditions["require"]
    both = C.All([x for x in (where, require) if x is not None])
    return {"subjects": (c["fact"], where, c.get("as")),
            "satisfied": (c["fact"], both, c.get("as"))}


def refinements(rule):
    """For an evaluator that can narrow a selection it already has: `satisfied` is `subjects`
    filtered by `require` (one pass over the records instead of two)."""
    return {"satisfied": ("subjects", rule.conditions["require"])}


def prepare(rule, plan):
    c = rule.check
    what, requirement = c["what"], c["requirement"]
    fact, missing = section_check(c["fact"], what)
    status = c.get("if_none", NA)
    nothing = (status, f"无{what}" + ("，本项不适用" if status == NA else ""), (), None)

    def decide(sel, evidence, as_of):
        if fact not in evidence.present:
            return missing
        subjects = [f["id"] for f in sel["subjects"]]
        if not subjects:
            return nothing
        satisfied = sel["satisfied"]   # a subset of the subjects, so all pass when it is as long
        if len(satisfied) == len(subjects):
            bad = ()
        else:
            ok = {f["id"] for f in satisfied}
            bad = [i for i in subjects if i not in ok]
        if bad:
            return FAIL, (_violated, what, requirement, bad, subjects), bad, (_violations, bad, subjects)
        return PASS, (_all_meet, what, requirement, subjects), subjects, (_checked, subjects)
    return decide


def _violated(what, requirement, bad, subjects):
    return f"{len(bad)}/{len(subjects)} 条{what}不符合“{requirement}”：{ids_text(bad)}"


def _all_meet(what, requirement, subjects):
    return f"{len(subjects)} 条{what}均符合“{requirement}”"


def _violations(bad, subjects):
    return {"violations": bad, "checked": len(subjects)}


def _checked(subjects):
    return {"checked": len(subjects)}
