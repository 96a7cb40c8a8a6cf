"""Stage 4, evaluate (native): run a compiled checklist over one enterprise's evidence.

compile_checklist() does the per-(rule, checklist) work once: checklist parameters are resolved
and every selection a check needs is compiled to a predicate. evaluate() then, per enterprise,
builds the fact index, runs each selection once, and lets the check kind decide.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import checks
from . import conditions as C
from .checks.context import CheckContext
from .compile_native import Env, FactIndex, compile_selection
from .catalogue import in_force_from
from .errors import InputError
from .findings import NA, Finding, Outcome, make_finding


@dataclass
class CompiledRule:
    rule: object
    selections: dict   # name -> (fact type, select(facts, env) -> matching facts)
    applies: tuple | None = None  # (fact type, select) for the profile, run before the others
    decide: object = None          # the check kind's decide()


def resolved_selections(rule, checklist) -> dict:
    """The rule's selections with {param: ...} replaced by the checklist's values (both back ends)."""
    out = {}
    for name, (fact, cond, alias) in checks.selections(rule).items():
        try:
            out[name] = (fact, C.resolve_params(cond, checklist.params, f"（规则 {rule.id}）"), alias)
        except InputError as exc:
            raise exc.located(rule.doc.file, rule.doc.line_of(rule.path)) from None
    return out


def compile_rule(rule, checklist) -> CompiledRule:
    sels = {}
    for name, (fact, cond, alias) in resolved_selections(rule, checklist).items():
        aliases = {alias: fact} if alias else {}
        try:
            select = compile_selection(cond, fact if fact != "profile" else None, alias, aliases)
        except (ValueError, InputError) as exc:
            raise InputError(f"规则 {rule.id} 的条件无法编译：{exc}", rule.doc.file,
                             rule.doc.line_of(rule.path)) from None
        sels[name] = (fact, select)
    applies = sels.pop("applies", None)
    return CompiledRule(rule, sels, applies, checks.KINDS[rule.kind].decide)


def compile_checklist(book, checklist) -> list[CompiledRule]:
    return [compile_rule(r, checklist) for r in book.rules_of(checklist)]


def inapplicable(rule, sel: dict, profile: dict, as_of: date) -> str | None:
    """None when the rule applies to this enterprise on as_of; otherwise why not. The order is
    the same for both back ends: effective date of the standard, sector, then `applies`.

    A criterion rule evaluated before its standard took effect is 不适用 with a plain reason:
    the catalogue does not cover the earlier (2017) texts, and silence would read as a pass."""
    start = in_force_from(rule)
    if start and as_of < start[0]:
        return start[1]
    if rule.sector and profile.get("sector") != rule.sector:
        return f"本规则适用于{rule.sector}企业"
    if "applies" in sel and not sel["applies"]:
        return f"不在适用范围：{C.describe(rule.applies)}"
    return None


def evaluate(compiled_rules: list[CompiledRule], evidence, checklist, as_of: date) -> list[Finding]:
    """Evaluate every compiled rule on one enterprise. Applicability (effective date, sector,
    `applies`) is decided first, in the same order as outcome_of, so a rule that does not apply
    costs no matching."""
    index = FactIndex(evidence.facts, evidence.profile)
    profile = evidence.profile
    env = Env({"$profile": profile, "$index": index})
    ctx = CheckContext(evidence, checklist, as_of)
    findings = []
    for cr in compiled_rules:
        rule = cr.rule
        sel = {}
        if cr.applies is not None:
            sel["applies"] = cr.applies[1](index.all("profile"), env)
        why_not = inapplicable(rule, sel, profile, as_of)
        if why_not:   # a rule that does not apply costs no matching
            outcome = Outcome(NA, why_not)
        else:
            for name, (fact, select) in cr.selections.items():
                sel[name] = select(index.all(fact), env)
            outcome = cr.decide(rule, sel, ctx)
        findings.append(make_finding(rule, outcome, evidence))
    return findings


def outcome_of(rule, sel: dict, ctx: CheckContext, evidence) -> Outcome:
    """Applicability first, then the check kind's decision (the rete back end's path)."""
    why_not = inapplicable(rule, sel, evidence.profile, ctx.as_of)
    if why_not:
        return Outcome(NA, why_not)
    return checks.decide(rule, sel, ctx)
