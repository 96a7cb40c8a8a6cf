"""The bundled demo enterprises exercise every check kind, both passing and failing, in both sectors'
checklists taken together, and include at least two mines of different types and three 工贸
enterprises, one of them 涉氨制冷."""
from __future__ import annotations

from collections import defaultdict

import pytest

from conftest import EXAMPLES
from yinhuan.checks import KINDS
from yinhuan.evidence import load_evidence
from yinhuan.rulebook import load_rulebook
from yinhuan.session import Runner

CHECKLISTS = {"工贸": "gongmao-2023", "非煤矿山": "mine-2023"}


@pytest.fixture(scope="module")
def results():
    book = load_rulebook()
    runners = {s: Runner(book, book.checklist(c)) for s, c in CHECKLISTS.items()}
    out = []
    for f in sorted(EXAMPLES.glob("*.yaml")):
        ev = load_evidence(f)
        out.append((ev, runners[ev.profile["sector"]].run(ev), book))
    return out


def test_demo_enterprises_cover_the_sectors(results):
    profiles = [ev.profile for ev, _, _ in results]
    gm = [p for p in profiles if p["sector"] == "工贸"]
    mines = [p for p in profiles if p["sector"] == "非煤矿山"]
    assert len(gm) >= 3 and any("涉氨制冷" in p["domains"] for p in gm)
    assert len(mines) >= 2 and len({tuple(p["mine_types"]) for p in mines}) >= 2


def test_every_check_kind_passes_and_fails_somewhere(results):
    seen = defaultdict(set)
    for _, result, book in results:
        for f in result.findings:
            seen[book.rules[f.rule].kind].add(f.status)
    judged = [k for k in KINDS if k != "notice"]  # notice lines are never a pass or a failure
    missing = {k: sorted({"符合", "不符合"} - seen[k]) for k in judged if not {"符合", "不符合"} <= seen[k]}
    assert not missing, f"demo data lacks these outcomes: {missing}"
