"""The hand-written floor (benchmarks/floor.py) and the native evaluator must give the same
status per rule on generated evidence, so the benchmark compares like with like and drift
between the floor and the rules is caught."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from yinhuan.evaluate import compile_rule, evaluate
from yinhuan.rulebook import load_rulebook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import floor  # noqa: E402
import generate  # noqa: E402

CHECKLIST = "gongmao-2023"


@pytest.fixture(scope="module")
def book():
    b = load_rulebook()
    b.raise_problems()
    return b


def test_floor_knows_every_rule_of_the_checklist(book):
    ids = set(book.checklist(CHECKLIST).rule_ids)
    unknown = sorted(ids - set(floor.FLOOR) - floor.PENDING)
    assert not unknown, f"基准 floor 须扩展（benchmarks/floor.py 的 FLOOR 或 PENDING）以包含规则：{'、'.join(unknown)}"
    gone = sorted((set(floor.FLOOR) | floor.PENDING) - ids)
    assert not gone, f"benchmarks/floor.py 含有清单中已不存在的规则：{'、'.join(gone)}"


@pytest.mark.parametrize("as_of", [None, "2023-06-15", "2023-12-31"])
def test_floor_and_native_agree(book, as_of):
    from yinhuan.dates import parse_date
    cl = book.checklist(CHECKLIST)
    compiled = [compile_rule(book.rules[r], cl) for r in floor.FLOOR]
    for ev in generate.evidences(300, sector="工贸", seed=11, book=book):
        when = parse_date(as_of) if as_of else (ev.inspection.get("date") or cl.window[1])
        native = {f.rule: f.status for f in evaluate(compiled, ev, cl, when)}
        assert floor.run_floor(ev, when) == native, ev.file
