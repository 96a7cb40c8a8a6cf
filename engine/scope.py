"""Why a rule does not apply, said with the enterprise's own values.

An inspector reads "企业未登记外包外租单位（含委托、合作）" or "从业人员 80 人；涉及的领域：无", never the
rule's condition ("企业.flags.has_contractors为是") or a field path. The wording of each profile
field is data (rules/wording/profile.yaml); this module only picks which fields to speak of: those
of the parts of the rule's `applies` that the enterprise does not meet.
"""
from __future__ import annotations

from functools import lru_cache

from . import conditions as C
from .findings import INSUFFICIENT, NA
from .loader import load_file
from .resources import rules_dir


@lru_cache(maxsize=1)
def terms() -> dict:
    """{field path: {name, unit, yes, no, absent, empty}} from rules/wording/profile.yaml."""
    return load_file(rules_dir() / "wording" / "profile.yaml").data


def value_text(path: tuple | str, profile: dict) -> str:
    """The enterprise's value of one profile field, as a Chinese phrase."""
    key = path if isinstance(path, str) else ".".join(path)
    t = terms().get(key) or {"name": "企业画像的一项登记"}
    value = profile
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or value == "":
        return t.get("absent") or f"企业画像未登记{t.get('name', '')}"
    if isinstance(value, bool):
        return t.get("if_true" if value else "if_false") or f"{t.get('name', '')}：{'是' if value else '否'}"
    if isinstance(value, list):
        return f"{t['name']}：{'、'.join(map(str, value))}" if value else t.get("empty", f"{t['name']}：无")
    unit = t.get("unit")
    return f"{t['name']} {value} {unit}" if unit else f"{t['name']}：{value}"


def unmet_fields(node, profile: dict) -> list[tuple]:
    """Profile field paths of the parts of an NNF `applies` condition the profile does not meet
    (for `any`, every alternative; for `all`, the failing members), in order, without repeats."""
    out: list[tuple] = []

    def walk(n):
        if isinstance(n, C.All):
            for item in n.items:
                if not _holds(item, profile):
                    walk(item)
        elif isinstance(n, C.Any_):
            for item in n.items:
                walk(item)
        elif isinstance(n, C.Not):
            walk(n.item)
        elif isinstance(n, C.Cmp) and n.left.root == "profile" and n.left.path not in out:
            out.append(n.left.path)
    walk(node)
    return out


def reason(node, profile: dict) -> str:
    """The 不适用 reason for a rule whose `applies` (NNF) the profile does not meet."""
    fields = unmet_fields(node, profile)
    return "；".join(value_text(f, profile) for f in fields) or "企业情况不在本规则的适用范围内"


def out_of_scope(node):
    """The verdict maker for a rule whose `applies` the profile does not meet: profile -> verdict,
    the reason worded when read. 不适用 only when present values put the enterprise out of scope;
    when a profile field the condition reads is not written and writing it could bring the
    enterprise in scope, 证据不足 naming that field (absent is not false: docs/rules.md)."""
    # the profile fields whose absence could matter; when all are written the answer is 不适用 at once
    paths = tuple(dict.fromkeys(n.left.path for n in C.walk(node)
                                if isinstance(n, C.Cmp) and n.left.root == "profile" and n.op != "is_set"))

    def verdict(profile: dict) -> tuple:
        if any(_absent(profile, p) for p in paths) and _possibly(node, profile):
            return INSUFFICIENT, (undecided_reason, node, profile), (), None
        return NA, (reason, node, profile), (), None
    return verdict


def undecided_reason(node, profile: dict) -> str:
    """证据不足 for applicability: which profile fields are missing, and what the others say."""
    fields = unmet_fields(node, profile)
    gone = [f for f in fields if _absent(profile, f)]
    known = [value_text(f, profile) for f in fields if f not in gone]
    names = "、".join(terms().get(".".join(f), {}).get("name") or ".".join(f) for f in gone)
    text = f"企业画像未登记{names}（{'、'.join('.'.join(f) for f in gone)}），无法判定本规则是否适用"
    return text + (f"（{'；'.join(known)}）" if known else "")


def _absent(profile: dict, path: tuple) -> bool:
    v = profile
    for part in path:
        if not isinstance(v, dict) or part not in v:
            return True
        v = v[part]
    return False


def _possibly(node, profile: dict) -> bool:
    """Could the profile meet `node` once its unwritten fields were written (Kleene's "not false")?"""
    if isinstance(node, C.All):
        return all(_possibly(i, profile) for i in node.items)
    if isinstance(node, C.Any_):
        return any(_possibly(i, profile) for i in node.items)
    if (isinstance(node, C.Cmp) and node.left.root == "profile" and node.op != "is_set"
            and _absent(profile, node.left.path)):
        return True
    return _holds(node, profile)


def other_sector(rule_sector: str):
    def verdict(profile: dict) -> tuple:
        return NA, (_sector_reason, rule_sector, profile.get("sector")), (), None
    return verdict


def _sector_reason(rule_sector, sector) -> str:
    return f"企业属{sector or '未登记的行业门类'}，本规则只检查{rule_sector}企业"


# ---- a small evaluator of profile comparisons, to find the unmet parts ------------------------

def _holds(node, profile: dict) -> bool:
    if isinstance(node, C.All):
        return all(_holds(i, profile) for i in node.items)
    if isinstance(node, C.Any_):
        return any(_holds(i, profile) for i in node.items)
    if isinstance(node, C.Not):
        return not _holds(node.item, profile)
    if isinstance(node, C.Cmp) and node.left.root == "profile" and isinstance(node.right, C.Lit):
        v = profile
        for part in node.left.path:
            v = v.get(part) if isinstance(v, dict) else None
        return _compare(v, node.op, node.right.value)
    return False   # anything else is reported, never hidden


def _compare(v, op, x) -> bool:
    if op == "is_set":
        return (v not in (None, "", [])) == bool(x)
    if v is None:
        return False   # the engine's rule: a comparison on an absent field is false, and its negation too
    try:
        return {
            "eq": lambda: v == x, "ne": lambda: v != x, "lt": lambda: v < x, "le": lambda: v <= x,
            "gt": lambda: v > x, "ge": lambda: v >= x, "in": lambda: v in x, "not_in": lambda: v not in x,
            "contains": lambda: x in v, "not_contains": lambda: x not in v,
            "contains_all": lambda: set(x) <= set(v), "not_contains_all": lambda: not set(x) <= set(v),
            "contains_any": lambda: bool(set(x) & set(v)), "contains_none": lambda: not set(x) & set(v),
        }[op]()
    except (KeyError, TypeError):
        return False
