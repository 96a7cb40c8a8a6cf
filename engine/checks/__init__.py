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

from .. import conditions as C
from ..evidence import field_labels, required_fields
from ..findings import FAIL, INSUFFICIENT, NOT_DUE
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


# The selections whose filter is read three-valued (docs/rules.md, 缺失不等于否定): per kind, the
# groups of selections swapped together for their `<name>?` twin (the records that possibly match).
UNKNOWN_GROUPS = {"exists": (("match",),), "frequency": (("match",),), "none": (("match",),),
                  "coverage": (("of",), ("by",))}


def unknown_groups(rule) -> list:
    """[(selection names swapped together, fact type, the filter fields that may be unknown,
    [(joined fact type, field)] a nested pattern reads that may be unknown)] — a selection is in
    only when its filter reads a field the schema does not require, on the record or on a joined
    record (nested `exists`, not widened for `each` rules: none of them nests a pattern)."""
    sels = KINDS[rule.kind].selections(rule)
    if rule.kind == "each":
        names = tuple(n for n in sels if n == "subjects" or n.startswith("req"))
        groups = (names,)
        where = rule.conditions.get("where")
    else:
        groups = UNKNOWN_GROUPS.get(rule.kind, ())
    out = []
    for names in groups:
        fact, cond, _alias = sels[names[0]]
        if rule.kind == "each":
            cond = where
        if cond is None or fact == "profile":
            continue
        fields = C.unknowable_fields(cond, required_fields().get(fact, frozenset()))
        nested = () if rule.kind == "each" else C.joined_unknowable(cond, required_fields())
        if fields or nested:
            out.append((names, fact, fields, nested))
    return out


def _twins(rule, sels: dict) -> dict:
    """The `<name>?` selections: the same condition with its filter widened by C.possible."""
    out = {}
    for names, fact, _fields, _nested in unknown_groups(rule):
        always = required_fields().get(fact, frozenset())
        if rule.kind == "each":
            where = C.possible(rule.conditions["where"], always)
            alias = sels["subjects"][2]
            out["subjects?"] = (fact, where, alias)
            for i, req in enumerate(each.requirements(rule)):
                out[f"req{i}?"] = (fact, C.All([where, req]), alias)
        else:
            for name in names:
                f, cond, alias = sels[name]
                wide = C.possible(cond, always, required_fields())
                out[name + "?"] = (f, cond if wide is None else wide, alias)
                surely = C.sure(cond, required_fields())
                if surely is not cond:   # not exists: no joined record even possibly matches
                    out[name] = (f, surely, alias)
    return out


def selections(rule) -> dict:
    """{name: (fact type or 'profile', NNF condition or None, alias)} for the rule's check, plus
    'applies' and each override's condition (selections over the profile), plus the `<name>?`
    twin of each selection whose filter may be unknown for a record (unknown_groups)."""
    out = dict(KINDS[rule.kind].selections(rule))
    out.update(_twins(rule, out))
    if rule.applies is not None:
        out["applies"] = ("profile", rule.applies, None)
    for i, (when, _) in enumerate(rule.overrides):
        out[f"override{i}"] = ("profile", when, None)
    return out


def refinements(rule) -> dict:
    """{selection name: (name of a selection it narrows, condition)}: selections the native
    evaluator may compute from another's result (rete matches every selection on its own)."""
    refine = getattr(KINDS[rule.kind], "refinements", None)
    out = refine(rule) if refine else {}
    if rule.kind == "each" and unknown_groups(rule):
        out.update({f"req{i}?": ("subjects?", req) for i, req in enumerate(each.requirements(rule))})
    return out


