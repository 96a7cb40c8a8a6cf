"""Compile one selection's NNF condition (conditions.py) into a durable-rules rule.

A selection is "facts of type T whose condition holds"; it becomes one durable rule whose first
pattern (`s`) is the subject fact and whose action records the subject's id. Nested `exists`
become further patterns joined through alias references; `not exists` becomes `x$not`; list
membership across facts goes through edge facts (values.py). Anything the released build runs
wrongly or crashes on is refused here, at compile time, with a Chinese message naming the rule:
joins inside or-groups, or-groups beside joins, negations nested in negations, `min` > 1,
regexes beyond a small translated subset, operators outside the whitelist.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import conditions as C
from ..compile_native import coerce_literal, kind_of
from .values import DAY, LEN, NULL, PROFILE_TYPE, edge_type, to_number

FALSE = {"$eq": {"__never": 1}}   # a property no fact has: never matches
ORDER = {"eq": "$eq", "ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
FLIP = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}
LIST_OPS = ("contains", "not_contains", "contains_all", "not_contains_all", "contains_any",
            "contains_none")
WHITELIST = {"$and", "$or", "$eq", "$neq", "$lt", "$lte", "$gt", "$gte", "$ex", "$nex", "$mt",
             "$iany", "$iall", "$i", "$m"}


class Refused(Exception):
    """Raised inside the compiler; the caller adds the rule id (EngineRefused)."""


@dataclass
class Pattern:
    name: str
    fact: str
    negated: bool = False
    tests: list = field(default_factory=list)   # constant and same-fact ($m) tests
    joins: list = field(default_factory=list)   # tests referencing earlier patterns: (expr, alias)


@dataclass
class DRule:
    """One durable rule: its spec without the action, and what assertion it needs."""
    specs: list        # one or more durable rules (or-groups beside joins are expanded)
    types: set
    negated: set
    edges: set
    profile_keys: set
    probes: list = field(default_factory=list)   # [(DRule, negated)]: independent exists


class SelectionCompiler:
    def __init__(self, fact: str, alias: str | None):
        self.patterns: list[Pattern] = []
        self.aliases: dict[str, Pattern] = {}
        self.types_of: dict[str, str] = {}
        self.edges: set = set()
        self.profile_keys: set = set()
        self.probes: list = []
        self.subject = self._new(fact, alias, negated=False)

    def _new(self, fact, alias, negated) -> Pattern:
        p = Pattern(f"{'x' if negated else 'p'}{len(self.patterns)}", fact, negated)
        self.patterns.append(p)
        if alias:
            self.aliases[alias] = p
            self.types_of[alias] = fact
        return p

    # ---- tree walk ------------------------------------------------------------------------
    def add(self, node, cur: Pattern) -> None:
        if node is None:
            return
        if isinstance(node, C.All):
            for i in node.items:
                self.add(i, cur)
        elif isinstance(node, C.Any_):
            cur.tests.append(self.constant(node, cur))
        elif isinstance(node, C.Exists):
            if cur.negated:
                raise Refused("否定（not exists）内部不能再嵌套 exists")
            self._exists(node, cur, negated=False)
        elif isinstance(node, C.Not) and isinstance(node.item, C.Exists):
            if cur.negated:
                raise Refused("否定（not exists）内部不能再嵌套 exists")
            self._exists(node.item, cur, negated=True)
        elif isinstance(node, C.Cmp):
            self._cmp(node, cur)
        else:
            raise Refused(f"无法编译的条件节点 {type(node).__name__}")

    def _exists(self, node: C.Exists, cur: Pattern, negated: bool) -> None:
        if node.min != 1:
            raise Refused("exists 的 min 大于 1（durable-rules 无法计数匹配）")
        if not _outer_refs(node):
            # Independent of the outer facts: a separate rule whose result gates this one. Inside
            # one rule durable-rules never binds one fact to two patterns, so `exists documents`
            # inside a documents selection would miss the subject itself.
            self.probes.append((compile_selection(node.fact, node.where, node.alias), negated))
            return
        q = self._new(node.fact, node.alias, negated)
        self.add(node.where, q)

    def _side(self, ref: C.Ref, cur: Pattern) -> tuple[Pattern, str]:
        """(pattern owning the value, dotted durable path)."""
        if ref.root == "profile":
            self.profile_keys.add(ref.path[0])
            return cur, ".".join(("_p",) + ref.path)
        path = list(ref.path)
        if path[0] == "id":
            path[0] = "_fid"
        owner = cur if ref.root == "field" else self.aliases.get(ref.alias)
        if owner is None:
            raise Refused(f"别名 {ref.alias} 未绑定")
        return owner, ".".join(path)

    def _kind(self, ref: C.Ref, cur: Pattern):
        if ref.root == "profile":
            return kind_of(ref, None, {})
        fact = cur.fact if ref.root == "field" else self.types_of.get(ref.alias)
        return kind_of(C.Ref("field", ref.path), fact if fact != PROFILE_TYPE else None, {})

    def _cmp(self, node: C.Cmp, cur: Pattern) -> None:
        owner, path = self._side(node.left, cur)
        right = node.right
        if isinstance(right, C.Ref):
            rowner, rpath = self._side(right, cur)
            path, rpath = self._by_day(node, cur, path, rpath)
            if rowner is owner:
                self._place(owner, cur, self.expr(node.op, path, {"$m": rpath}, node.left, cur), None)
                return
            if node.op in ("in", "contains"):
                self._edge(node.op, owner, path, rowner, rpath, cur)
                return
            if node.op not in ORDER:
                raise Refused(f"跨记录比较不支持运算符 {node.op}")
            a, b = self.patterns.index(owner), self.patterns.index(rowner)
            op = node.op
            if a < b:   # put the test on the later pattern, flipping the operator
                owner, path, rowner, rpath, op = rowner, rpath, owner, path, FLIP[op]
            self._place(owner, cur, {ORDER[op]: {path: {rowner.name: rpath}}}, rowner.name)
            return
        self._place(owner, cur, self.expr(node.op, path, self.literal(node, cur), node.left, cur), None)

    def _by_day(self, node: C.Cmp, cur: Pattern, path: str, rpath: str) -> tuple[str, str]:
        """A date compared with a date-time is compared by the day (a certificate valid until
        6月6日 is valid for work at 6月6日 08:30): use the date-time's `__day` sibling."""
        kinds = (self._kind(node.left, cur), self._kind(node.right, cur))
        if set(kinds) != {"date", "datetime"}:
            return path, rpath
        return (path + DAY, rpath) if kinds[0] == "datetime" else (path, rpath + DAY)

    def _place(self, owner: Pattern, cur: Pattern, expr: dict, joined: str | None) -> None:
        if owner is not cur and cur.negated:
            raise Refused("否定（not exists）内的条件只检验外层记录，无法放入 x$not")
        if owner.negated and owner is not cur:
            raise Refused("否定记录的别名在否定之外被引用")
        (owner.joins if joined else owner.tests).append((expr, joined) if joined else expr)

    def _edge(self, op, owner, path, rowner, rpath, cur) -> None:
        """`A.a in B.list` / `A.list contains B.b` through an edge fact on the list's owner."""
        if cur.negated:
            raise Refused("否定（not exists）内不能按列表成员关联（in/contains 跨记录）")
        if "." in path and op == "contains" or "." in rpath and op == "in":
            raise Refused("列表成员关联只支持顶层字段")
        lst, lpath, val, vpath = (rowner, rpath, owner, path) if op == "in" else (owner, path, rowner, rpath)
        if lst.fact == PROFILE_TYPE or lpath.startswith("_p.") or lpath == "_fid":
            raise Refused("列表成员关联只支持记录的列表字段")
        self.edges.add((lst.fact, lpath))
        e = Pattern(f"e{len(self.patterns)}", edge_type(lst.fact, lpath))
        self.patterns.append(e)
        e.joins.append(({"$eq": {"o": {lst.name: "_fid"}}}, lst.name))
        e.joins.append(({"$eq": {"v": {val.name: vpath}}}, val.name))

    # ---- constant expressions -------------------------------------------------------------
    def constant(self, node, cur: Pattern) -> dict:
        """An or-group: only tests on the current fact (no joins, no exists) are allowed."""
        if isinstance(node, (C.All, C.Any_)):
            items = [self.constant(i, cur) for i in node.items]
            return {"$and" if isinstance(node, C.All) else "$or": items} if items else _true()
        if isinstance(node, C.Cmp):
            owner, path = self._side(node.left, cur)
            if owner is not cur:
                raise Refused("或（any）分组中含有跨记录关联（join）")
            if isinstance(node.right, C.Ref):
                rowner, rpath = self._side(node.right, cur)
                if rowner is not cur:
                    raise Refused("或（any）分组中含有跨记录关联（join）")
                path, rpath = self._by_day(node, cur, path, rpath)
                return self.expr(node.op, path, {"$m": rpath}, node.left, cur)
            return self.expr(node.op, path, self.literal(node, cur), node.left, cur)
        raise Refused("或（any）分组中含有 exists（跨记录关联），durable-rules 无法安全执行")

    def literal(self, node: C.Cmp, cur: Pattern):
        v = coerce_literal(node.right.value, self._kind(node.left, cur))
        if isinstance(v, list):
            return [to_number(x) for x in v]
        if isinstance(v, dict) or v is None:
            raise Refused(f"比较值 {v!r} 不是标量")
        return to_number(v)

    def expr(self, op: str, path: str, val, left: C.Ref, cur: Pattern) -> dict:
        kind = self._kind(left, cur)
        if op == "is_set":
            return _is_set(path, kind, val)
        if op == "absent":   # not written: no value, no written null, no (empty) list
            return {"$and": [{"$nex": {path: 1}}, {"$nex": {path + NULL: 1}}, {"$nex": {path + LEN: 1}}]}
        if op in ORDER:
            if isinstance(val, list):
                raise Refused(f"{op} 的比较值不能是列表")
            return {ORDER[op]: {path: val}}
        if op in ("in", "not_in"):
            vals = val if isinstance(val, list) else [val]
            if op == "in":
                return _any([{"$eq": {path: x}} for x in vals])
            return {"$and": [{"$neq": {path: x}} for x in vals]} if vals else {"$ex": {path: 1}}
        if op in LIST_OPS:
            if isinstance(val, dict):
                raise Refused(f"{op} 不支持与同一记录的其他字段比较")
            return _list_op(op, path, val if isinstance(val, list) else [val])
        if op == "matches":
            if kind not in (None, "string", "object"):
                raise Refused(f"matches 只能用于文字字段（{path} 为 {kind}）")
            return {"$mt": {path: lua_pattern(val)}}
        raise Refused(f"运算符 {op} 不在 rete 白名单内（durable-rules 无对应的安全写法）")

    # ---- emit -----------------------------------------------------------------------------
    def emit(self) -> DRule:
        """Patterns with joins get no or-groups (wrong results upstream): their constant
        or-groups are expanded into alternatives — several rules for a positive pattern (a
        union), several x$not patterns for a negated one (none of any)."""
        variants = [[]]   # each: list of positive pattern dicts
        negs = []
        for p in self.patterns:
            if not p.joins:
                items = [{"t": p.fact}] + _flatten(p.tests)
                alts = [items]
            else:
                alts = [[{"t": p.fact}] + a for a in _dnf(p.tests)]
                if len(alts) > MAX_ALTERNATIVES:
                    raise Refused(f"或（any）分组展开后超过 {MAX_ALTERNATIVES} 种组合")
                pad = {"$gte": {"_k": {p.joins[-1][1]: "_k"}}}   # PAD, last (upstream #381)
                alts = [a + [e for e, _ in p.joins] + [pad] for a in alts]
            exprs = [a[0] if len(a) == 1 else {"$and": a} for a in alts]
            if p.negated:
                negs.extend({"x$not": e} for e in exprs)
            else:
                variants = [v + [{p.name: e}] for v in variants for e in exprs]
                if len(variants) > MAX_ALTERNATIVES:
                    raise Refused(f"或（any）分组展开后超过 {MAX_ALTERNATIVES} 种组合")
        self._check_self_joins()
        specs = [{"all": v + negs} for v in variants]
        _check_whitelist(specs)
        types = {p.fact for p in self.patterns if not p.fact.startswith("@")}
        return DRule(specs, types, {p.fact for p in self.patterns if p.negated}, set(self.edges),
                     set(self.profile_keys), list(self.probes))

    def _check_self_joins(self) -> None:
        """Two patterns on one fact type are safe only if no fact can satisfy both (durable
        never binds one fact twice, native would): shown by `$eq` on one field with two values."""
        for i, a in enumerate(self.patterns):
            for b in self.patterns[i + 1:]:
                if a.fact != b.fact:
                    continue
                if a.negated and b.negated:
                    # two `not exists` on one type emit two x$not entries, exactly as one negated
                    # pattern's expanded or-group does (emit): no fact is bound to both
                    continue
                if a.negated or b.negated:
                    raise Refused(f"同一规则中 {a.fact} 既被肯定匹配又被否定（durable-rules 否定缺陷无法按断言顺序规避）")
                ea, eb = _eqs(a.tests), _eqs(b.tests)
                if not any(k in eb and ea[k] != eb[k] for k in ea):
                    raise Refused(f"{a.fact} 与外层同类记录关联，且无法证明两者不是同一条记录"
                                  "（durable-rules 不会把同一条记录同时绑定到两个模式）")


