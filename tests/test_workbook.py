"""The self-check workbook (yinhuan template; reading a filled workbook as evidence)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import REPO
from yinhuan.cli import main
from yinhuan.errors import InputError
from yinhuan.evidence import load_evidence
from yinhuan.session import open_runner
from yinhuan.workbook import layout as L
from yinhuan.workbook.read import read
from yinhuan.workbook.write import JUDGEMENTS, LISTS, PROFILE, SETTINGS, build

EXAMPLES = REPO / "examples"
DEMO = EXAMPLES / "enterprises" / "gm-ammonia-seafood.yaml"
SHIPPED = EXAMPLES / "workbook" / "gm-ammonia-seafood.xlsx"
REGENERATE = ("yinhuan template --checklist gongmao-2023 --fill examples/enterprises/gm-ammonia-seafood.yaml "
              "--out examples/workbook/gm-ammonia-seafood.xlsx")
FULL = {"工贸": "gongmao-full-2023", "非煤矿山": "mine-full-2023"}


def example_files() -> list[Path]:
    return (sorted((EXAMPLES / "enterprises").glob("*.yaml")) + sorted((EXAMPLES / "criteria").glob("*.yaml"))
            + sorted((EXAMPLES / "bureau" / "evidence").glob("*.yaml")))


def filled(tmp_path: Path, checklist: str = "gongmao-2023", source: Path = DEMO, name: str = "wb.xlsx") -> Path:
    data, _ = build(L.layout_for(checklist), load_evidence(source).doc.data)
    out = tmp_path / name
    out.write_bytes(data)
    return out


def results(checklist: str, path: Path) -> str:
    """The findings of one file as JSON text, without the file name (the one thing that differs)."""
    r = open_runner(checklist, "native").run(load_evidence(path)).to_json()
    r.pop("file")
    return json.dumps(r, ensure_ascii=False, sort_keys=True, default=str)


def errors_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        read(path)
    errs = getattr(exc.value, "errors", [exc.value])
    return [str(e) for e in errs]


def edit(path: Path, changes: dict) -> None:
    """Change cells with openpyxl: {(sheet, cell): value}; a None sheet key adds a sheet."""
    wb = openpyxl.load_workbook(path)
    for (sheet, cell), value in changes.items():
        if sheet not in wb.sheetnames:
            wb.create_sheet(sheet)
        wb[sheet][cell] = value
    wb.save(path)


def listed(wb, dv) -> list:
    """The values of a drop-down whose list is a range of the hidden sheet."""
    rng = dv.formula1.split("!")[1].replace("$", "")
    return [c.value for row in wb[LISTS][rng] for c in row]


# ---- what the workbook holds ---------------------------------------------------------------------

def test_sheets_are_the_sections_the_rules_read():
    from yinhuan.rulebook import shipped_rulebook
    book = shipped_rulebook()
    for cid, cl in book.checklists.items():
        lay = L.layout_for(cid)
        facts, obs, _, _ = L.rules_read(book.rules_of(cl))
        sections = {s.section for s in lay.sheets}
        assert sections - {"certificates", "workers"} == facts - {"profile", "certificates", "workers"}, cid
        assert {s.obs_kind for s in lay.sheets if s.obs_kind} == obs & set(L.known_obs_kinds()), cid
    mine = [s.name for s in L.layout_for("mine-full-2023").sheets]
    gm = [s.name for s in L.layout_for("gongmao-full-2023").sheets]
    assert "观察-空调系统" in gm and "观察-速冻装置" in gm
    assert not any("空调" in n or "速冻" in n or "粉尘" in n for n in mine)        # a mine has no 涉氨 sheet
    assert "观察-矿井安全出口" in mine and "观察-矿井安全出口" not in gm
    assert [s.name for s in L.layout_for("mine-criteria-2022").sheets][0].startswith("观察-")  # reads no records
    mine_rows = {c.label for c in L.layout_for("mine-2023").profile}
    assert "工贸行业" not in mine_rows and "液氨储量（吨）" not in mine_rows and "非煤矿山类型" in mine_rows
    assert "非煤矿山类型" not in {c.label for c in L.layout_for("gongmao-2023").profile}


def test_every_schema_field_has_a_chinese_label_distinct_within_its_sheet():
    assert not L.unlabelled(), f"add these evidence fields to workbook/labels.yaml: {L.unlabelled()}"
    for name, sheet in L.all_record_sheets().items():
        labels = [c.label for c in sheet.columns]
        assert len(labels) == len(set(labels)), name
        assert all(not c.label.isascii() for c in sheet.columns), name
    profile = [c.label for c in L.profile_columns("工贸", set())]
    assert len(profile) == len(set(profile))


def test_template_command_writes_the_workbook(tmp_path):
    out = tmp_path / "自查表.xlsx"
    r = CliRunner().invoke(main, ["template", "--checklist", "gongmao-2023", "--out", str(out),
                                  "--send-to", "环翠区应急管理局"])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    lay = L.layout_for("gongmao-2023")
    assert wb.sheetnames == ["填写说明", PROFILE] + [s.name for s in lay.sheets] + [JUDGEMENTS, LISTS, SETTINGS]
    assert wb[LISTS].sheet_state == "hidden" and wb[SETTINGS].sheet_state == "hidden"
    settings = {row[0]: row[1] for row in wb[SETTINGS].iter_rows(values_only=True)}
    assert settings["检查清单"] == "gongmao-2023" and settings["规则版本"] == lay.version
    assert settings["表格版本"] == lay.digest
    profile = {str(r[0]).removesuffix("（必填）"): r[1] for r in wb[PROFILE].iter_rows(min_row=3, values_only=True)}
    assert profile["行业领域"] == "工贸" and profile["检查方式"] == "自查" and profile["企业全称"] is None
    text = "\n".join(str(c) for row in wb["填写说明"].iter_rows(values_only=True) for c in row if c)
    assert "2023.06.06" in text and "2023年6月6日" in text and "环翠区应急管理局" in text
    workers = wb["从业人员"]
    headers = [c.value for c in workers[3]]
    assert headers[:3] == ["编号", "姓名", "岗位"] and "用工方式" in headers
    # every vocabulary column has a drop-down whose list lives in the hidden sheet
    dvs = {str(dv.sqref).split(":")[0][:1]: dv for dv in workers.data_validations.dataValidation}
    employment = dvs[openpyxl.utils.get_column_letter(headers.index("用工方式") + 1)]
    assert employment.type == "list" and employment.formula1.startswith(f"'{LISTS}'!")
    assert listed(wb, employment) == ["正式", "劳务派遣", "实习", "灵活用工", "外包"]
    kinds = {dv.type for ws in wb.worksheets for dv in ws.data_validations.dataValidation}
    assert {"list", "date", "whole", "decimal"} <= kinds
    assert all(len(dv.formula1 or "") < 255 for ws in wb.worksheets for dv in ws.data_validations.dataValidation)
    # judgement items: clause text, a 是/否/不适用 drop-down, a note column
    j = wb[JUDGEMENTS]
    assert [c.value for c in j[2]][:8] == ["序号", "规则编号", "依据条款", "条款内容", "检查内容", "判断要点", "回答", "说明"]
    rows = list(j.iter_rows(min_row=3, values_only=True))
    assert len(rows) == len(lay.judgements) > 0
    assert all(r[3] for r in rows), "every judgement item shows its clause text"
    answer_dv = next(dv for dv in j.data_validations.dataValidation if "G3" in str(dv.sqref))
    assert listed(wb, answer_dv) == ["是", "否", "不适用"]


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path):
    data = load_evidence(DEMO).doc.data
    data["records"]["documents"][0]["note"] = "=HYPERLINK(\"http://x\",\"点我\")"
    out = tmp_path / "x.xlsx"
    out.write_bytes(build(L.layout_for("gongmao-2023"), data)[0])
    with zipfile.ZipFile(out) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    got, _, _ = read(out)
    assert got["records"]["documents"][0]["note"] == data["records"]["documents"][0]["note"]


# ---- round trip ----------------------------------------------------------------------------------

def _pairs():
    out = []
    for f in example_files():
        sector = load_evidence(f).profile["sector"]
        out.append((f, FULL[sector]))      # the full checklists have every sheet the others have
    return out


@pytest.mark.parametrize("source,checklist", _pairs(), ids=lambda x: getattr(x, "stem", x))
def test_round_trip_gives_identical_findings(tmp_path, source, checklist):
    data, dropped = build(L.layout_for(checklist), load_evidence(source).doc.data)
    assert not [d for d in dropped if not d.startswith("answers.")], dropped
    out = tmp_path / "wb.xlsx"
    out.write_bytes(data)
    assert results(checklist, out) == results(checklist, source)


def test_resaved_by_openpyxl_reads_the_same(tmp_path):
    out = filled(tmp_path)
    before = read(out)[0]
    wb = openpyxl.load_workbook(out)
    wb.save(tmp_path / "resaved.xlsx")
    assert read(tmp_path / "resaved.xlsx")[0] == before
    assert results("gongmao-2023", tmp_path / "resaved.xlsx") == results("gongmao-2023", DEMO)


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: apt-get install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) 未安装：跳过 LibreOffice 另存与渲染测试 / SKIPPED: no soffice")
    return exe


def convert(tmp_path: Path, src: Path, to: str) -> Path:
    outdir = tmp_path / f"lo-{to}"
    outdir.mkdir(exist_ok=True)
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", to,
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)
    return outdir / f"{src.stem}.{to}"


@pytest.fixture(scope="module")
def libreoffice_resaved(tmp_path_factory):
    """One workbook with text dates in two accepted forms and a formula, and the same workbook
    saved again by LibreOffice (one conversion serves every test that needs it: each costs seconds)."""
    tmp = tmp_path_factory.mktemp("lo")
    out = filled(tmp)
    edit(out, {("会议活动", "C5"): "2023年5月24日", ("隐患排查", "B5"): "2023.05.25"})
    formula = tmp / "formula.xlsx"
    shutil.copy(out, formula)
    edit(formula, {(PROFILE, "B14"): "=2+4"})  # openpyxl saves no value: LibreOffice computes it
    return out, convert(tmp, out, "xlsx"), convert(tmp, formula, "xlsx")


def test_resaved_by_libreoffice_reads_the_same(libreoffice_resaved):
    out, resaved, _ = libreoffice_resaved
    assert read(resaved)[0] == read(out)[0]
    assert results("gongmao-2023", resaved) == results("gongmao-2023", DEMO)


def test_prints_legibly_with_libreoffice(tmp_path):
    """Render the shipped example to PDF: every visible sheet prints, the hidden ones do not."""
    pdf = convert(tmp_path, SHIPPED, "pdf")
    assert pdf.stat().st_size > 10_000
    if not shutil.which("pdftotext"):
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext (poppler-utils) is required in CI")
        pytest.skip("pdftotext 未安装：只检查了 PDF 已生成 / SKIPPED: no pdftotext (poppler-utils)")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    if text:
        for word in ("企业自查表", "荣成市海晟水产食品有限公司", "文件资料", "判断项", "于海东"):
            assert word in text, word
        assert "表格版本" not in text and "下拉选项" not in text


# ---- reading: errors, warnings, hostile files ------------------------------------------------------

def test_every_error_in_one_pass_with_sheet_cell_value_allowed_and_nearest(tmp_path):
    out = filled(tmp_path)
    wb = openpyxl.load_workbook(out)
    headers = {ws.title: [c.value for c in ws[3]] for ws in wb.worksheets[2:-3]}
    col = lambda sheet, label: openpyxl.utils.get_column_letter(headers[sheet].index(label) + 1)
    edit(out, {
        ("从业人员", f"{col('从业人员', '用工方式')}5"): "正式工",
        ("教育培训", f"{col('教育培训', '日期')}5"): "2023-13-01",
        ("从业人员", f"{col('从业人员', '熟悉逃生路线')}6"): "对",
        ("外包队伍", "Z3"): "联系电话",
        ("我的笔记", "A1"): "随手记",
        (JUDGEMENTS, "G3"): "是的",
        (JUDGEMENTS, "B4"): "GM-NOPE",
        (PROFILE, "B14"): "六个",
    })
    errs = errors_of(out)
    joined = "\n".join(errs)
    assert len(errs) == 8, joined
    assert f"工作表“从业人员” 单元格 {col('从业人员', '用工方式')}5" in joined and "“正式工”" in joined
    assert "允许：正式、劳务派遣、实习、灵活用工、外包" in joined and "是否应为“正式”" in joined
    assert "不存在的日期 “2023-13-01”" in joined
    assert "熟悉逃生路线：值“对”不在允许的值中（允许：是、否）" in joined
    assert "工作表“外包队伍” 单元格 Z3：未知的列名“联系电话”" in joined
    assert "工作表“我的笔记”：未知的工作表“我的笔记”" in joined
    assert f"工作表“{JUDGEMENTS}” 单元格 G3" in joined and "允许：是、否、不适用" in joined
    assert "未知的规则编号“GM-NOPE”" in joined
    assert f"工作表“{PROFILE}” 单元格 B14" in joined and "应为数字" in joined
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(out)])
    assert r.exit_code == 2 and r.output.count("错误：") == 8, r.output


def test_semantic_errors_are_located_at_their_cells(tmp_path):
    out = filled(tmp_path)
    edit(out, {("从业人员", "A6"): "W1", (PROFILE, "B4"): "91371082MA3C8H2K07", ("持证情况", "A5"): "W9"})
    joined = "\n".join(errors_of(out))
    assert "工作表“从业人员” 单元格 A6：编号“W1”重复" in joined
    assert f"工作表“{PROFILE}” 单元格 B4" in joined
    assert "工作表“持证情况” 单元格 A5：持证人编号“W9”不在“从业人员”表中" in joined


def test_dates_in_every_accepted_form_and_real_excel_dates(tmp_path):
    out = filled(tmp_path)
    base = read(out)[0]
    for text in ("2023-06-12", "2023.06.12", "2023年6月12日", "2023/6/12"):
        edit(out, {("教育培训", "B5"): text})
        assert read(out)[0]["records"]["trainings"][0]["date"] == "2023-06-12"
    assert base["records"]["trainings"][0]["date"] == "2023-06-12"     # written as a real Excel date


def test_none_marked_sheet_is_provided_empty_and_blank_is_not_provided(tmp_path):
    out = filled(tmp_path)
    wb = openpyxl.load_workbook(out)
    ws = wb["设备设施"]
    for row in ws.iter_rows(min_row=5):
        for c in row:
            c.value = None
    wb.save(out)
    assert "equipment" not in read(out)[0]["records"]               # nothing filled: not provided
    edit(out, {("设备设施", "B2"): "无此类记录"})
    assert read(out)[0]["records"]["equipment"] == []               # provided: none exist
    edit(out, {("设备设施", "A5"): "E9", ("设备设施", "B5"): "电焊机"})
    assert any("选了“无此类记录”，但表中有 1 行记录" in e for e in errors_of(out))


def test_workbook_for_another_checklist_is_refused_and_older_rules_warned(tmp_path):
    out = filled(tmp_path)
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-full-2023", str(out)])
    assert r.exit_code == 2 and "为检查清单 gongmao-2023 生成的，不能用于 gongmao-full-2023" in r.output
    edit(out, {(SETTINGS, "B5"): "0000000000000000"})
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(out)])
    assert r.exit_code in (0, 1) and "警告：" in r.output and "规则版本 0000000000000000" in r.output
    edit(out, {(SETTINGS, "B6"): "0000000000000000"})
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(out)])
    assert "记录表、列或判断项已有变化" in r.output and "重新生成" in r.output
    edit(out, {(SETTINGS, "B2"): 99})
    assert any("格式版本 99" in e for e in errors_of(out))


def test_not_a_yinhuan_workbook_and_hostile_files_are_refused(tmp_path):
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    assert "不是 yinhuan 生成的自查表" in errors_of(plain)[0]
    macro = tmp_path / "wb.xlsm"
    shutil.copy(filled(tmp_path), macro)
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(macro)])
    assert r.exit_code == 2 and ".xlsm" in r.output
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(filled(tmp_path, name="b.xlsx")) as src, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("xl/media/padding.bin", b"\0" * (210 * 1024 * 1024))
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(bomb)])
    assert r.exit_code == 2 and "压缩炸弹" in r.output and "Traceback" not in r.output


def test_formulas_are_read_as_their_saved_values(libreoffice_resaved):
    _, _, formula = libreoffice_resaved
    assert read(formula)[0]["enterprise"]["employees"] == 6


def test_engine_does_not_import_the_workbook_layer():
    code = ("import sys, yinhuan.evidence, yinhuan.evaluate, yinhuan.session;"
            "assert 'yinhuan.workbook' not in sys.modules and 'openpyxl' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- the shipped example -------------------------------------------------------------------------

def test_shipped_example_is_up_to_date():
    """Byte for byte, except the rules' digest: a rule change that leaves the sheets, columns and
    judgement items as they are does not make the example stale (reading it then warns)."""
    import dataclasses
    shipped_version = openpyxl.load_workbook(SHIPPED)[SETTINGS]["B5"].value
    lay = dataclasses.replace(L.layout_for("gongmao-2023"), version=shipped_version)
    fresh, _ = build(lay, load_evidence(DEMO).doc.data)
    assert SHIPPED.read_bytes() == fresh, f"examples/workbook is out of date: run {REGENERATE}"


def test_shipped_example_checks_like_its_yaml():
    assert results("gongmao-2023", SHIPPED) == results("gongmao-2023", DEMO)


def test_upload_bytes_read_like_the_file_and_errors_name_the_upload(tmp_path):
    from yinhuan.workbook import read_bytes, read_workbook_bytes
    out = filled(tmp_path)
    data, info = read_bytes(out.read_bytes(), "海晟自查表.xlsx")
    assert data == read(out)[0] and info.checklist == "gongmao-2023"
    assert read_workbook_bytes(out.read_bytes()) == data
    edit(out, {("从业人员", "D5"): "正式工"})
    with pytest.raises(InputError) as exc:
        read_bytes(out.read_bytes(), "海晟自查表.xlsx")
    assert str(exc.value).startswith("海晟自查表.xlsx: 工作表“从业人员” 单元格 D5")


def test_ask_is_refused_for_a_workbook(tmp_path):
    out = filled(tmp_path)
    before = out.read_bytes()
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", "--ask", str(out)], input="\n")
    assert r.exit_code == 2 and "判断项" in r.output
    assert out.read_bytes() == before


def test_a_sheet_declaring_millions_of_rows_is_refused(tmp_path):
    out = filled(tmp_path)
    huge = tmp_path / "huge.xlsx"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet3.xml":
                import re
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', body)
            dst.writestr(info.filename, body)
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(huge)])
    assert r.exit_code == 2 and "超过上限" in r.output and "Traceback" not in r.output


def test_criteria_judgement_items_show_the_catalogue_summary_never_as_law():
    items = L.layout_for("mine-criteria-2022").judgements
    assert items and all(j.text for j in items)
    assert all("非条文原文" in j.text for j in items if j.rule.startswith("CRIT-"))
    assert all(j.source.startswith("《金属非金属矿山重大事故隐患判定标准》") for j in items)


def test_wide_sheets_print_on_several_legible_pages(tmp_path):
    out = tmp_path / "mine.xlsx"
    out.write_bytes(build(L.layout_for("mine-2023"))[0])
    wb = openpyxl.load_workbook(out)
    ledger = wb["隐患台账"]
    assert ledger.page_setup.fitToWidth >= 2 and ledger.print_title_cols == "$A:$A"
    assert wb["应急演练"].page_setup.fitToWidth == 1


def test_import_reads_a_filled_workbook_as_evidence(tmp_path, monkeypatch):
    """yinhuan import tells a 自查表 from a 附件2 ledger and stores it as one enterprise's evidence."""
    from yinhuan.workbook import is_workbook
    monkeypatch.setenv("YINHUAN_USER", "tester")
    db = str(tmp_path / "s.db")
    out = filled(tmp_path, "mine-2023", EXAMPLES / "enterprises" / "mine-underground-gold.yaml")
    assert is_workbook(out) and not is_workbook(EXAMPLES / "enterprises" / "mine-underground-gold.yaml")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "init", "--db", db]).exit_code == 0
    r = runner.invoke(main, ["import", "--db", db, str(out)])
    assert r.exit_code == 0 and "企业证据" in r.output and "隐患（新） 1" in r.output, r.output
    edit(out, {("从业人员", "D5"): "正式工"})
    r = runner.invoke(main, ["import", "--db", db, str(out)])
    assert r.exit_code == 2 and "单元格 D5" in r.output and "整份文件未导入" in r.output


