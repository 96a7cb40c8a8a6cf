"""Stage 3a, compile (front end): the one condition language, parsed into a small tree.

Every check kind is written with the same conditions (docs/conditions.md):

    all: [...] | any: [...] | not: {...}
    {field|profile|var: PATH, OP: OPERAND}           a comparison
    exists: {fact: TYPE, as: ALIAS, where: {...}}    a pattern over facts (joins via var:)

OP is one of eq ne lt le gt ge in not_in contains contains_all contains_any matches is_set.
OPERAND is a literal, or {field|profile|var: PATH}, or {param: NAME} (a checklist parameter).

The tree is put into negation normal form here, once, so both evaluators (native and rete) see
the same thing. The rule for absent data is the same in both, and is durable-rules' own: a
comparison on an absent field is false, and so is its negation (`not: {field: x, eq: 1}` does not
match a fact without x). A null value counts as absent. To test absence, write
`{field: x, is_set: false}`.

A filter (`where`) is also read three-valued (docs/rules.md, 缺失不等于否定): `possible(where)`
is the condition "could match if the fields the record does not write were written" — each
comparison on the record's own field also holds when that field is absent (the internal operator
`absent`: the key is not written; a written null is a stated value). A check compares its verdict
over the records that surely match with its verdict over those that possibly match.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import saferegex
from .errors import InputError

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains", "not_contains",
               "contains_all", "not_contains_all", "contains_any", "contains_none", "matches",
               "not_matches", "is_set", "absent")
AUTHOR_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains", "contains_all",
              "contains_any", "matches", "is_set")
NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le", "in": "not_in",
          "not_in": "in", "contains": "not_contains", "not_contains": "contains",
          "contains_all": "not_contains_all", "not_contains_all": "contains_all",
          "contains_any": "contains_none", "contains_none": "contains_any",
          "matches": "not_matches", "not_matches": "matches"}
ROOTS = ("field", "profile", "var")
OP_WORDS = {"eq": "为", "ne": "不为", "lt": "早于/小于", "le": "不晚于/不大于", "gt": "晚于/大于",
            "ge": "不早于/不小于", "in": "属于", "not_in": "不属于", "contains": "包含",
            "not_contains": "不包含", "contains_all": "包含全部", "not_contains_all": "未包含全部",
            "contains_any": "包含任一", "contains_none": "不包含任何", "matches": "匹配",
            "not_matches": "不匹配"}
MAX_REGEX = 200


# ---- tree ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ref:
    """A value read at evaluation time: root is field (the current fact), profile, or var."""
    root: str
    path: tuple
    alias: str | None = None

    def text(self) -> str:
        p = ".".join(self.path)
        return f"{self.alias}.{p}" if self.root == "var" else (f"企业.{p}" if self.root == "profile" else p)


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Param:
    name: str


@dataclass
class Cmp:
    left: Ref
    op: str
    right: Any  # Lit | Ref | Param
    where: tuple = ()


@dataclass
class All:
    items: list


@dataclass
class Any_:
    items: list


@dataclass
class Not:
    item: Any


@dataclass
class Exists:
    fact: str
    alias: str | None
    where: Any  # condition or None
    min: int = 1
    path: tuple = ()


TRUE = All([])  # the empty conjunction: always true


# ---- parse -----------------------------------------------------------------------------------

def parse(raw: Any, path: tuple = ()) -> Any:
    """Parse a YAML condition into the tree; errors carry the path for file:line reporting."""
    if not isinstance(raw, dict) or not raw:
        raise _err("条件应为非空映射（all/any/not/exists 或比较）", path)
    keys = set(raw)
    if keys == {"all"} or keys == {"any"}:
        k = next(iter(keys))
        items = raw[k]
        if not isinstance(items, list) or not items:
            raise _err(f"{k} 应为非空列表", path + (k,))
        parsed = [parse(c, path + (k, i)) for i, c in enumerate(items)]
        return All(parsed) if k == "all" else Any_(parsed)
    if keys == {"not"}:
        return Not(parse(raw["not"], path + ("not",)))
    if keys == {"exists"}:
        spec = raw["exists"]
        if not isinstance(spec, dict) or "fact" not in spec:
            raise _err("exists 需要 fact", path + ("exists",))
        where = parse(spec["where"], path + ("exists", "where")) if "where" in spec else None
        return Exists(spec["fact"], spec.get("as"), where, int(spec.get("min", 1)), path + ("exists",))
    roots = [r for r in ROOTS if r in raw]
    if len(roots) != 1:
        raise _err("比较须且只须有 field、profile、var 之一", path)
    root = roots[0]
    ops = [k for k in raw if k != root]
    if len(ops) != 1 or ops[0] not in AUTHOR_OPS:
        raise _err(f"比较须且只须有一个运算符（{', '.join(AUTHOR_OPS)}），得到 {', '.join(ops) or '无'}", path)
    op = ops[0]
    left = _ref(root, raw[root], path + (root,))
    right = _operand(raw[op], path + (op,))
    if op in ("in", "not_in", "contains_all", "contains_any") and not (
            isinstance(right, (Param, Ref)) or isinstance(right.value, list)):
        raise _err(f"{op} 的值应为列表", path + (op,))
    if isinstance(right, Lit) and (right.value is None or (isinstance(right.value, list) and None in right.value)):
        raise _err(f"{op} 的值不能是 null：空值与未填写同样处理，请用 is_set: false 判断", path + (op,))
    if op == "is_set" and not (isinstance(right, Lit) and isinstance(right.value, bool)):
        raise _err("is_set 的值应为 true 或 false", path + (op,))
    if op == "matches":
        if not isinstance(right, Lit) or not isinstance(right.value, str):
            raise _err("matches 的值应为正则表达式字符串", path + (op,))
        _check_regex(right.value, path + (op,))
    return Cmp(left, op, right, path)


def _ref(root: str, text: Any, path: tuple) -> Ref:
    if not isinstance(text, str) or not text or text.startswith(".") or text.endswith("."):
        raise _err(f"{root} 应为字段路径，如 date 或 five_in_place.deadline", path)
    parts = tuple(text.split("."))
    if root == "var":
        if len(parts) < 2:
            raise _err("var 应写作 别名.字段，如 p.work_start", path)
        return Ref("var", parts[1:], parts[0])
    return Ref(root, parts)


def _operand(raw: Any, path: tuple):
    if isinstance(raw, dict):
        if set(raw) == {"param"}:
            return Param(str(raw["param"]))
        roots = [r for r in ROOTS if r in raw]
        if len(roots) == 1 and len(raw) == 1:
            return _ref(roots[0], raw[roots[0]], path + (roots[0],))
        raise _err("比较值应为字面量，或 {field|profile|var: 路径}，或 {param: 名称}", path)
    return Lit(raw)


def _check_regex(pattern: str, path: tuple) -> None:
    if len(pattern) > MAX_REGEX:
        raise _err(f"正则表达式过长（超过 {MAX_REGEX} 个字符）", path)
    if re.search(r"\[[^\]]*[^\x00-\x7f][^\]]*-[^\]]*\]", pattern):
        # durable-rules segfaults on CJK ranges; list characters instead of a range
        raise _err("正则表达式中不允许非 ASCII 字符范围（如 [一-龥]），请列出具体字符或用 .", path)
    why = saferegex.problem(pattern)  # invalid, or would backtrack catastrophically
    if why:
        raise _err(why, path)


def _err(message: str, path: tuple) -> InputError:
    e = InputError(message)
    e.cond_path = path  # type: ignore[attr-defined]
    return e


# ---- negation normal form --------------------------------------------------------------------

def nnf(node: Any, negate: bool = False) -> Any:
    """Push every `not` down to the comparisons (flipping their operator) or onto an exists."""
    if node is None:
        return None
    if isinstance(node, Not):
        return nnf(node.item, not negate)
    if isinstance(node, (All, Any_)):
        items = [nnf(i, negate) for i in node.items]
        flip = isinstance(node, All) == negate  # De Morgan
        return Any_(items) if flip else All(items)
    if isinstance(node, Cmp):
        if not negate:
            return node
        if node.op == "is_set":
            return Cmp(node.left, "is_set", Lit(not node.right.value), node.where)
        return Cmp(node.left, NEGATE[node.op], node.right, node.where)
    if isinstance(node, Exists):
        inner = Exists(node.fact, node.alias, nnf(node.where), node.min, node.path)
        return Not(inner) if negate else inner
    raise TypeError(node)


# ---- walking ---------------------------------------------------------------------------------

def walk(node: Any):
    """Yield every node of the tree (pre-order)."""
    if node is None:
        return
    yield node
    if isinstance(node, (All, Any_)):
        for i in node.items:
            yield from walk(i)
    elif isinstance(node, Not):
        yield from walk(node.item)
    elif isinstance(node, Exists):
        yield from walk(node.where)


def walk_scoped(node: Any, current: str | None, aliases: dict):
    """Yield (node, the fact type `field:` means there, alias -> fact type) for every node: what a
    reader of the tree needs to know which evidence field a comparison names."""
    if node is None:
        return
    yield node, current, aliases
    if isinstance(node, (All, Any_)):
        for i in node.items:
            yield from walk_scoped(i, current, aliases)
    elif isinstance(node, Not):
        yield from walk_scoped(node.item, current, aliases)
    elif isinstance(node, Exists):
        inner = dict(aliases, **({node.alias: node.fact} if node.alias else {}))
        yield from walk_scoped(node.where, node.fact, inner)


def target_of(ref: Ref, current: str | None, aliases: dict) -> str | None:
    """The fact type (or 'profile') a Ref reads, or None when it cannot be told."""
    if ref.root == "profile":
        return "profile"
    if ref.root == "field":
        return current
    return aliases.get(ref.alias)


def params_used(node: Any) -> set[str]:
    return {n.right.name for n in walk(node) if isinstance(n, Cmp) and isinstance(n.right, Param)}


def resolve_params(node: Any, params: dict, where: str = "") -> Any:
    """Replace {param: x} operands by the checklist's value (compile time, per checklist)."""
    if node is None:
        return None
    if isinstance(node, (All, Any_)):
        return type(node)([resolve_params(i, params, where) for i in node.items])
    if isinstance(node, Not):
        return Not(resolve_params(node.item, params, where))
    if isinstance(node, Exists):
        return Exists(node.fact, node.alias, resolve_params(node.where, params, where), node.min, node.path)
    if isinstance(node, Cmp) and isinstance(node.right, Param):
        if node.right.name not in params:
            raise InputError(f"检查清单未定义参数 “{node.right.name}”{where}")
        return Cmp(node.left, node.op, Lit(params[node.right.name]), node.where)
    return node