MAX_ALTERNATIVES = 16


def _eqs(tests: list) -> dict:
    out = {}
    for t in _flatten(tests):
        if set(t) == {"$eq"} and len(t["$eq"]) == 1:
            (k, v), = t["$eq"].items()
            if not isinstance(v, dict):
                out[k] = v
    return out


def _dnf(tests: list) -> list[list]:
    """A conjunction with nested or-groups as a list of flat conjunctions."""
    out = [[]]
    for t in tests:
        if set(t) == {"$and"}:
            alts = _dnf(t["$and"])
        elif set(t) == {"$or"}:
            alts = [a for x in t["$or"] for a in _dnf([x])]
        else:
            alts = [[t]]
        out = [o + a for o in out for a in alts]
        if len(out) > MAX_ALTERNATIVES:
            raise Refused(f"或（any）分组展开后超过 {MAX_ALTERNATIVES} 种组合")
    return out


def _outer_refs(node: C.Exists) -> bool:
    """Does the exists refer to an alias bound outside it?"""
    inner = {n.alias for n in C.walk(node) if isinstance(n, C.Exists) and n.alias}
    return any(isinstance(r, C.Ref) and r.root == "var" and r.alias not in inner
               for n in C.walk(node) if isinstance(n, C.Cmp) for r in (n.left, n.right))


