"""The rete adapter's guards: what durable-rules would crash on or get wrong is refused with a
clear Chinese message naming the rule, at compile time; splitting keeps rulesets under the
per-fact-type limit. Skipped without the optional extra."""
from __future__ import annotations

import sys

import pytest

from yinhuan import conditions as C
from yinhuan.errors import EngineRefused, InputError
from yinhuan.evidence import from_data
from yinhuan.rulebook import load_rulebook
from yinhuan.ruletest import DEFAULT_PROFILES
from yinhuan.evaluate import compile_rule, evaluate


def test_missing_extra_gives_install_hint(monkeypatch):
    from yinhuan.rete import host
    monkeypatch.setitem(sys.modules, "durable_rules_engine", None)
    with pytest.raises(EngineRefused, match=r"pip install 'yinhuan\[rete\]'"):
        host.load_durable()


durable = pytest.importorskip("durable")

from yinhuan.rete import ReteEvaluator  # noqa: E402
from yinhuan.rete.compile import Refused, compile_selection, lua_pattern  # noqa: E402
from yinhuan.rete.evaluator import MAX_PER_TYPE  # noqa: E402

PERMIT_RULE = """
id: {id}
title: 测试规则
source: {{document: 工贸方案, clause: 二（一）3}}
tags: [测试]
check:
  kind: each
  fact: permits
  as: p
  what: 危险作业审批单
  where: {{field: kind, eq: {kind}}}
  require: {require}
  requirement: 测试
"""


CHECKLIST = """
id: test
title: 测试清单
sector: 工贸
window: {from: 2023-05-19, to: 2023-12-31}
include: {tags: [测试]}
"""


def book_with(tmp_path, rules: list[tuple[str, str, str]]):
    files = []
    for i, (rid, kind, require) in enumerate(rules):
        f = tmp_path / f"r{i}.yaml"
        f.write_text(PERMIT_RULE.format(id=rid, kind=kind, require=require), "utf-8")
        files.append(f)
    cl = tmp_path / "checklists"
    cl.mkdir(exist_ok=True)
    (cl / "test.yaml").write_text(CHECKLIST, "utf-8")
    # only the test's own rules: the shipped ones are being edited by others meanwhile
    book = load_rulebook(rules_root=tmp_path / "no-rules", checklists_root=cl, extra_rule_files=files)
    book.raise_problems()
    return book


def native_findings(book, cl, ids, ev):
    return evaluate([compile_rule(book.rules[i], cl) for i in ids], ev, cl, cl.window[1])


def evaluator(book, ids):
    cl = book.checklist("test")
    return cl, ReteEvaluator(book, cl, rules=[book.rules[i] for i in ids])


def test_join_inside_or_group_is_refused(tmp_path):
    require = ("{any: [{field: guardian, is_set: true}, "
               "{exists: {fact: workers, where: {field: id, in: {var: p.workers}}}}]}")
    book = book_with(tmp_path, [("T-OR-JOIN", "动火", require)])
    with pytest.raises(EngineRefused, match=r"T-OR-JOIN.*或（any）"):
        evaluator(book, ["T-OR-JOIN"])


def test_negation_inside_negation_is_refused(tmp_path):
    require = ("{not: {exists: {fact: workers, as: w, where: {all: [{field: id, in: {var: p.workers}}, "
               "{not: {exists: {fact: certificates, where: {field: worker, eq: {var: w.id}}}}}]}}}}")
    book = book_with(tmp_path, [("T-NOT-NOT", "动火", require)])
    with pytest.raises(EngineRefused, match="T-NOT-NOT"):
        evaluator(book, ["T-NOT-NOT"])


def test_min_above_one_is_refused():
    cond = C.nnf(C.parse({"exists": {"fact": "workers", "min": 2}}))
    with pytest.raises(Refused, match="min"):
        compile_selection("permits", cond, "p")


def test_cjk_regex_range_is_refused():
    with pytest.raises(Refused, match="非 ASCII"):
        lua_pattern("[一-龥]+")
    # the rule loader refuses it first, so no rule file can bring it to durable-rules
    with pytest.raises(InputError):
        C.parse({"field": "kind", "matches": "[一-龥]"})
    # and a tree built by hand (bypassing the parser) is refused by the rete compiler, not run
    cmp = C.Cmp(C.Ref("field", ("kind",)), "matches", C.Lit("[一-龥]"))
    with pytest.raises(Refused):
        compile_selection("permits", cmp, None)