# ---- describing (for reasons and lint output) ------------------------------------------------

def describe(node: Any) -> str:
    """A short Chinese rendering of a condition, used when a rule gives no wording of its own."""
    if node is None:
        return "（无条件）"
    if isinstance(node, All):
        return "且".join(describe(i) for i in node.items) if node.items else "（无条件）"
    if isinstance(node, Any_):
        return "（" + "或".join(describe(i) for i in node.items) + "）"
    if isinstance(node, Not):
        return "并非" + describe(node.item)
    if isinstance(node, Exists):
        return f"存在{node.fact}记录" + (f"（{describe(node.where)}）" if node.where else "")
    if isinstance(node, Cmp):
        r = node.right
        if node.op == "absent":
            return f"{node.left.text()}未写出"
        if node.op == "is_set":
            return f"{node.left.text()}{'已填写' if r.value else '未填写'}"
        val = r.text() if isinstance(r, Ref) else (f"参数{r.name}" if isinstance(r, Param) else _lit(r.value))
        return f"{node.left.text()}{OP_WORDS[node.op]}{val}"
    return str(node)


def _lit(v: Any) -> str:
    if isinstance(v, list):
        return "［" + "、".join(str(x) for x in v) + "］"
    if isinstance(v, bool):
        return "是" if v else "否"
    return str(v)