def test_hint_row_worded_by_another_version_is_not_read_as_data(tmp_path):
    out = filled(tmp_path)
    before = read(out)[0]
    edit(out, {("文件资料", "B4"): "旧版本的提示", ("文件资料", "C4"): "另一种说法"})
    assert read(out)[0] == before


def test_closed_vocabulary_drop_downs_and_declared_aliases(tmp_path):
    """The drop-downs carry the evidence schema's closed vocabulary; a declared synonym typed in a
    cell reads as its value, an unknown one is an error naming the nearest."""
    lay = L.layout_for("gongmao-2023")
    kind = lay.sheet("危险作业审批").column("作业类别")
    assert "动火" in kind.enum and ("动火作业", "动火") in kind.aliases
    assert lay.sheet("从业人员").column("岗位").enum                # 岗位 is a vocabulary too
    out = filled(tmp_path)
    wb = openpyxl.load_workbook(out)
    col = openpyxl.utils.get_column_letter([c.value for c in wb["危险作业审批"][3]].index("作业类别") + 1)
    edit(out, {("危险作业审批", f"{col}5"): "动火作业"})
    assert read(out)[0]["records"]["permits"][0]["kind"] == "动火"
    edit(out, {("危险作业审批", f"{col}5"): "动火作业票"})
    assert any("是否应为“动火" in e for e in errors_of(out))
