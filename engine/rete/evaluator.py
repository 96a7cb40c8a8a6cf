"""ReteEvaluator: the checklist's selections matched by durable-rules, decided by shared code.

Matching (which facts satisfy each selection's condition) is done by durable-rules alone; the
applicability order and the period/count/coverage arithmetic are the same `Applicability` and
prepared decisions the native evaluator uses. So when the
two back ends agree, the native compiler's matching has been checked by an independent engine.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from ..errors import EngineRefused
from ..evaluate import Applicability, prepared_decision, resolved_selections
from ..findings import Finding, finding_static
from .compile import DRule, Refused, compile_selection
from .host import Host
from .values import PROFILE_ID, PROFILE_TYPE, durable_facts

MAX_PER_TYPE = 60   # durable-rules fails asserting a fact that 65 rules' alpha nodes match
SUBJECT = "p0"
_sids = itertools.count(1)


@dataclass
class _Ruleset:
    name: str
    types: set
    negated: set
    edges: set
    profile_keys: set


def compile_rule(rule, checklist) -> dict[str, DRule]:
    out = {}
    for name, (fact, cond, alias) in resolved_selections(rule, checklist).items():
        try:
            out[name] = compile_selection(fact, cond, alias)
        except Refused as exc:
            raise EngineRefused(f"rete 引擎拒绝规则 {rule.id}（{rule.location}）的 {name} 条件：{exc}") from None
    return out


def partition(drules: list[tuple], limit: int = MAX_PER_TYPE) -> list[list[tuple]]:
    """Split (key, DRule) pairs so no ruleset has more than `limit` rules on one fact type."""
    groups: list[tuple[list, dict]] = []
    for key, dr in drules:
        touched = dr.types | {f"@{t}.{f}" for t, f in dr.edges}
        n = len(dr.specs)
        for members, counts in groups:
            if all(counts[t] + n <= limit for t in touched):
                break
        else:
            members, counts = [], defaultdict(int)
            groups.append((members, counts))
        members.append((key, dr))
        for t in touched:
            counts[t] += n
    return [m for m, _ in groups]


def _with_probes(key, dr: DRule):
    yield key, dr
    for i, (probe, _neg) in enumerate(dr.probes):
        yield from _with_probes(key + (i,), probe)


class ReteEvaluator:
    def __init__(self, book, checklist, rules=None):
        self.checklist = checklist
        self.rules = list(rules) if rules is not None else book.rules_of(checklist)
        compiled = {r.id: compile_rule(r, checklist) for r in self.rules}   # refuse before loading C
        self.host = Host()
        self._hits: dict = defaultdict(set)
        self.compiled = compiled
        self.decisions = [(rule, finding_static(rule), Applicability(rule), prepared_decision(rule, checklist),
                           [(name, fact) for name, (fact, _c, _a) in resolved_selections(rule, checklist).items()])
                          for rule in self.rules]
        items = [item for rid, sels in compiled.items() for name, dr in sels.items()
                 for item in _with_probes((rid, name), dr)]
        self.rulesets = [self._register(group) for group in partition(items)]

    def _register(self, group) -> _Ruleset:
        rules, types, negated, edges, keys = {}, set(), set(), set(), set()
        for i, (key, dr) in enumerate(group):
            for j, spec in enumerate(dr.specs):
                rules[f"r{i}_{j}"] = dict(spec, run=self.host.safe(self._collector(key)))
            types |= dr.types
            negated |= dr.negated
            edges |= dr.edges
            keys |= dr.profile_keys
        return _Ruleset(self.host.add_ruleset(rules), types, negated, edges, keys)

    def _collector(self, key):
        hits = self._hits

        def collect(c):
            hits[key].add(c._m[SUBJECT]["_fid"])
        return collect

    def _matched(self, key, dr: DRule) -> set:
        """The subject ids, kept only if every independent exists (probe) came out as required."""
        for i, (probe, negated) in enumerate(dr.probes):
            if bool(self._matched(key + (i,), probe)) == negated:
                return set()
        return self._hits.get(key, set())

    def evaluate(self, evidence, as_of) -> list[Finding]:
        self._hits.clear()
        for rs in self.rulesets:
            sid = str(next(_sids))
            payload = durable_facts(evidence, rs.types, rs.negated, rs.profile_keys, rs.edges, sid)
            self.host.run_enterprise(rs.name, sid, payload)
        findings = []
        for rule, static, gate, decide, names in self.decisions:
            sel = {}
            for name, fact in names:
                got = self._matched((rule.id, name), self.compiled[rule.id][name])
                if fact == PROFILE_TYPE:
                    sel[name] = [evidence.profile] if PROFILE_ID in got else []
                else:
                    sel[name] = [f for f in evidence.facts.get(fact, ()) if f["id"] in got]
            v = gate.verdict(evidence.profile, as_of, bool(sel.pop("applies", True)))
            if v is None:
                v = decide(sel, evidence, as_of)
            findings.append(Finding(v, evidence.by_id, static))
        return findings

    def close(self) -> None:
        self.host.close()