# ---- three-valued filters ----------------------------------------------------------------------

def possible(node: Any, always: frozenset = frozenset(), joined: dict | None = None) -> Any:
    """The NNF condition `node` with every comparison on the current record's own field widened
    to "holds, or that field is not written" — the records that could match once their missing
    fields were written. Fields in `always` (written on every record: the schema requires them)
    are left alone, as are the profile and the outer records a pattern refers to (`var:`). With
    `joined` ({fact type: its always-written fields}) nested patterns are read the same way: a
    joined record's unwritten field may hold (`exists` possibly matches), and `not exists` possibly
    holds when no joined record surely matches. Returns None when nothing could be unknown, so
    callers add no selection."""
    out = _possible(node, always, joined)
    return None if out is node else out


def sure(node: Any, joined: dict) -> Any:
    """`node` read as "surely matches" when nested patterns join records that may leave fields
    unwritten: `not exists` then needs that no joined record even possibly matches (a certificate
    that does not say its operation might be the one). Comparisons on the current record stay as
    they are (absent is false). Returns node itself when nothing changes."""
    if isinstance(node, (All, Any_)):
        items = [sure(i, joined) for i in node.items]
        return node if all(a is b for a, b in zip(items, node.items)) else type(node)(items)
    if isinstance(node, Exists):
        w = _nested(node.where, node.fact, joined, False)
        return node if w is node.where else Exists(node.fact, node.alias, w, node.min, node.path)
    if isinstance(node, Not) and isinstance(node.item, Exists):
        e = node.item
        w = _nested(e.where, e.fact, joined, True)
        return node if w is e.where else _not_exists(e, w)
    return node


