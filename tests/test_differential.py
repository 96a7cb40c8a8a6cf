"""Native and rete must give identical findings: on every rule's own examples, on the demo
enterprises and on generated evidence, for every shipped checklist.

The rete back end (durable-rules) is an independent implementation of the matching; agreement
is the strongest check we have that the native compiler is right. Skipped when the optional
extra is not installed (`pip install 'yinhuan[rete]'`).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("durable")

from yinhuan.errors import EngineRefused  # noqa: E402
from yinhuan.evidence import load_evidence  # noqa: E402
from yinhuan.rulebook import load_rulebook  # noqa: E402
from yinhuan.ruletest import run_examples  # noqa: E402
from yinhuan.session import Runner  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

# Rules the rete adapter refuses, with the reason; a refusal not listed here fails the test, so
# none can hide. Empty: every shipped rule runs on both back ends.
REFUSED: dict[str, str] = {}
GENERATED = 300


@pytest.fixture(scope="module")
def book():
    b = load_rulebook()
    b.raise_problems()
    return b


@pytest.fixture(scope="module")
def runners(book):
    out = {}
    for cid, cl in book.checklists.items():
        rules = [r for r in book.rules_of(cl) if r.id not in REFUSED]
        native = Runner(book, cl, "native")
        from yinhuan.rete import ReteEvaluator
        rete = ReteEvaluator(book, cl, rules=rules)
        out[cid] = (native, rete, {r.id for r in rules})
    return out


def key(f):
    return (f.rule, f.status, f.reason, [e["id"] for e in f.evidence])


def compare(native, rete, rule_ids, evidence, as_of=None):
    when = native.as_of_for(evidence, as_of)
    a = [key(f) for f in native.run(evidence, when).findings if f.rule in rule_ids]
    b = [key(f) for f in rete.evaluate(evidence, when)]
    assert a == b, f"{evidence.file}: native 与 rete 结论不一致"


def test_refusals_are_exactly_the_listed_ones(book):
    from yinhuan.rete.evaluator import compile_rule
    refused = {}
    for cl in book.checklists.values():
        for rule in book.rules_of(cl):
            try:
                compile_rule(rule, cl)
            except EngineRefused as exc:
                refused[rule.id] = str(exc)
    assert set(refused) == set(REFUSED), refused


def test_rule_examples_agree(book):
    rules = [r for r in book.rules.values() if r.id not in REFUSED]
    results = run_examples(book, rules, engines=("native", "rete"))
    bad = [f"{r.rule.id} “{r.name}” [{r.engine}] 期望 {r.expected} 得到 {r.got} {r.error or ''}"
           for r in results if not r.ok]
    assert not bad, "\n".join(bad)


def test_demo_enterprises_agree(runners):
    files = sorted((ROOT / "examples" / "enterprises").glob("*.yaml")) + \
        sorted((ROOT / "examples" / "enterprises").glob("*.json"))
    checked = 0
    for path in files:
        ev = load_evidence(path)
        for native, rete, ids in runners.values():
            if native.checklist.sector == ev.profile.get("sector"):
                compare(native, rete, ids, ev)
                checked += 1
    if not files:
        pytest.skip("examples/enterprises 下尚无示例企业")
    assert checked


@pytest.mark.parametrize("seed", [2023, 7])
def test_generated_evidence_agrees(book, runners, seed):
    evs = generate.evidences(GENERATED, seed=seed, book=book)
    for ev in evs:
        for native, rete, ids in runners.values():
            if native.checklist.sector == ev.profile["sector"]:
                compare(native, rete, ids, ev)
                for as_of in ("2023-06-15", "2023-12-31"):   # pending and closed periods
                    compare(native, rete, ids, ev, as_of)