def _true() -> dict:
    return {"$ex": {"t": 1}}


def _any(items: list) -> dict:
    if not items:
        return FALSE
    return items[0] if len(items) == 1 else {"$or": items}


def _flatten(tests: list) -> list:
    out = []
    for t in tests:
        out.extend(_flatten(t["$and"]) if set(t) == {"$and"} else [t])
    return out


def _is_set(path: str, kind, want: bool) -> dict:
    n = path + LEN
    if kind == "list":
        return {"$gt": {n: 0}} if want else {"$or": [{"$nex": {n: 1}}, {"$eq": {n: 0}}]}
    scalar_set = {"$and": [{"$ex": {path: 1}}, {"$neq": {path: ""}}]}
    scalar_unset = {"$or": [{"$nex": {path: 1}}, {"$eq": {path: ""}}]}
    if kind == "object":
        raise Refused(f"is_set 不支持对象字段 {path}")
    if kind is not None:
        return scalar_set if want else scalar_unset
    if want:
        return {"$or": [{"$gt": {n: 0}}, scalar_set]}
    return {"$and": [{"$or": [{"$nex": {n: 1}}, {"$eq": {n: 0}}]}, scalar_unset]}


def _list_op(op: str, path: str, vals: list) -> dict:
    n = path + LEN
    empty = {"$eq": {n: 0}}

    def has(x):
        return {"$iany": {path: {"$i": x}}}

    def lacks(x):
        return {"$or": [empty, {"$iall": {path: {"$neq": {"$i": x}}}}]}
    if op == "contains":
        return {"$and": [has(x) for x in vals]} if vals else {"$ex": {n: 1}}
    if op == "contains_all":
        return {"$and": [has(x) for x in vals]} if vals else {"$ex": {n: 1}}
    if op == "not_contains" or op == "contains_none":
        return {"$and": [lacks(x) for x in vals]} if vals else {"$ex": {n: 1}}
    if op == "not_contains_all":
        return _any([lacks(x) for x in vals])
    return _any([has(x) for x in vals])   # contains_any


