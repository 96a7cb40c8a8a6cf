"""Stage 4, evaluate: the check kinds, one small module each, in one table (as jsonschema keeps
its keyword functions).

Every kind is split in two so that both evaluators share the arithmetic but not the matching:
- `selections(rule)` names the sets of facts the kind needs, each a fact type and a condition
  (e.g. frequency needs "facts of type inspections where led_by = 主要负责人");
- `prepare(rule, plan)` does once per (rule, checklist) what does not depend on the enterprise
  (deadlines, windows, periods, fixed wording) and returns `decide(sel, evidence, as_of)`, which
  turns those sets (lists of matching facts, computed by the native evaluator or by durable-rules)
  into a verdict (status, reason, cited record ids, details): periods counted, deadlines checked.
"""
from __future__ import annotations

from .context import ChecklistPlan
from . import coverage, each, exists, frequency, judgement, none, notice, profile

KINDS = {
    "exists": exists,
    "frequency": frequency,
    "each": each,
    "none": none,
    "coverage": coverage,
    "profile": profile,
    "judgement": judgement,
    "notice": notice,
}


def selections(rule) -> dict:
    """{name: (fact type or 'profile', NNF condition or None, alias)} for the rule's check, plus
    'applies' and each override's condition (selections over the profile)."""
    out = dict(KINDS[rule.kind].selections(rule))
    if rule.applies is not None:
        out["applies"] = ("profile", rule.applies, None)
    for i, (when, _) in enumerate(rule.overrides):
        out[f"override{i}"] = ("profile", when, None)
    return out


def refinements(rule) -> dict:
    """{selection name: (name of a selection it narrows, condition)}: selections the native
    evaluator may compute from another's result (rete matches every selection on its own)."""
    refine = getattr(KINDS[rule.kind], "refinements", None)
    return refine(rule) if refine else {}


def prepare(rule, checklist):
    """The rule's decide(sel, evidence, as_of) for this checklist."""
    return KINDS[rule.kind].prepare(rule, ChecklistPlan(checklist))
