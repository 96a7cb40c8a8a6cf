"""Shared helpers: build small rulebooks and evidence in a temp folder, run them, read findings."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from yinhuan import creditcode
from yinhuan.evaluate import compile_checklist, evaluate
from yinhuan.evidence import from_data
from yinhuan.rulebook import load_rulebook

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "enterprises"

GM_PROFILE = {"name": "测试工贸有限公司", "credit_code": creditcode.make("91371002MA3C00990"),
              "district": "环翠区", "sector": "工贸", "industry": "机械"}
MINE_PROFILE = {"name": "测试矿业有限公司", "credit_code": creditcode.make("91371083MA3C00980"),
                "district": "乳山市", "sector": "非煤矿山", "mine_types": ["地下"]}

CHECKLIST = """
id: fx
title: 测试清单
sector: 工贸
window: {from: 2023-05-19, to: 2023-12-31}
phases:
  - {key: mobilization, name: 动员部署, to: 2023-05-31}
params: {staff_min: 2, drill_window: year}
include: {tags: [fx]}
"""


def write_rules(root: Path, rules: dict[str, str], checklist: str = CHECKLIST) -> tuple[Path, Path]:
    rdir, cdir = root / "rules", root / "checklists"
    rdir.mkdir(parents=True, exist_ok=True)
    cdir.mkdir(parents=True, exist_ok=True)
    for name, text in rules.items():
        (rdir / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    (cdir / "fx.yaml").write_text(textwrap.dedent(checklist), encoding="utf-8")
    return rdir, cdir


def book_of(tmp_path: Path, rules: dict[str, str], checklist: str = CHECKLIST):
    rdir, cdir = write_rules(tmp_path, rules, checklist)
    book = load_rulebook(rdir, cdir)
    book.raise_problems()
    return book


def run_rule(book, evidence: dict, as_of: str = "2023-12-31", checklist: str = "fx"):
    """Evaluate every rule of the checklist on one evidence dict; return {rule id: Finding}."""
    from yinhuan.dates import parse_date
    cl = book.checklist(checklist)
    profile = dict(MINE_PROFILE if (evidence.get("enterprise") or {}).get("sector") == "非煤矿山" else GM_PROFILE)
    profile.update(evidence.get("enterprise") or {})
    ev = from_data(dict(evidence, enterprise=profile))
    found = evaluate(compile_checklist(book, cl), ev, cl, parse_date(as_of))
    return {f.rule: f for f in found}


def shipped_book(own: str):
    """The shipped rulebook; fails if files whose path matches the regex `own` have problems
    (a test of one checklist's rules should not fail on another checklist's files)."""
    import re
    book = load_rulebook()
    mine = [p for p in book.problems if re.search(own, str(p.file or ""))]
    assert not mine, "\n".join(map(str, mine))
    return book


def checklist_fixtures(checklist_id: str, own: str):
    """Module fixtures `book` (the shipped rulebook, clean for files matching `own`) and
    `checklist`, for the tests of one shipped checklist's rules."""
    @pytest.fixture(scope="module")
    def book():
        return shipped_book(own)

    @pytest.fixture(scope="module")
    def checklist(book):
        return book.checklist(checklist_id)

    return book, checklist


@pytest.fixture
def tmp_book(tmp_path):
    def make(rules: dict[str, str], checklist: str = CHECKLIST):
        return book_of(tmp_path, rules, checklist)
    return make


GOOD_RULE = """
id: FX-GOOD
title: 危险作业审批
source: {document: 工贸方案, clause: 二（一）3}
tags: [fx]
check:
  kind: each
  fact: permits
  what: 危险作业审批单
  where: {field: kind, eq: 动火}
  require: {field: guardian, is_set: true}
  requirement: 明确现场监护人
counters: [制度措施不落实（家）]
examples:
  - {name: ok, expect: 符合, evidence: {records: {permits: [{id: p, kind: 动火, work_start: 2023-06-01, guardian: 甲}]}}}
  - {name: bad, expect: 不符合, evidence: {records: {permits: [{id: p, kind: 动火, work_start: 2023-06-01}]}}}
"""


def pytest_terminal_summary(terminalreporter):
    """Say it when the rete cross-check did not run (durable-rules does not import on Python 3.13,
    or the `rete` extra is not installed), or the workbooks were not rendered (no LibreOffice): the
    README's test command includes both, and a green run without them must not read as if they had run."""
    import shutil
    if not (shutil.which("soffice") or shutil.which("libreoffice")) or not shutil.which("pdftotext"):
        terminalreporter.write_sep("!", "工作簿未经 LibreOffice 渲染检查 / workbooks were NOT rendered", yellow=True)
        terminalreporter.write_line("未找到 soffice 或 pdftotext（Debian：libreoffice-calc-nogui、poppler-utils）："
                                    "tests/test_print_layout.py 的打印版式检查已跳过（CI=true 时为失败）。")
    try:
        import durable_rules_engine  # noqa: F401
        from durable import engine  # noqa: F401
    except Exception:
        import sys
        terminalreporter.write_sep("!", "rete 交叉验证未运行 / the rete cross-check did NOT run", yellow=True)
        terminalreporter.write_line(
            f"durable-rules 在本环境不可用（Python {sys.version_info.major}.{sys.version_info.minor}；它不支持 3.13，"
            "或未安装 yinhuan[rete]）：tests/test_differential.py 与 tests/test_rete.py 已跳过，native 引擎未经 rete 复核。")
