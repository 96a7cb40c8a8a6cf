"""`yinhuan rules coverage` and the clause data: every clause of both checklists has a rule, a
clause without one makes the command exit 1 and names it, a mistyped `implements` id is a lint
error, and a bad clause file is bad input (exit 2, file:line)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from yinhuan.cli import main
from yinhuan.coverage import clause_files, coverage, load_clauses
from yinhuan.errors import InputError
from yinhuan.rulebook import load_rulebook

from conftest import REPO

RULES, CHECKLISTS = REPO / "rules", REPO / "checklists"


def _own_problems(book):
    """Problems in the rules, clauses and checklists this test is about (others' folders excluded)."""
    return [p for p in book.problems
            if re.search(r"rules/(gongmao|clauses|mine)/|checklists/", str(p.file or ""))]


@pytest.fixture(scope="module")
def book():
    b = load_rulebook(RULES, CHECKLISTS)
    assert not _own_problems(b), "\n".join(map(str, _own_problems(b)))
    return b


def test_gongmao_fully_covered(book):
    cov = coverage(book, "gongmao-2023", RULES)
    assert cov.uncovered == [] and cov.unknown == []
    assert len(cov.rows) == 56
    assert {r.item for r in cov.rows} >= {f"二（一）{i}" for i in range(1, 8)} | {"二（二）"}


def test_every_clause_file_is_fully_covered(book):
    """Whatever clause files exist (both checklists once the mine data is in) show none uncovered."""
    files = clause_files(RULES)
    assert any(f.name == "gongmao-2023.yaml" for f in files)
    for f in files:
        cf = load_clauses(f)
        cov = coverage(book, cf.doc.data["checklist"], RULES)
        assert [r.id for r in cov.uncovered] == [], f.name
        assert cov.unknown == [], f.name


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    rules, checklists = tmp_path / "rules", tmp_path / "checklists"
    shutil.copytree(RULES, rules)
    shutil.copytree(CHECKLISTS, checklists)
    return rules, checklists


def _run(*args):
    return CliRunner().invoke(main, ["rules", "coverage", *args])


def test_cli_table_and_json_exit_0():
    r = _run("--checklist", "gongmao-2023", "--rules", str(RULES), "--checklists", str(CHECKLISTS))
    assert r.exit_code == 0, r.output
    assert "gm.1.12" in r.output and "GM-1-PRINCIPAL-LEADS-INSPECTION" in r.output
    assert "未实现 0 条" in r.output
    r = _run("--checklist", "gongmao-2023", "--format", "json", "--rules", str(RULES), "--checklists", str(CHECKLISTS))
    doc = json.loads(r.output)
    assert doc["total"] == doc["covered"] == 56 and doc["uncovered"] == []


def test_unimplemented_clause_exits_1_and_is_named(tmp_path):
    rules, checklists = _copy(tmp_path)
    f = rules / "clauses" / "gongmao-2023.yaml"
    f.write_text(f.read_text(encoding="utf-8")
                 + "  - {id: gm.9.1, item: 二（一）9, text: 是否有一条尚无规则实现的条款}\n", encoding="utf-8")
    r = _run("--checklist", "gongmao-2023", "--rules", str(rules), "--checklists", str(checklists))
    assert r.exit_code == 1, r.output
    assert "✗ gm.9.1" in r.output and "未实现 1 条" in r.output


def test_unknown_implements_id_is_a_lint_error(tmp_path):
    rules, checklists = _copy(tmp_path)
    f = rules / "gongmao" / "GM-6-REPORT-FUND.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("implements: [gm.6.5]", "implements: [gm.6.55]"),
                 encoding="utf-8")
    book = load_rulebook(rules, checklists)
    msgs = [str(p) for p in book.problems if "gm.6.55" in str(p)]
    assert len(msgs) == 1
    assert re.search(r"GM-6-REPORT-FUND\.yaml:\d+: 字段 source\.implements\[0\]", msgs[0])
    # and gm.6.5 is now uncovered
    book.problems.clear()
    cov = coverage(book, "gongmao-2023", rules)
    assert [r.id for r in cov.uncovered] == ["gm.6.5"]


def test_bad_clause_file_is_input_error_with_line(tmp_path):
    rules, checklists = _copy(tmp_path)
    f = rules / "clauses" / "gongmao-2023.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "  - {id: gm.9.2, item: 二（一）9}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_clauses(f)
    assert exc.value.file == str(f) and exc.value.line and "text" in exc.value.message
    r = _run("--checklist", "gongmao-2023", "--rules", str(rules), "--checklists", str(checklists))
    assert r.exit_code == 2
    assert "gongmao-2023.yaml:" in r.output


def test_duplicate_clause_id_rejected(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("document: 工贸方案\nchecklist: gongmao-2023\nclauses:\n"
                 "  - {id: gm.1.1, item: 二（一）1, text: 甲甲}\n  - {id: gm.1.1, item: 二（一）1, text: 乙乙}\n",
                 encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_clauses(f)
    assert exc.value.line == 5 and "重复" in exc.value.message


def test_unknown_checklist_is_bad_input():
    r = _run("--checklist", "nope", "--rules", str(RULES), "--checklists", str(CHECKLISTS))
    assert r.exit_code == 2


# ---- issue 11 item 4: every shipped checklist has a coverage ---------------------------------

SHIPPED = ["gongmao-2023", "mine-2023", "gongmao-criteria-2023", "mine-criteria-2022", "gongmao-full-2023",
           "mine-full-2023"]


@pytest.mark.parametrize("checklist", SHIPPED)
def test_every_shipped_checklist_is_fully_covered(checklist):
    r = _run("--checklist", checklist, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["total"] == doc["covered"] > 30 and doc["uncovered"] == []


def test_criteria_coverage_is_the_catalogue_item_by_item():
    import dataclasses
    from yinhuan.catalogue import load_catalogues
    book = load_rulebook()
    cl = book.checklist("mine-criteria-2022")
    std = next(s for s in load_catalogues().standards if s.sector == "非煤矿山")
    cov = coverage(book, cl.id)
    assert [r.id for r in cov.rows] == [e.id for e in std.entries]
    assert all(r.text.startswith("摘要：") for r in cov.rows)   # the catalogue's summary, never shown as the text
    dropped = next(r for r in cl.rule_ids if book.rules[r].raw.get("criterion") == "MINE-OP-8-1")
    book.checklists[cl.id] = dataclasses.replace(cl, rule_ids=[r for r in cl.rule_ids if r != dropped])
    cov = coverage(book, cl.id)
    assert [r.id for r in cov.uncovered] == ["MINE-OP-8-1"] and not cov.ok
    full = coverage(book, "mine-full-2023")   # the combined checklist still has the rule
    assert full.ok and len(full.rows) == 36 + 120
