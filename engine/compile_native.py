"""Stage 3b, compile (native back end): condition trees and rules to generated Python.

Each rule of a checklist compiles once into one function, `run(profile, facts, env, evidence,
as_of) -> Finding` (compile_runner): applicability, every selection as an inline loop over the
enterprise's facts, the check kind's prepared decision, the Finding. Conditions become Python
expressions from a fixed set of templates (see below); env maps pattern aliases to bound facts
and carries the enterprise's profile and fact index. Equality joins inside `exists` (`{field:
worker, eq: {var: w.id}}`, or `{field: id, in: {var: p.workers}}`) look candidates up in a
per-enterprise hash index built on first use, so a join costs one dict lookup instead of a scan.
Rule text never becomes code: rules are data.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from . import conditions as C
from . import saferegex
from .dates import parse_date
from .evidence import OPEN_FACT_TYPES, field_types, parse_datetime

MISSING = object()
Pred = Callable[[dict, dict], bool]


class Env(dict):
    """Alias -> fact, plus '$profile' and '$index' (the per-enterprise FactIndex)."""


class FactIndex:
    """The enterprise's facts by type, with hash indexes built lazily per (type, field)."""

    def __init__(self, facts: dict[str, list[dict]], profile: dict):
        self.facts = facts
        self.profile = profile
        self._indexes: dict[tuple, dict] = {}

    def all(self, fact_type: str) -> list[dict]:
        if fact_type == "profile":
            return [self.profile]
        return self.facts.get(fact_type, ())

    def lookup(self, fact_type: str, key: str, value) -> list[dict]:
        idx = self._indexes.get((fact_type, key))
        if idx is None:
            idx = {}
            for f in self.all(fact_type):
                v = f.get(key, MISSING)
                if v is MISSING or v is None:
                    continue
                if isinstance(v, list):
                    for x in v:
                        idx.setdefault(x, []).append(f)
                else:
                    idx.setdefault(v, []).append(f)
            self._indexes[(fact_type, key)] = idx
        return idx.get(value, ())


# ---- value access ----------------------------------------------------------------------------

def _walk(obj, path):
    for p in path:
        if not isinstance(obj, dict):
            return MISSING
        obj = obj.get(p, MISSING)
        if obj is MISSING:
            return MISSING
    return obj


def _comparable(a, b):
    """date vs datetime compare as datetimes; everything else as it is."""
    if type(a) is not type(b):
        if isinstance(a, datetime) and isinstance(b, date):
            return a, datetime(b.year, b.month, b.day)
        if isinstance(b, datetime) and isinstance(a, date):
            return datetime(a.year, a.month, a.day), b
    return a, b


def _ordered(op):
    def test(a, b):
        if a is MISSING or b is MISSING or a is None or b is None:
            return False
        a, b = _comparable(a, b)
        try:
            return op(a, b)
        except TypeError:
            return False
    return test


def _as_list(v):
    return v if isinstance(v, list) else [v]


def _present(a, b) -> bool:
    """Both sides hold a value: absent (MISSING) and null (None) never compare."""
    return a is not MISSING and b is not MISSING and a is not None and b is not None


OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: _present(a, b) and a == b,
    "ne": lambda a, b: _present(a, b) and a != b,
    "lt": _ordered(lambda a, b: a < b),
    "le": _ordered(lambda a, b: a <= b),
    "gt": _ordered(lambda a, b: a > b),
    "ge": _ordered(lambda a, b: a >= b),
    "in": lambda a, b: _present(a, b) and a in _as_list(b),
    "not_in": lambda a, b: _present(a, b) and a not in _as_list(b),
    "contains": lambda a, b: isinstance(a, list) and _present(a, b) and b in a,
    "not_contains": lambda a, b: isinstance(a, list) and _present(a, b) and b not in a,
    "contains_all": lambda a, b: isinstance(a, list) and _present(a, b) and all(x in a for x in _as_list(b)),
    "not_contains_all": lambda a, b: isinstance(a, list) and _present(a, b) and not all(x in a for x in _as_list(b)),
    "contains_any": lambda a, b: isinstance(a, list) and _present(a, b) and any(x in a for x in _as_list(b)),
    "contains_none": lambda a, b: isinstance(a, list) and _present(a, b) and not any(x in a for x in _as_list(b)),
}


def kind_of(ref: C.Ref, current: str | None, aliases: dict) -> str | None:
    """The evidence-schema kind of the field a Ref names (date, datetime, list, ...)."""
    target = C.target_of(ref, current, aliases)
    if not target or target in OPEN_FACT_TYPES:
        return None
    return field_types().get(target, {}).get(".".join(ref.path))


