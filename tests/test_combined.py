"""A combined checklist gives every rule the same finding as the checklist the rule comes from
(issue 11 item 17: shifting gongmao-full-2023's window changed demo enterprises' statuses, and no
test failed)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from yinhuan.combined import combined_problems
from yinhuan.evidence import load_evidence
from yinhuan.rulebook import load_rulebook, shipped_rulebook
from yinhuan.session import Runner

EVIDENCE = sorted([*(REPO / "examples" / "enterprises").glob("*.yaml"), *(REPO / "examples" / "criteria").glob("*.yaml"),
                   *(REPO / "examples" / "bureau" / "evidence").glob("*.yaml")])


def _same_findings(book, combined_id):
    combined = Runner(book, book.checklist(combined_id))
    differences, compared = [], 0
    for source_id in combined.checklist.raw["include"]["checklists"]:
        source = Runner(book, book.checklist(source_id))
        for path in EVIDENCE:
            ev = load_evidence(path)
            if ev.profile["sector"] != source.checklist.sector:
                continue
            got = {f.rule: (f.status, f.reason, f.evidence) for f in combined.run(ev).findings}
            for f in source.run(ev, combined.as_of_for(ev, None)).findings:
                compared += 1
                if got[f.rule] != (f.status, f.reason, f.evidence):
                    differences.append((path.name, f.rule, f.status, got[f.rule][0]))
    return differences, compared


@pytest.mark.parametrize("combined_id", ["gongmao-full-2023", "mine-full-2023"])
def test_combined_checklist_gives_each_rule_its_source_finding(combined_id):
    differences, compared = _same_findings(shipped_rulebook(), combined_id)
    assert compared > 300
    assert differences == []


def test_shipped_combined_checklists_pass_the_lint():
    assert combined_problems(shipped_rulebook()) == []


@pytest.fixture
def shifted(tmp_path):
    """The shipped checklists with the combined ones' window moved to 2023-06-01."""
    root = tmp_path / "checklists"
    shutil.copytree(REPO / "checklists", root)
    for name in ("gongmao-full-2023.yaml", "mine-full-2023.yaml"):
        p = root / name
        p.write_text(p.read_text(encoding="utf-8").replace("window: {from: 2023-05-", "window: {from: 2023-06-01, x: 2023-05-")
                     .replace(", x: 2023-05-19,", ",").replace(", x: 2023-05-01,", ","), encoding="utf-8")
        assert "2023-06-01" in p.read_text(encoding="utf-8")
    return load_rulebook(None, root)


def test_a_shifted_window_is_caught_by_lint_and_by_the_demo_comparison(shifted):
    shifted.raise_problems()
    problems = combined_problems(shifted)
    assert problems and all("组合清单" in str(p) and "考核期 2023-06-01" in str(p) for p in problems)
    differences, _ = _same_findings(shifted, "mine-full-2023")
    assert differences