def _possible(node: Any, always: frozenset, joined: dict | None = None) -> Any:
    if isinstance(node, (All, Any_)):
        items = [_possible(i, always, joined) for i in node.items]
        if all(a is b for a, b in zip(items, node.items)):
            return node
        return type(node)(items)
    if isinstance(node, Cmp) and node.op not in ("is_set", "absent"):
        unknown = [Cmp(ref, "absent", Lit(True), node.where) for ref in (node.left, node.right)
                   if isinstance(ref, Ref) and ref.root == "field" and ".".join(ref.path) not in always]
        return Any_([node] + unknown) if unknown else node
    if joined is not None and isinstance(node, Exists):
        w = _nested(node.where, node.fact, joined, True)
        return node if w is node.where else Exists(node.fact, node.alias, w, node.min, node.path)
    if joined is not None and isinstance(node, Not) and isinstance(node.item, Exists):
        e = node.item
        w = _nested(e.where, e.fact, joined, False)
        return node if w is e.where else Not(Exists(e.fact, e.alias, w, e.min, e.path))
    return node


def _nested(where: Any, fact: str, joined: dict, widen: bool) -> Any:
    """A nested pattern's `where` over `fact`: widened (possible) or surely matching."""
    if where is None:
        return None
    if widen:
        return _possible(where, joined.get(fact, frozenset()), joined)
    return sure(where, joined)


def _not_exists(e: Exists, widened: Any) -> Any:
    """not exists(fact where widened), written as a conjunction of `not exists` over the widened
    pattern's alternatives (one per choice in its or-groups) — the same meaning, and a form
    durable-rules can run (it refuses joins inside an or-group). With min > 1 it stays whole."""
    items = widened.items if isinstance(widened, All) else [widened]
    alts = [[]]
    for it in items:
        options = it.items if isinstance(it, Any_) else [it]
        alts = [a + [o] for a in alts for o in options]
    if e.min != 1 or len(alts) > 64:
        return Not(Exists(e.fact, e.alias, widened, e.min, e.path))
    return All([Not(Exists(e.fact, e.alias, All(a), e.min, e.path)) for a in alts])


def joined_unknowable(node: Any, joined: dict) -> tuple:
    """[(fact type, field path)] of joined records (inside nested patterns) that `possible` /
    `sure` read as unknown when not written, in order."""
    out: dict = {}

    def visit(n, fact):
        for m in _top_level(n):
            if isinstance(m, Exists):
                visit(m.where, m.fact)
            elif isinstance(m, Not) and isinstance(m.item, Exists):
                visit(m.item.where, m.item.fact)
            elif fact is not None and isinstance(m, Cmp) and m.op not in ("is_set", "absent"):
                for ref in (m.left, m.right):
                    if isinstance(ref, Ref) and ref.root == "field" and \
                            ".".join(ref.path) not in joined.get(fact, frozenset()):
                        out[(fact, tuple(ref.path))] = None
    visit(node, None)
    return tuple(out)


def unknowable_fields(node: Any, always: frozenset = frozenset()) -> tuple:
    """The record's own fields (paths) whose absence `possible` reads as unknown, in order."""
    out: dict = {}
    for n in _top_level(node):
        if isinstance(n, Cmp) and n.op not in ("is_set", "absent"):
            for ref in (n.left, n.right):
                if isinstance(ref, Ref) and ref.root == "field" and ".".join(ref.path) not in always:
                    out[tuple(ref.path)] = None
    return tuple(out)


def _top_level(node: Any):
    """Every node of the tree outside nested patterns."""
    if node is None:
        return
    yield node
    if isinstance(node, (All, Any_)):
        for i in node.items:
            yield from _top_level(i)