def coerce_literal(value, kind: str | None):
    """String literals compared with date fields become dates (so `le: 2023-05-31` works)."""
    if kind == "date" and isinstance(value, str):
        return parse_date(value)
    if kind == "datetime" and isinstance(value, str):
        return parse_datetime(value)
    if kind in ("date", "datetime") and isinstance(value, list):
        return [coerce_literal(v, kind) for v in value]
    return value


# ---- compiling -------------------------------------------------------------------------------
#
# A condition compiles to the source of one Python function, built from a fixed set of templates,
# then to code with compile(). Every value that comes from a rule — field names, literals, regular
# expressions, nested patterns — is bound in the function's namespace under a generated name
# (c0, c1, ...); the generated source holds only those names and Python operators. So a rule's
# text can never become code, while the predicate runs as straight-line Python with no closure
# call per comparison.

_SET_EMPTY = (MISSING, None, "", [])
_INLINE_ORDER = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_KIND_TYPE = {"date": date, "datetime": datetime}
_HASHABLE_KINDS = {"string", "number", "integer", "boolean", "date", "datetime"}
# list-membership operators with string literals, as (negation, joiner of the per-item tests):
# contains takes one string; the others a list of strings, or one string as a list of one. Like
# OPS, each is false unless the field is a list.
_INLINE_MEMBER = {"contains": ("", "and"), "not_contains": ("not ", "and"),
                  "contains_all": ("", "and"), "not_contains_all": ("not ", "and"),
                  "contains_any": ("", "or"), "contains_none": ("not ", "or")}


class _Source:
    """Accumulates the generated expression's constants."""

    def __init__(self, profile: str | None = None):
        self.ns: dict[str, Any] = {"MISSING": MISSING, "_walk": _walk, "_EMPTY": _SET_EMPTY}
        self.n = 0
        self.profile = profile   # a local variable holding the profile, if the code has one

    def const(self, value) -> str:
        name = f"c{self.n}"
        self.n += 1
        self.ns[name] = value
        return name

    def tmp(self) -> str:
        self.n += 1
        return f"_v{self.n}"

    def value(self, ref: C.Ref) -> str:
        if ref.root == "field":
            obj = "f"
        elif ref.root == "profile":
            obj = self.profile or f"e[{self.const('$profile')}]"
        else:
            obj = f"e[{self.const(ref.alias)}]"
        if len(ref.path) == 1:
            return f"{obj}.get({self.const(ref.path[0])}, MISSING)"
        if len(ref.path) == 2:
            t = self.tmp()
            return (f"({t}.get({self.const(ref.path[1])}, MISSING) "
                    f"if isinstance({t} := {obj}.get({self.const(ref.path[0])}), dict) else MISSING)")
        return f"_walk({obj}, {self.const(tuple(ref.path))})"


def compile_condition(node: Any, current: str | None, aliases: dict | None = None) -> Pred:
    """Compile an NNF condition (params already resolved) evaluated against facts of `current`
    into `pred(fact, env) -> bool`."""
    src = _Source()
    body = _expr(node, current, dict(aliases or {}), src)
    return _function(f"def pred(f, e):\n    return {body}\n", src.ns, "pred")


_CODE = None


def _function(code: str, ns: dict, name: str):
    global _CODE
    if _CODE is None:   # compiled code is kept on disk by its source (yinhuan.cache.CodeTable)
        from .cache import CodeTable
        _CODE = CodeTable("native-code")
    exec(_CODE.compile(code, "<yinhuan-condition>"), ns)  # code built from templates only
    return ns[name]


def _expr(node: Any, current, aliases, src: _Source) -> str:
    if node is None:
        return "True"
    if isinstance(node, C.All):
        return "(" + " and ".join(_expr(i, current, aliases, src) for i in node.items) + ")" if node.items else "True"
    if isinstance(node, C.Any_):
        return "(" + " or ".join(_expr(i, current, aliases, src) for i in node.items) + ")"
    if isinstance(node, C.Not):
        return f"(not {_expr(node.item, current, aliases, src)})"
    if isinstance(node, C.Exists):
        return f"{src.const(_compile_exists(node, current, aliases))}(f, e)"
    if isinstance(node, C.Cmp):
        return _cmp(node, current, aliases, src)
    raise TypeError(node)