def _check_whitelist(node) -> None:
    """Unknown operators are accepted by durable-rules and silently never match: refuse them."""
    if isinstance(node, list):
        for x in node:
            _check_whitelist(x)
    elif isinstance(node, dict):
        for k, v in node.items():
            if k.startswith("$") and k not in WHITELIST:
                raise Refused(f"运算符 {k} 不在白名单内")
            _check_whitelist(v)


# ---- regular expressions ---------------------------------------------------------------------

_ESC = {"d": "%d", "s": "%s"}
_PUNCT = set(".*+?()[]{}|%")   # escapes durable accepts as %x (%^ %$ %- %/ fail with 501)


def lua_pattern(rx: str) -> str:
    """Python `re.search` pattern -> durable's whole-string pattern, for a safe subset only."""
    body, head, tail = rx, ".*", ".*"
    if body.startswith("^"):
        body, head = body[1:], ""
    if body.endswith("$") and not body.endswith("\\$"):
        body, tail = body[:-1], ""
    if (not head or not tail) and "|" in body:
        raise Refused("正则表达式同时使用锚点（^ $）和“|”，无法安全转换")
    out, i, in_class = [], 0, False
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body):
                raise Refused("正则表达式以反斜杠结尾")
            nx = body[i + 1]
            if nx in _ESC and not in_class:
                out.append(_ESC[nx])
            elif nx in _PUNCT:
                out.append("%" + nx)
            else:
                raise Refused(f"正则表达式中的 \\{nx} 不在 rete 支持的子集内（支持 \\d \\s 与转义标点）")
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "-" and i + 1 < len(body) and body[i + 1] != "]" and i > 0 and body[i - 1] != "[":
                lo, hi = body[i - 1], body[i + 1]
                if ord(lo) > 127 or ord(hi) > 127:
                    raise Refused("正则表达式含非 ASCII 字符范围（如 [一-龥]），durable-rules 会崩溃")
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch in "{}^$":
            raise Refused(f"正则表达式中的 {ch} 不在 rete 支持的子集内")
        elif ch == "(" and body[i + 1:i + 2] == "?":
            raise Refused("正则表达式中的 (?...) 不在 rete 支持的子集内")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
        i += 1
    if in_class:
        raise Refused("正则表达式的字符类未闭合")
    core = "".join(out)
    return f"{head}({core}){tail}" if "|" in core else head + core + tail


def compile_selection(fact: str, cond, alias: str | None) -> DRule:
    sc = SelectionCompiler(fact, alias)
    sc.add(cond, sc.subject)
    return sc.emit()

