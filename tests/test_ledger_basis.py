"""One validator of 判定依据 for every reader and writer (issue 11 items 1–2, 8, 19).

The README's own path — export a ledger from the bundled evidence, then check it — must pass, and
what `ledger check` rejects, `ledger export` and `tally` must refuse to write."""
from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from bureau_helpers import BUREAU, GM_INPUTS, run, write
from yinhuan.reports.cli import check_ledger, ledger, tally

EVIDENCE = sorted((BUREAU / "evidence").glob("*.yaml"))


def test_readme_export_then_check_passes(tmp_path):
    out = tmp_path / "台账.xlsx"
    code, msg = run(ledger, "export", "--period", "2023-06", "--out", out, *EVIDENCE)
    assert code == 0, msg
    code, msg = run(ledger, "check", "--as-of", "2023-07-01", out)
    assert code == 0, msg
    assert "0 条有误" in msg


def test_bundled_mine_hazards_cite_items_of_their_own_mine_type():
    rows, problems = check_ledger(sorted((BUREAU / "evidence").glob("mine-*.yaml")), date(2023, 7, 1))
    assert [p for p in problems if p.column == "判定依据"] == []
    by_type = {r.values["领域"]: r.values["判定依据"] for r in rows}
    assert "一（" in by_type["地下"] and "二（" in by_type["露天"]


UNDERGROUND = """\
yinhuan_evidence: 1
enterprise: {name: 测试地下矿有限公司, credit_code: 91371083MA3YK0001H, city: 威海市, district: 乳山市, sector: 非煤矿山, mine_types: [地下]}
inspection: {date: 2023-06-14, mode: 部门检查}
records:
  hazards:
    - id: H-01
      description: 露天矿的条项用在了地下矿
      basis: 《金属非金属矿山重大事故隐患判定标准》二（七）2
      found_on: 2023-06-03
      found_by: 自查
      responsible: 甲
      deadline: 2023-06-20
      measures: 整改
      status: 已整改
      rectified_on: 2023-06-12
    - id: H-02
      description: 写到大项、标准在这一项下分了分项
      basis: 《金属非金属矿山重大事故隐患判定标准》一（一）
      found_on: 2023-06-03
      found_by: 自查
      responsible: 甲
      deadline: 2023-06-20
      measures: 整改
      status: 已整改
      rectified_on: 2023-06-12
"""


def test_every_writer_refuses_what_ledger_check_rejects(tmp_path):
    ev = write(tmp_path / "ev.yaml", UNDERGROUND)
    code, msg = run(ledger, "check", ev)
    assert code == 1 and msg.count("字段 判定依据") == 2 and "露天矿山" in msg and "只写到上一级" in msg
    out = tmp_path / "台账.xlsx"
    code, msg = run(ledger, "export", "--out", out, ev)
    assert code == 2 and not out.exists()
    assert "ev.yaml:8" in msg and "H-01" in msg and "露天矿山" in msg
    assert "H-02" in msg and "须写到项（分项）：一（一）1、一（一）2" in msg
    code, msg = run(ledger, "export", ev)
    assert code == 2 and "H-01" in msg


def test_tally_refuses_a_ledger_row_the_catalogue_rejects(tmp_path):
    bad = (BUREAU / "evidence" / "gm-huancui-food.yaml").read_text(encoding="utf-8")
    assert "第十二条第（二）项" in bad   # the hazard found in June, written to the tally's ledger sheet
    bad = bad.replace("第十二条第（二）项", "第九十九条")
    ev = write(tmp_path / "gm-huancui-food.yaml", bad)
    inputs = [p if p.name != ev.name else ev for p in GM_INPUTS]
    code, msg = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--out", tmp_path / "out", *inputs)
    assert code == 2 and "第九十九条" in msg and "不在判定标准目录中" in msg
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# ---- item 2: a ledger of several sectors ----------------------------------------------------

def test_mixed_sectors_get_one_titled_sheet_each(tmp_path):
    out = tmp_path / "台账.xlsx"
    code, msg = run(ledger, "export", "--out", out, *EVIDENCE)
    assert code == 0, msg
    wb = load_workbook(out)
    assert wb.sheetnames == ["工贸行业重大事故隐患台账", "非煤矿山重大事故隐患台账"]
    gm, mine = wb.worksheets
    assert gm["A2"].value == "工贸行业重大事故隐患台账" and mine["A2"].value == "非煤矿山重大事故隐患台账"
    assert {c.value for c in mine["F"][5:] if c.value} == {"非煤矿山"}
    assert "非煤矿山" not in {c.value for c in gm["F"][5:]}
    assert mine["A6"].value in (1, "1")   # each sheet numbered from 1
    code, msg = run(ledger, "check", out)
    assert code == 0, msg
    assert f"共 {sum(1 for ws in wb.worksheets for c in ws['D'][5:] if c.value)} 条隐患" in msg


def test_mixed_sectors_to_csv_are_refused(tmp_path):
    out = tmp_path / "台账.csv"
    code, msg = run(ledger, "export", "--out", out, *EVIDENCE)
    assert code == 2 and not out.exists()
    assert "工贸、非煤矿山" in msg and ".xlsx" in msg
    code, msg = run(ledger, "export", "--out", out, *sorted((BUREAU / "evidence").glob("mine-*.yaml")))
    assert code == 0 and out.exists()


def test_single_sector_keeps_its_own_title(tmp_path):
    out = tmp_path / "台账.xlsx"
    code, msg = run(ledger, "export", "--out", out, *sorted((BUREAU / "evidence").glob("mine-*.yaml")))
    assert code == 0, msg
    ws = load_workbook(out).worksheets[0]
    assert ws["A2"].value == "非煤矿山重大事故隐患台账"


