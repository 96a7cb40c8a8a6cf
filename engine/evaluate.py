"""Stage 4, evaluate (native): run a compiled checklist over one enterprise's evidence.

compile_checklist() does the per-(rule, checklist) work once: checklist parameters are resolved,
every selection a check needs is compiled to a generated loop, the check kind prepares its
decision (deadlines, windows, periods, fixed wording), and the reasons a rule may not apply are
worded. evaluate() then, per enterprise, only matches and decides: for each rule, applicability,
its selections, its decision, one Finding.
"""
from __future__ import annotations

from datetime import date

from . import checks
from . import conditions as C
from .catalogue import in_force_from
from .compile_native import Env, FactIndex, compile_condition, compile_runner, compile_selection
from .errors import InputError
from .findings import NA, Finding, finding_static


class Applicability:
    """Whether a rule applies to an enterprise on a date, checked in one order by both back ends:
    the standard's effective date, the sector, then the rule's `applies`. Each "does not apply"
    is a verdict worded once per rule.

    A criterion rule evaluated before its standard took effect is 不适用 with a plain reason:
    the catalogue does not cover the earlier (2017) texts, and silence would read as a pass."""

    __slots__ = ("since", "too_early", "sector", "other_sector", "out_of_scope")

    def __init__(self, rule):
        start = in_force_from(rule)
        self.since = start[0] if start else None
        self.too_early = (NA, start[1], (), None) if start else None
        self.sector = rule.sector or None
        self.other_sector = (NA, f"本规则适用于{rule.sector}企业", (), None)
        self.out_of_scope = (NA, f"不在适用范围：{C.describe(rule.applies)}", (), None) \
            if rule.applies is not None else None

    def verdict(self, profile: dict, as_of: date, applies: bool) -> tuple | None:
        """None when the rule applies; otherwise the 不适用 verdict. `applies` is the result of
        the rule's `applies` condition (True when it has none)."""
        if self.since is not None and as_of < self.since:
            return self.too_early
        if self.sector is not None and profile.get("sector") != self.sector:
            return self.other_sector
        if not applies:
            return self.out_of_scope
        return None


class CompiledRule:
    """One rule ready to run on many enterprises of one checklist."""

    __slots__ = ("rule", "static", "gate", "applies", "selections", "decide", "run")

    def __init__(self, rule, static, gate, applies, selections, decide):
        self.rule = rule
        self.static = static            # the parts of every finding fixed by the rule
        self.gate = gate                # Applicability
        self.applies = applies          # pred(profile, env) for `applies`, or None
        self.selections = selections    # ((name, fact type, select(facts, env), base), ...): a
        # selection with a base runs over that earlier selection's result, not all the facts
        self.decide = decide            # decide(sel, evidence, as_of) -> verdict
        # all of the above as one generated function: run(profile, facts, env, evidence, as_of)
        self.run = compile_runner(gate, applies, selections, decide, Finding, static)


def resolved_selections(rule, checklist) -> dict:
    """The rule's selections with {param: ...} replaced by the checklist's values (both back ends)."""
    return {name: (fact, _resolved(rule, cond, checklist), alias)
            for name, (fact, cond, alias) in checks.selections(rule).items()}


def _resolved(rule, cond, checklist):
    try:
        return C.resolve_params(cond, checklist.params, f"（规则 {rule.id}）")
    except InputError as exc:
        raise exc.located(rule.doc.file, rule.doc.line_of(rule.path)) from None


def prepared_decision(rule, checklist):
    """The check kind's decide() for this rule and checklist, with errors located at the rule."""
    try:
        return checks.prepare(rule, checklist)
    except InputError as exc:
        raise exc.located(rule.doc.file, rule.doc.line_of(rule.path)) from None


def compile_rule(rule, checklist) -> CompiledRule:
    applies, sels = None, []
    refine = checks.refinements(rule)
    for name, (fact, cond, alias) in resolved_selections(rule, checklist).items():
        base = None
        if name in refine:   # computed from another selection's result instead of all the facts
            base, narrower = refine[name]
            cond = _resolved(rule, narrower, checklist)
        aliases = {alias: fact} if alias else {}
        try:
            if name == "applies":
                applies = compile_condition(cond, None)
            else:
                select = compile_selection(cond, fact if fact != "profile" else None, alias, aliases)
                sels.append((name, fact, select, base))
        except (ValueError, InputError) as exc:
            raise InputError(f"规则 {rule.id} 的条件无法编译：{exc}", rule.doc.file,
                             rule.doc.line_of(rule.path)) from None
    return CompiledRule(rule, finding_static(rule), Applicability(rule), applies, tuple(sels),
                        prepared_decision(rule, checklist))


def compile_checklist(book, checklist) -> list[CompiledRule]:
    return [compile_rule(r, checklist) for r in book.rules_of(checklist)]


def evaluate(compiled_rules: list[CompiledRule], evidence, checklist, as_of: date) -> list[Finding]:
    """Evaluate every compiled rule on one enterprise. Applicability is decided first, so a rule
    that does not apply costs no matching."""
    profile, facts = evidence.profile, evidence.facts
    env = Env({"$profile": profile, "$index": FactIndex(facts, profile)})
    return [cr.run(profile, facts, env, evidence, as_of) for cr in compiled_rules]