def _cmp(node: C.Cmp, current, aliases, src: _Source) -> str:
    left = src.value(node.left)
    op = node.op
    if op == "is_set":
        return f"({left} {'not in' if node.right.value else 'in'} _EMPTY)"
    if op == "absent":   # the key is not written (a written null is a stated value)
        return f"({left} is MISSING)"
    if op in ("matches", "not_matches"):
        v = src.tmp()
        closed = _closed_matches(node, current, aliases)
        if closed is not None:   # a closed field: the pattern is the set of published values it matches
            test = "in" if op == "matches" else "not in"
            return f"(isinstance({v} := {left}, str) and {v} {test} {src.const(closed)})"
        rx = src.const(saferegex.compile_pattern(node.right.value))  # RE2 when installed
        test = "is not None" if op == "matches" else "is None"
        return f"(isinstance({v} := {left}, str) and {rx}.search({v}) {test})"
    if isinstance(node.right, C.Lit):
        val = coerce_literal(node.right.value, kind_of(node.left, current, aliases))
        c = src.const(val)
        if op == "eq":
            return f"({left} == {c})"
        if op == "ne":
            v = src.tmp()
            return f"(({v} := {left}) is not MISSING and {v} is not None and {v} != {c})"
        if op in ("in", "not_in"):
            pool = val if isinstance(val, list) else [val]
            scalar = kind_of(node.left, current, aliases) in _HASHABLE_KINDS
            try:   # a set lookup where the field's values are hashable; a scan otherwise
                frozen = src.const(frozenset(pool) if scalar else tuple(pool))
            except TypeError:
                frozen = src.const(tuple(pool))
            if op == "in" and None not in pool and scalar:   # absent and null are in no pool
                return f"({left} in {frozen})"
            v = src.tmp()
            neg = "not " if op == "not_in" else ""
            return f"(({v} := {left}) is not MISSING and {v} is not None and {v} {neg}in {frozen})"
        if op in _INLINE_ORDER and isinstance(val, (int, float)) and not isinstance(val, bool):
            v = src.tmp()
            return (f"((type({v} := {left}) is int or type({v}) is float) "
                    f"and {v} {_INLINE_ORDER[op]} {c})")
        if op in _INLINE_ORDER and type(val) is _KIND_TYPE.get(kind_of(node.left, current, aliases)):
            # a date (date-time) field holds only dates (date-times) once evidence is normalised
            v = src.tmp()
            return f"(type({v} := {left}) is type({c}) and {v} {_INLINE_ORDER[op]} {c})"
        items = _member_items(op, val)
        if items:
            v = src.tmp()
            neg, join = _INLINE_MEMBER[op]
            tests = f" {join} ".join(f"{src.const(x)} in {v}" for x in items)
            return f"(isinstance({v} := {left}, list) and {neg}({tests}))"
        return f"{src.const(OPS[op])}({left}, {c})"
    right = src.value(node.right)
    kinds = (kind_of(node.left, current, aliases), kind_of(node.right, current, aliases))
    if op in _INLINE_ORDER and kinds[0] in _KIND_TYPE and kinds[1] in _KIND_TYPE:
        # both sides hold their kind's type once evidence is normalised; a date against a
        # date-time is compared by the day: a certificate valid until 6月6日 is valid for work
        # starting 6月6日 08:30
        a, b = src.tmp(), src.tmp()
        ta, tb = src.const(_KIND_TYPE[kinds[0]]), src.const(_KIND_TYPE[kinds[1]])
        mixed = kinds[0] != kinds[1]
        da = f"{a}.date()" if mixed and kinds[0] == "datetime" else a
        db = f"{b}.date()" if mixed and kinds[1] == "datetime" else b
        return f"(type({a} := {left}) is {ta} and type({b} := {right}) is {tb} and {da} {_INLINE_ORDER[op]} {db})"
    if set(kinds) == {"date", "datetime"}:   # the other operators, by the day too
        day = src.const(_day)
        left, right = (f"{day}({left})", right) if kinds[0] == "datetime" else (left, f"{day}({right})")
    if op == "eq":   # a present left side never equals an absent (MISSING) or null right side
        v = src.tmp()
        return f"(({v} := {left}) is not MISSING and {v} is not None and {v} == {right})"
    if op == "in":
        a, b = src.tmp(), src.tmp()
        return (f"(({a} := {left}) is not MISSING and {a} is not None and "
                f"({a} in {b} if type({b} := {right}) is list else {a} == {b}))")
    return f"{src.const(OPS[op])}({left}, {right})"


