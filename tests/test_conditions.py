"""The condition language: comparisons, membership, existence, and/or/not, joins and negation,
and the rule for absent fields (false, negated or not)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from yinhuan import conditions as C
from yinhuan.compile_native import Env, FactIndex, compile_condition
from yinhuan.errors import InputError


def pred(raw, fact="permits", aliases=None):
    return compile_condition(C.nnf(C.parse(raw)), fact, aliases or {})


def run(raw, f, facts=None, profile=None, fact="permits", aliases=None):
    idx = FactIndex(facts or {}, profile or {})
    env = Env({"$profile": profile or {}, "$index": idx})
    env.update({a: f for a in (aliases or {})})
    return pred(raw, fact, aliases)(f, env)


@pytest.mark.parametrize("raw,fact,expected", [
    ({"field": "kind", "eq": "动火"}, {"kind": "动火"}, True),
    ({"field": "kind", "ne": "动火"}, {"kind": "高处"}, True),
    ({"field": "kind", "in": ["动火", "高处"]}, {"kind": "高处"}, True),
    ({"field": "kind", "not_in": ["动火", "高处"]}, {"kind": "高处"}, False),
    ({"field": "workers", "contains": "w1"}, {"workers": ["w1"]}, True),
    ({"field": "workers", "contains_all": ["w1", "w2"]}, {"workers": ["w1"]}, False),
    ({"field": "workers", "contains_any": ["w1", "w2"]}, {"workers": ["w2"]}, True),
    ({"field": "guardian", "matches": "^王"}, {"guardian": "王五"}, True),
    ({"field": "guardian", "is_set": True}, {"guardian": ""}, False),
    ({"field": "guardian", "is_set": False}, {}, True),
    ({"all": [{"field": "kind", "eq": "动火"}, {"field": "guardian", "is_set": True}]}, {"kind": "动火"}, False),
    ({"any": [{"field": "kind", "eq": "动火"}, {"field": "guardian", "is_set": True}]}, {"kind": "动火"}, True),
])
def test_comparisons(raw, fact, expected):
    assert run(raw, fact) is expected


def test_absent_field_fails_comparison_and_its_negation():
    assert run({"field": "kind", "eq": "动火"}, {}) is False
    assert run({"not": {"field": "kind", "eq": "动火"}}, {}) is False
    assert run({"field": "kind", "ne": "动火"}, {}) is False
    # De Morgan: not(all(a, b)) == any(not a, not b), with flipped operators at the leaves
    tree = C.nnf(C.parse({"not": {"all": [{"field": "a", "eq": 1}, {"field": "b", "lt": 2}]}}))
    assert isinstance(tree, C.Any_) and [c.op for c in tree.items] == ["ne", "ge"]


def test_dates_compare_with_literals_and_datetimes():
    from yinhuan.evidence import parse_datetime
    f = {"approved_at": datetime(2023, 6, 6, 8, 0), "work_start": parse_datetime("2023-06-06")}
    assert run({"field": "approved_at", "le": "2023-06-06 09:00"}, f) is True
    # a bare date in a date-time field is loaded as midnight
    assert run({"field": "approved_at", "le": {"field": "work_start"}}, f) is False
    assert run({"field": "approved_at", "ge": {"field": "work_start"}}, f) is True


def test_profile_and_params_resolve():
    raw = {"profile": "ammonia_tonnage", "ge": {"param": "t"}}
    tree = C.resolve_params(C.nnf(C.parse(raw)), {"t": 10})
    p = compile_condition(tree, None, {})
    env = Env({"$profile": {"ammonia_tonnage": 12}, "$index": FactIndex({}, {})})
    assert p({}, env) is True
    with pytest.raises(InputError, match="未定义参数"):
        C.resolve_params(C.nnf(C.parse(raw)), {})


JOIN = {"exists": {"fact": "workers", "as": "w", "where": {"all": [
    {"field": "id", "in": {"var": "p.workers"}},
    {"field": "special_operation", "is_set": True},
    {"not": {"exists": {"fact": "certificates", "where": {"all": [
        {"field": "worker", "eq": {"var": "w.id"}},
        {"field": "valid_until", "ge": {"var": "p.work_start"}}]}}}}]}}}


def test_join_with_negation_uses_index_and_matches_scan():
    facts = {
        "workers": [{"id": "w1", "special_operation": "电焊"}, {"id": "w2", "special_operation": "电焊"}, {"id": "w3"}],
        "certificates": [{"id": "c1", "worker": "w1", "valid_until": date(2026, 1, 1)},
                         {"id": "c2", "worker": "w2", "valid_until": date(2022, 1, 1)}],
    }
    start = datetime(2023, 6, 1, 8, 0)   # work_start is a date-time field, as loading leaves it
    ok = {"id": "p1", "workers": ["w1", "w3"], "work_start": start}
    bad = {"id": "p2", "workers": ["w1", "w2"], "work_start": start}
    assert run(JOIN, ok, facts, aliases={"p": "permits"}) is False
    assert run(JOIN, bad, facts, aliases={"p": "permits"}) is True
    # a later certificate renewal clears the finding: negation sees every fact of the type
    facts["certificates"].append({"id": "c3", "worker": "w2", "valid_until": date(2027, 1, 1)})
    assert run(JOIN, bad, facts, aliases={"p": "permits"}) is False


@pytest.mark.parametrize("raw,msg", [
    ({"field": "a"}, "运算符"),
    ({"field": "a", "eq": 1, "ne": 2}, "运算符"),
    ({"field": "a", "profile": "b", "eq": 1}, "field、profile、var"),
    ({"var": "nodot", "eq": 1}, "别名"),
    ({"field": "a", "in": 3}, "列表"),
    ({"field": "a", "matches": "[一-龥]"}, "字符范围"),
    ({"field": "a", "matches": "("}, "正则表达式无效"),
    ({"all": []}, "非空列表"),
    ({}, "非空映射"),
])
def test_bad_conditions_are_input_errors(raw, msg):
    with pytest.raises(InputError, match=msg):
        C.parse(raw)


def test_describe_is_chinese():
    assert C.describe(C.parse({"field": "kind", "in": ["动火", "高处"]})) == "kind属于［动火、高处］"


def test_null_counts_as_absent():
    # both evaluators drop nulls (durable-rules cannot tell null from absent): nothing compares
    for raw in ({"field": "kind", "ne": "动火"}, {"field": "kind", "not_in": ["动火"]},
                {"not": {"field": "kind", "eq": "动火"}}, {"field": "kind", "is_set": True}):
        assert run(raw, {"kind": None}) is False
    assert run({"field": "kind", "is_set": False}, {"kind": None}) is True
    with pytest.raises(InputError, match="is_set: false"):
        C.parse({"field": "kind", "eq": None})


# ---- the generated templates mean what OPS means ----------------------------------------------
# compile_native writes common comparisons as inline Python instead of a call to OPS[op]. Each
# inline form must give exactly OPS[op]'s answer on every value a normalised field can hold
# (absent, null, and the field's own kind), or the two back ends would drift apart.

_ABSENT = object()
_D, _DT = date(2023, 6, 6), datetime(2023, 6, 6, 8, 30)
_VALUES = {   # (fact type, field) -> values the field may hold once evidence is normalised
    ("documents", "kind"): [_ABSENT, None, "", "方案", "制度", 3, True],
    ("documents", "covers"): [_ABSENT, None, [], ["晨会"], ["晨会", "开工第一课"], ["其他"], "晨会"],
    ("documents", "date"): [_ABSENT, None, date(2023, 6, 5), _D, date(2023, 6, 7)],
    ("permits", "approved_at"): [_ABSENT, None, _DT.replace(hour=8), _DT, _DT.replace(hour=9)],
    ("permits", "work_start"): [_ABSENT, None, _DT.replace(hour=8), _DT, _DT.replace(hour=9)],
}
_LITERALS = {
    ("documents", "kind"): ["方案", ["方案", "制度"], ["方案", None]],
    ("documents", "covers"): ["晨会", ["晨会", "开工第一课"], []],
    ("documents", "date"): ["2023-06-06"],
    ("permits", "approved_at"): ["2023-06-06 08:30"],
}


def _reference(op, a, b):
    from yinhuan.compile_native import MISSING, OPS
    return OPS[op](MISSING if a is _ABSENT else a, MISSING if b is _ABSENT else b)


def _fact(field, value):
    return {} if value is _ABSENT else {field: value}


@pytest.mark.parametrize("key", sorted(_LITERALS))
def test_inline_literal_comparisons_agree_with_ops(key):
    """Every operator, and its negation (which NNF turns into the opposite operator)."""
    from yinhuan.compile_native import OPS, coerce_literal
    fact, field = key
    kind = {"date": "date", "approved_at": "datetime"}.get(field)
    env = Env({"$profile": {}, "$index": FactIndex({}, {})})
    checked = set()
    for op in OPS:
        for lit in _LITERALS[key]:
            for raw in ({"field": field, op: lit}, {"not": {"field": field, op: lit}}):
                try:
                    tree = C.nnf(C.parse(raw))
                except InputError:
                    continue   # not a user-facing operator, or a value it refuses (eq null)
                p = compile_condition(tree, fact, {})
                b = coerce_literal(tree.right.value, kind)
                for a in _VALUES[key]:
                    assert p(_fact(field, a), env) is _reference(tree.op, a, b), (raw, a)
                checked.add(tree.op)
    assert len(checked) >= 6


def test_inline_field_to_field_comparisons_agree_with_ops():
    env = Env({"$profile": {}, "$index": FactIndex({}, {})})
    left, right = _VALUES[("permits", "approved_at")], _VALUES[("permits", "work_start")]
    for op in ("eq", "ne", "lt", "le", "gt", "ge", "in"):
        for raw in ({"field": "approved_at", op: {"field": "work_start"}},
                    {"not": {"field": "approved_at", op: {"field": "work_start"}}}):
            tree = C.nnf(C.parse(raw))
            p = compile_condition(tree, "permits", {})
            for a in left:
                for b in right:
                    f = {**_fact("approved_at", a), **_fact("work_start", b)}
                    assert p(f, env) is _reference(tree.op, a, b), (raw, a, b)
    # a date against a date-time: compared by the day
    days = _VALUES[("documents", "date")]
    for op in ("lt", "le", "gt", "ge", "eq", "ne"):
        for raw in ({"field": "valid_until", op: {"var": "p.work_start"}},
                    {"not": {"field": "valid_until", op: {"var": "p.work_start"}}}):
            tree = C.nnf(C.parse(raw))
            p = compile_condition(tree, "certificates", {"p": "permits"})
            for a in days:
                for b in right:
                    env["p"] = _fact("work_start", b)
                    day = b.date() if isinstance(b, datetime) else b
                    assert p(_fact("valid_until", a), env) is _reference(tree.op, a, day), (raw, a, b)