@pytest.mark.parametrize("rx,ok", [
    ("方案", True), ("^\\d+号$", True), ("a|b", True), ("x\\.y", True), ("[ab]c?", True),
    ("\\w+", False), ("a{2}", False), ("(?i)a", False), ("^a|b", False)])
def test_regex_subset(rx, ok):
    if ok:
        assert lua_pattern(rx)
    else:
        with pytest.raises(Refused):
            lua_pattern(rx)


def test_regex_translation_matches_python(tmp_path):
    book = book_with(tmp_path, [("T-RX", "动火", "{field: guardian, matches: '王.|\\d号'}")])
    cl, rete = evaluator(book, ["T-RX"])
    for guardian in ("王五", "王", "老王五", "3号", "三号", "王五6号x"):
        ev = permits_evidence([{"id": "P1", "kind": "动火", "work_start": "2023-06-06 09:00",
                                "guardian": guardian}])
        a = native_findings(book, cl, ["T-RX"], ev)[0]
        b = rete.evaluate(ev, cl.window[1])[0]
        assert (a.status, a.reason) == (b.status, b.reason), guardian


def permits_evidence(permits):
    return from_data({"enterprise": dict(DEFAULT_PROFILES["工贸"]), "records": {"permits": permits}})


def test_sixty_one_rules_on_one_fact_type_are_split_and_agree(tmp_path):
    n = MAX_PER_TYPE + 1
    kinds = ["动火", "高处", "有限空间"]
    specs = [(f"T-MANY-{i:02d}", kinds[i % 3], "{field: guardian, is_set: true}") for i in range(n)]
    book = book_with(tmp_path, specs)
    cl, rete = evaluator(book, [s[0] for s in specs])
    # each `each` rule has two selections on permits: 122 durable rules in at least 3 rulesets
    assert len(rete.rulesets) >= 3
    ev = permits_evidence([{"id": f"P{i}", "kind": k, "work_start": "2023-06-06 09:00",
                            **({"guardian": "王五"} if i % 2 else {})} for i, k in enumerate(kinds * 2)])
    got = rete.evaluate(ev, cl.window[1])
    want = native_findings(book, cl, [s[0] for s in specs], ev)
    assert [(f.rule, f.status, f.reason) for f in got] == [(f.rule, f.status, f.reason) for f in want]
    rete.close()


def test_many_enterprises_do_not_exhaust_sids(tmp_path):
    """State is deleted after every enterprise: far more than 1024 runs must work."""
    book = book_with(tmp_path, [("T-SID", "动火", "{field: guardian, is_set: true}")])
    cl, rete = evaluator(book, ["T-SID"])
    ev = permits_evidence([{"id": "P1", "kind": "动火", "work_start": "2023-06-06 09:00", "guardian": None}])
    for _ in range(1100):
        assert rete.evaluate(ev, cl.window[1])[0].status == "不符合"


def test_durable_rules_clock_does_not_warn_on_python_312():
    """durable.engine._unix_now called datetime.utcfromtimestamp() once per action: ~790,000
    DeprecationWarnings on Python 3.12. The adapter replaces it with the same value, computed silently."""
    import datetime
    import warnings
    from yinhuan.rete import host
    dre, engine = host.load_durable()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        now = engine._unix_now()
    assert caught == []
    expected = (datetime.datetime.now() - datetime.datetime(1970, 1, 1)).total_seconds()
    assert abs(now - expected) < 5


def test_a_run_without_durable_rules_says_the_cross_check_did_not_run(tmp_path):
    """As on Python 3.13, where durable-rules does not import: the test output says so."""
    import os
    import subprocess
    from pathlib import Path
    fake = tmp_path / "durable_rules_engine"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('undefined symbol, as on Python 3.13')\n", encoding="utf-8")
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_date_forms.py"],
                       cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:]
    assert "rete 交叉验证未运行" in r.stdout and "did NOT run" in r.stdout