def _closed_matches(node: C.Cmp, current, aliases) -> frozenset | None:
    """For `matches` on a string field with a closed vocabulary (the loader admits only its values,
    aliases replaced): the values the pattern matches, so the test is a set lookup, not a regex."""
    from . import vocabulary
    if kind_of(node.left, current, aliases) != "string":
        return None
    target = C.target_of(node.left, current, aliases)
    from .resources import schema
    key = vocabulary.key_of(schema("evidence")["$defs"], target, ".".join(node.left.path))
    v = vocabulary.allowed_values().get(key) if key else None
    if v is None:
        return None
    rx = saferegex.compile_pattern(node.right.value)
    return frozenset(x for x in v["values"] if rx.search(x))


def _member_items(op: str, val) -> list | None:
    """The string literals a list-membership operator tests one by one, or None when the
    operator is not one of those or the literal is not strings (then OPS decides)."""
    if op not in _INLINE_MEMBER:
        return None
    if isinstance(val, str):
        return [val]
    if op in ("contains", "not_contains"):   # a list literal is one element to look for
        return None
    if isinstance(val, list) and val and all(isinstance(x, str) for x in val):
        return val
    return None


def _day(v):
    return v.date() if isinstance(v, datetime) else v


def _join_key(where: Any, fact: str) -> tuple | None:
    """Find an equality join in the top level of an exists' where, to use the hash index.

    Returns (indexed field of the inner fact, the Ref of the outer value, is_list_of_values)."""
    items = where.items if isinstance(where, C.All) else [where] if isinstance(where, C.Cmp) else []
    for c in items:
        if not isinstance(c, C.Cmp) or not isinstance(c.right, C.Ref) or c.right.root == "field":
            continue
        if c.left.root == "field" and len(c.left.path) == 1 and c.op in ("eq", "in", "contains"):
            return c.left.path[0], c.right, c.op == "in"
    return None


def _compile_exists(node: C.Exists, current, aliases) -> Pred:
    """A pattern over facts, generated like a selection: true when at least `min` facts of the
    type match. Equality joins look candidates up in the per-enterprise index instead of scanning;
    the inner alias is bound in the shared env while the pattern is tested and restored after
    (patterns may nest and reuse names)."""
    fact = node.fact
    inner_aliases = dict(aliases)
    if node.alias:
        inner_aliases[node.alias] = fact
    src = _Source()
    where = _expr(node.where, fact, inner_aliases, src)
    join = _join_key(node.where, fact) if node.where is not None else None
    if join is None:
        pool = f"e[{src.const('$index')}].all({src.const(fact)})"
    else:
        key, outer, many = join
        helper = "_lookup_many" if many else "_lookup"
        src.ns[helper] = _lookup_many if many else _lookup
        pool = f"{helper}(e[{src.const('$index')}], {src.const(fact)}, {src.const(key)}, {src.value(outer)})"
    alias = src.const(node.alias) if node.alias else None
    lines = ["def exists(f, e):", f"    pool = {pool}"]
    if alias:
        lines.append(f"    saved = e.get({alias}, MISSING)")
    lines += ["    n = 0", "    for f in pool:"]
    if alias:
        lines.append(f"        e[{alias}] = f")
    lines += [f"        if {where}:", "            n += 1", f"            if n >= {src.const(node.min)}:",
              "                break"]
    if alias:
        lines += ["    if saved is MISSING:", f"        e.pop({alias}, None)", "    else:",
                  f"        e[{alias}] = saved"]
    lines.append(f"    return n >= {src.const(node.min)}")
    return _function("\n".join(lines) + "\n", src.ns, "exists")


def _lookup(index: FactIndex, fact: str, key: str, value) -> list[dict]:
    """Facts whose `key` equals (or, for a list field, contains) value."""
    if value is MISSING or value is None:
        return ()
    if isinstance(value, list):
        return _lookup_many(index, fact, key, value)
    return index.lookup(fact, key, value)


def _lookup_many(index: FactIndex, fact: str, key: str, values) -> list[dict]:
    """Facts whose `key` equals any of values, each once."""
    if values is MISSING or values is None:
        return ()
    seen, out = set(), []
    for x in _as_list(values):
        for c in index.lookup(fact, key, x):
            if id(c) not in seen:
                seen.add(id(c))
                out.append(c)
    return out