# ---- items 7, 8, 19: reading ledger files; what a ledger file cannot know; the overdue boundary ---

LEDGER_HEADER = "序号,市,县（市、区）,企业全称,统一社会信用代码,行业,领域,重大事故隐患描述,判定依据,发现时间,发现方式," \
                "现场处置措施,行政处置措施,挂牌督办单位,整改责任人,整改期限,整改措施"
LEDGER_ROW = "1,威海市,环翠区,威海示例食品有限公司,91371002MA3YH0001P,轻工,涉氨制冷,氨制冷机房未设置氨气浓度报警装置," \
             "《工贸企业重大事故隐患判定标准》第十二条第（二）项,2023.06.01,自查,停用,,,张三,2023.06.20,加装报警装置"


def test_empty_csv_is_called_an_empty_ledger(tmp_path):
    code, msg = run(ledger, "check", write(tmp_path / "empty.csv", ""))
    assert code == 2 and "台账文件为空" in msg and "局工作记录" not in msg


def test_ledger_file_without_status_says_what_it_cannot_know(tmp_path):
    path = write(tmp_path / "t.csv", LEDGER_HEADER + "\n" + LEDGER_ROW + "\n")
    code, msg = run(ledger, "check", "--as-of", "2023-09-01", path)
    assert code == 0, msg
    assert "[无法判断]" in msg and "整改期限 2023.06.20 已过" in msg and "没有整改状态列" in msg
    assert "0 条逾期未整改" in msg and "1 条来自台账文件" in msg
    code, msg = run(ledger, "check", "--as-of", "2023-06-20", path)
    assert "[无法判断]" not in msg


def test_ledger_file_with_status_column_reports_overdue(tmp_path):
    path = write(tmp_path / "t.csv", LEDGER_HEADER + ",整改状态\n" + LEDGER_ROW + ",整改中\n"
                 + LEDGER_ROW.replace("1,", "2,", 1) + ",已整改\n")
    code, msg = run(ledger, "check", "--as-of", "2023-09-01", path)
    assert code == 0, msg
    assert msg.count("[逾期]") == 1 and "序号 1: 字段 整改期限: [逾期]" in msg and "1 条逾期未整改" in msg
    assert "无法判断" not in msg
    bad = write(tmp_path / "b.csv", LEDGER_HEADER + ",整改状态\n" + LEDGER_ROW + ",搞定了\n")
    code, msg = run(ledger, "check", bad)
    assert code == 1 and "字段 整改状态" in msg and "已整改、整改中、未整改" in msg


def test_gbk_csv_from_excel_is_read_and_the_encoding_named(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((LEDGER_HEADER + "\r\n" + LEDGER_ROW + "\r\n").encode("gbk"))
    code, msg = run(ledger, "check", "--as-of", "2023-06-01", path)
    assert code == 0, msg
    assert "GB18030" in msg and "共 1 条隐患" in msg
    utf8 = write(tmp_path / "u.csv", "\ufeff" + LEDGER_HEADER + "\n" + LEDGER_ROW + "\n")
    code, msg = run(ledger, "check", "--as-of", "2023-06-01", utf8)
    assert code == 0 and "GB18030" not in msg
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\xff\xfe\x00\x81\x30" * 10)
    code, msg = run(ledger, "check", junk)
    assert code == 2 and "无法识别 CSV 的编码" in msg


def test_gbk_activity_csv_is_read(tmp_path):
    text = (BUREAU / "activity-mine.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "activity-mine.csv"
    path.write_bytes(text.encode("gbk"))
    inputs = [path if p.name == path.name else p for p in
              [BUREAU / "activity-mine.csv", BUREAU / "findings-mine-2023-06.json",
               *sorted((BUREAU / "evidence").glob("mine-*.yaml"))]]
    code, msg = run(tally, "--checklist", "mine-2023", "--period", "2023-06", "--format", "json",
                    "--out", tmp_path / "out", *inputs)
    assert code == 0, msg
    assert "GB18030" in msg


OVERDUE_EV = """\
yinhuan_evidence: 1
enterprise: {name: 测试机械有限公司, credit_code: 91371002MA3YH0002T, city: 威海市, district: 环翠区, sector: 工贸, industry: 机械, domains: [粉尘涉爆]}
inspection: {date: 2023-06-14, mode: 部门检查}
records:
  hazards:
    - id: H-1
      description: 未整改
      basis: 《工贸企业重大事故隐患判定标准》第十一条第（一）项
      found_on: 2023-06-01
      found_by: 自查
      deadline: 2023-06-30
      status: 整改中
      five_in_place: {responsible: 甲, measures: 乙, funds: 1万元, deadline: 2023-06-30, emergency_plan: 丙}
"""


def test_overdue_boundary_deadline_equal_to_as_of_is_not_overdue(tmp_path):
    path = write(tmp_path / "ev.yaml", OVERDUE_EV)
    _, on_deadline = check_ledger([path], date(2023, 6, 30))
    assert on_deadline == []
    _, day_after = check_ledger([path], date(2023, 7, 1))
    assert [(p.column, p.severity) for p in day_after] == [("整改期限", "逾期")]
    code, msg = run(ledger, "check", "--as-of", "2023-06-30", path)
    assert "0 条逾期" in msg
    code, msg = run(ledger, "check", "--as-of", "2023-07-01", path)
    assert "1 条逾期" in msg