def prepare(rule, checklist):
    """The rule's decide(sel, evidence, as_of) for this checklist; where its filter may be unknown
    for some record, the verdict must hold whether those records are counted or not."""
    decide = KINDS[rule.kind].prepare(rule, ChecklistPlan(checklist))
    groups = unknown_groups(rule)
    if not groups:
        return decide
    what = rule.check.get("what", "")
    facts = [fact for _, fact, _, _ in groups] + [j for g in groups for j, _ in g[3]]
    labels = {fact: field_labels().get(fact, {}) for fact in facts}

    pairs = tuple((names[0], names[0] + "?") for names, _f, _fl, _n in groups)
    own = KINDS[rule.kind].selections(rule)
    sel_alias = {names[0]: (own[names[0]][2], own[names[0]][1]) for names, _f, _fl, _n in groups}

    def decide3(sel, evidence, as_of):
        v = decide(sel, evidence, as_of)
        for n, q in pairs:   # the usual case: no record is unknown, one length check per group
            if len(sel[q]) != len(sel[n]):
                return undetermined(v, sel, evidence, as_of)
        return v

    def undetermined(v, sel, evidence, as_of):
        """The verdict when some record is unknown: kept if it holds either way, else 证据不足."""
        if v[0] == INSUFFICIENT:
            return v
        open_ = [g for g in groups if len(sel[g[0][0] + "?"]) != len(sel[g[0][0]])]
        statuses = set()
        for mask in range(1, 1 << len(open_)):   # every way of counting the unknown records
            alt = dict(sel)
            for j, (names, _f, _fl, _n) in enumerate(open_):
                if mask >> j & 1:
                    for n in names:
                        alt[n] = sel[n + "?"]
            statuses.add(decide(alt, evidence, as_of)[0])
        if statuses <= {v[0]} or v[0] == NOT_DUE and FAIL not in statuses:
            return v   # the verdict holds either way (未到期: nothing has failed either way)
        gaps = {}   # record id -> (fact type, its filter fields not written); worded when read
        for names, fact, fields, nested in open_:
            sure = {id(f) for f in sel[names[0]]}
            for f in sel[names[0] + "?"]:
                if id(f) not in sure:
                    gaps.setdefault(f["id"], []).extend((fact, p) for p in fields if each.absent(f, p, {}))
                    if nested:
                        gaps[f["id"]].extend(_joined_gaps(f, sel_alias[names[0]], nested, evidence))
        others = tuple(sorted(statuses - {v[0]}))
        return INSUFFICIENT, (_undetermined, what, v[0], others, gaps, labels), list(gaps), \
            (_undetermined_details, gaps, labels)
    # the native compiler inlines the fast path: the kind's decide, then the length checks
    decide3.unknown = (decide, pairs, undetermined)
    return decide3


def _gap_labels(gaps, labels) -> dict:
    return {rid: list(dict.fromkeys(each.label(g[1], labels[g[0]]) if len(g) == 2 else
                                    f"{g[2]} 的{each.label(g[1], labels[g[0]])}" for g in gs))
            for rid, gs in gaps.items()}


def _joined_gaps(outer, alias_cond, nested, evidence) -> list:
    """[(fact type, field, joined record id)]: the records a nested pattern could join to `outer`
    (followed through equality and membership joins on fields every record writes,
    `{field: worker, eq: {var: w.id}}`) that leave a field it reads unwritten; (fact type, field)
    alone when none can be told."""
    alias, cond = alias_cond
    cands: dict = {}

    def visit(node, env):
        for m in C._top_level(node):
            e = m.item if isinstance(m, C.Not) and isinstance(m.item, C.Exists) else m
            if not isinstance(e, C.Exists):
                continue
            joins = [c for c in C._top_level(e.where) if isinstance(c, C.Cmp) and c.op in ("eq", "in")
                     and c.left.root == "field" and isinstance(c.right, C.Ref) and c.right.root == "var"
                     and c.right.alias in env and ".".join(c.left.path) in required_fields().get(e.fact, ())]
            rows = [r for r in evidence.facts.get(e.fact, ())
                    if all(any(_joins(_get(r, c.left.path), _get(b, c.right.path), c.op) for b in env[c.right.alias])
                           for c in joins)]
            cands.setdefault(e.fact, []).extend(rows)
            visit(e.where, dict(env, **({e.alias: rows} if e.alias else {})))
    visit(cond, {alias: [outer]} if alias else {})
    out = []
    for fact, p in nested:
        missing = list({id(r): r for r in cands.get(fact, ()) if each.absent(r, p, {})}.values())
        out.extend([(fact, p, r["id"]) for r in missing] or [(fact, p)])
    return out


def _get(rec, path):
    for k in path:
        rec = rec.get(k) if isinstance(rec, dict) else None
    return rec


def _joins(value, other, op) -> bool:
    if value is None or other is None:
        return False
    if op == "in":
        return value in other if isinstance(other, list) else value == other
    return value == other


def _undetermined(what, status, others, gaps, labels) -> str:
    """证据不足: which records could not be placed, for lack of which fields."""
    text = "；".join(f"{rid} 缺少 {'、'.join(g)}" for rid, g in _gap_labels(gaps, labels).items())
    return (f"{text}，不能确定这些记录是否计入本项核查（不计入时结论为{status}，计入时为"
            f"{'、'.join(others)}），无法判定{what}。请在记录上写明这些字段")


def _undetermined_details(gaps, labels) -> dict:
    return {"undetermined": _gap_labels(gaps, labels)}