def compile_runner(gate, applies, selections, decide, finding, static):
    """One rule's whole per-enterprise path as one generated function:
    `run(profile, facts, e, evidence, as_of) -> Finding`.

    Applicability in the shared order (effective date, sector, `applies`; see
    evaluate.Applicability), then each selection as an inline loop, then the check kind's prepared
    decision, then the Finding — straight-line code with the rule's values bound as constants, so
    the loop over a checklist's rules makes one call per rule and looks nothing up.

    `applies` is an NNF condition over the profile or None; `selections` are (name, fact type,
    NNF condition, alias, base): a selection with a base filters that earlier selection's result
    instead of all the facts of its type. Returns (run, its generated source)."""
    src = _Source(profile="profile")
    tests = []
    if gate.since is not None:
        tests.append((f"as_of < {src.const(gate.since)}", gate.too_early, False))
    if gate.sector is not None:   # the not-applicable verdicts are worded from the profile
        tests.append((f"profile.get('sector') != {src.const(gate.sector)}", gate.other_sector, True))
    if applies is not None:
        tests.append((f"not {_expr(applies, None, {}, src)}", gate.out_of_scope, True))
    body, names = [], {}
    plain = {name: (fact, cond, alias, base) for name, fact, cond, alias, base in selections}
    fused = set()
    for i, (name, fact, cond, alias, base) in enumerate(selections):
        if name in fused:
            continue
        out = names[name] = f"s{i}"
        twin = plain.get(name + "?")
        if twin is not None and fact != "profile" and cond is not None:
            # a filter and its widened twin (the records that possibly match: checks.unknown_groups)
            fused.add(name + "?")
            tfact, tcond, talias, tbase = twin
            tout = names[name + "?"] = f"s{i}q"
            a = {alias: fact} if alias else {}
            bind = [f"    e[{src.const(alias)}] = f"] if alias else []
            test, wide = _expr(cond, fact, a, src), _expr(tcond, fact, a, src)
            if not base and not tbase:   # one pass: a record surely matches, or possibly, or neither
                ex, pool = f"x{i}", f"facts.get({src.const(fact)}, ())"
                body += [f"{out} = []", f"{ex} = []", f"for f in {pool}:", *bind,
                         f"    if {test}:", f"        {out}.append(f)",
                         f"    elif {wide}:", f"        {ex}.append(f)",
                         f"{tout} = {out} + {ex} if {ex} else {out}"]   # the same list when none is unknown
                continue
            # narrowing (each's requirements): the twin's pool added nothing -> the same result
            body += [f"{out} = []", f"for f in {names[base]}:", *bind, f"    if {test}:", f"        {out}.append(f)",
                     f"if {names[tbase]} is {names[base]}:", f"    {tout} = {out}", "else:", f"    {tout} = []",
                     f"    for f in {names[tbase]}:", *["    " + b for b in bind],
                     f"        if {wide}:", f"            {tout}.append(f)"]
            continue
        if fact == "profile":
            body += ["f = profile", f"{out} = [f] if {_expr(cond, None, {}, src)} else []"]
            continue
        pool = names[base] if base else f"facts.get({src.const(fact)}, ())"
        if cond is None:   # every fact of the type (checks only read what they are given)
            body.append(f"{out} = {pool}")
            continue
        body += [f"{out} = []", f"for f in {pool}:"]
        if alias:
            body.append(f"    e[{src.const(alias)}] = f")
        body += [f"    if {_expr(cond, fact, {alias: fact} if alias else {}, src)}:", f"        {out}.append(f)"]
    sel = "{" + ", ".join(f"{src.const(n)}: {v}" for n, v in names.items()) + "}"
    unknown = getattr(decide, "unknown", None)
    if unknown is None:
        body.append(f"v = {src.const(decide)}({sel}, evidence, as_of)")
    else:   # checks.prepare's three-valued filters, the usual case inline: no record is unknown
        inner, pairs, slow = unknown
        differ = " or ".join(f"len({names[q]}) != len({names[n]})" for n, q in pairs)
        body += [f"sel = {sel}", f"v = {src.const(inner)}(sel, evidence, as_of)",
                 f"if {differ}:", f"    v = {src.const(slow)}(v, sel, evidence, as_of)"]
    lines = ["def run(profile, facts, e, evidence, as_of):"]
    for i, (test, verdict, of_profile) in enumerate(tests):
        made = f"{src.const(verdict)}(profile)" if of_profile else src.const(verdict)
        lines += [f"    {'if' if i == 0 else 'elif'} {test}:", f"        v = {made}"]
    indent = "    "
    if tests:
        lines.append("    else:")
        indent = "        "
    lines += [indent + b for b in body]
    lines.append(f"    return {src.const(finding)}(v, evidence.by_id, {src.const(static)})")
    code = "\n".join(lines) + "\n"
    return _function(code, src.ns, "run"), code
