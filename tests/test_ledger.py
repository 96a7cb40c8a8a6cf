"""附件2 ledger: export with exactly the notice's columns and date form; check every row."""
from __future__ import annotations

import csv
from datetime import date

from openpyxl import load_workbook

from yinhuan.reports.cli import check_ledger, ledger
from yinhuan.reports.ledger import check_rows, read_ledger

from bureau_helpers import BUREAU, run, write

COLUMNS = ["序号", "市", "县（市、区）", "企业全称", "统一社会信用代码", "行业", "领域", "重大事故隐患描述", "判定依据",
           "发现时间", "发现方式", "现场处置措施", "行政处置措施", "挂牌督办单位", "整改责任人", "整改期限", "整改措施"]
GM_EVIDENCE = sorted((BUREAU / "evidence").glob("gm-*.yaml"))


def test_export_xlsx_has_exactly_the_17_columns(tmp_path):
    out = tmp_path / "台账.xlsx"
    code, msg = run(ledger, "export", "--period", "2023-06", "--out", out, *GM_EVIDENCE)
    assert code == 0, msg
    ws = load_workbook(out)["附件2 台账"]
    assert ws["A1"].value == "附件2" and ws["A2"].value == "工贸行业重大事故隐患台账"
    assert [c.value for c in ws[5]] == COLUMNS
    rows = [r for r in ws.iter_rows(min_row=6, values_only=True)]
    # June only: the May hazard is out; the machinery ledger sent twice appears once
    assert len(rows) == 5
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]   # 序号 stored as numbers
    first = dict(zip(COLUMNS, rows[0]))
    assert first["发现时间"] == "2023.06.05" and first["整改期限"] == "2023.06.30"
    assert first["企业全称"] == "威海环翠示例机械有限公司" and first["市"] == "威海市"
    assert first["判定依据"] == "《工贸企业重大事故隐患判定标准》第十一条第（三）项"
    listed = [dict(zip(COLUMNS, r)) for r in rows if r[13]]
    assert {r["挂牌督办单位"] for r in listed} == {"威海市人民政府安全生产委员会", "文登区人民政府安全生产委员会"}


def test_export_filters_by_district_and_cumulative(tmp_path):
    code, text = run(ledger, "export", "--period", "2023-06", "--cumulative", "--district", "环翠区", *GM_EVIDENCE)
    assert code == 0, text
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["发现时间"] for r in rows] == ["2023.05.28", "2023.06.05", "2023.06.12", "2023.06.15"]
    assert {r["县（市、区）"] for r in rows} == {"环翠区"}


def test_exported_ledger_checks_clean_and_round_trips(tmp_path):
    out = tmp_path / "l.xlsx"
    assert run(ledger, "export", "--out", out, *GM_EVIDENCE)[0] == 0
    code, msg = run(ledger, "check", "--as-of", "2023-07-01", out)
    assert code == 0, msg
    assert "共 6 条隐患，0 条有误" in msg
    rows = read_ledger(out)
    assert rows[0].found_on == date(2023, 5, 28)


LEDGER_CSV = ",".join(COLUMNS) + "\n" + \
    "示例,XX市,XX县,XX公司,XXXXXX,轻工,涉氨制冷,示例,示例,2023.06.06,自查/部门检查,立即停产,,,XXX,,\n" + \
    "1,威海市,环翠区,甲公司,91371002MA3YH0001P,机械,粉尘涉爆,描述,《工贸企业重大事故隐患判定标准》第十一条第（三）项,2023.06.05,自查,停用,,,王立,2023.06.30,措施\n" + \
    "2,威海市,环翠区,乙公司,91371002MA3YH0001A,机械,粉尘涉爆,描述,工贸判定标准第十三条第四项,2023.06.05,抽查,停用,,,,2023.06.01,\n" + \
    "3,威海市,环翠区,丙公司,91371002MA3YH0002T,轻工,涉氨制冷,描述,《金属非金属矿山重大事故隐患判定标准》一（一）1,2023.13.05,部门检查,停用,,,刘芳,2023.09.30,措施\n"


def test_check_names_each_bad_row_and_field(tmp_path):
    path = write(tmp_path / "台账.csv", LEDGER_CSV)
    code, msg = run(ledger, "check", "--as-of", "2023-07-01", path)
    assert code == 1
    lines = msg.splitlines()
    row2 = [l for l in lines if l.startswith(f"{path}:4 序号 2")]
    fields = {l.split("字段 ")[1].split(":")[0] for l in row2}
    assert fields == {"统一社会信用代码", "发现方式", "判定依据", "整改期限", "整改责任人", "整改措施"}
    assert any("早于发现时间" in l for l in row2) and any("校验位" in l for l in row2)
    assert any("《工贸企业重大事故隐患判定标准》第十二条第（二）项" in l for l in row2)  # the expected form is shown
    row3 = [l for l in lines if l.startswith(f"{path}:5 序号 3")]
    assert any("发现时间" in l and "不存在的日期" in l for l in row3)
    # the catalogue check (yinhuan.catalogue.ledger_basis): a mine article cited for a 轻工 enterprise
    assert len(row3) == 2 and any("判定依据" in l and "不适用于本企业" in l for l in row3)
    # the good row (past its deadline: a ledger file cannot say if it was rectified), and the 示例 row is skipped
    assert [l.split("[")[1].split("]")[0] for l in lines if "序号 1" in l] == ["无法判断"]
    assert "共 3 条隐患，2 条有误" in msg


EV = """\
yinhuan_evidence: 1
enterprise: {name: 威海测试有限公司, credit_code: 91371002MA3YH0001P, city: 威海市, district: 环翠区, sector: 工贸, industry: 机械}
records:
  hazards:
    - id: H-1
      description: 未整改且五到位不全
      basis: 《工贸企业重大事故隐患判定标准》第七条第（一）项
      found_on: 2023-06-05
      found_by: 部门检查
      status: 整改中
      five_in_place: {responsible: 王立, deadline: 2023-06-20}
    - id: H-2
      description: 逾期未整改
      basis: 《工贸企业重大事故隐患判定标准》第七条第（二）项
      found_on: 2023-06-05
      found_by: 自查
      status: 未整改
      five_in_place: {responsible: 王立, measures: 改造, funds: 1万元, deadline: 2023-06-20, emergency_plan: 预案}
    - id: H-3
      description: 已整改的不查五到位、不算逾期
      basis: 《工贸企业重大事故隐患判定标准》第七条第（三）项
      found_on: 2023-06-05
      found_by: 自查
      deadline: 2023-06-20
      status: 已整改
      rectified_on: 2023-06-19
"""


def test_five_in_place_and_overdue_from_evidence(tmp_path):
    path = write(tmp_path / "ev.yaml", EV)
    code, msg = run(ledger, "check", "--as-of", "2023-07-01", path)
    assert code == 1, msg
    assert "records.hazards[0]（H-1）: 字段 五到位: [错误]" in msg and "措施、资金、应急预案" in msg
    assert "records.hazards[1]（H-2）: 字段 整改期限: [逾期]" in msg
    assert "H-3" not in msg
    assert "1 条有误，2 条逾期" in msg   # H-1 is overdue too


def test_basis_validator_is_pluggable(tmp_path):
    """A catalogue lookup can replace the form check: here, one that knows only 第七条第（一）项."""
    path = write(tmp_path / "ev.yaml", EV)
    seen = []

    def catalogue(basis, row):
        seen.append((basis, row.values["行业"]))
        return None if "第七条第（一）项" in basis else f"目录中没有 {basis}"

    rows, problems = check_ledger([path], date(2023, 6, 1), basis_validator=catalogue)
    assert [p.row.values["重大事故隐患描述"] for p in problems if p.column == "判定依据"] == ["逾期未整改", "已整改的不查五到位、不算逾期"]
    assert seen[0] == ("《工贸企业重大事故隐患判定标准》第七条第（一）项", "机械")
    assert check_rows(rows, date(2023, 6, 1)) == [p for p in problems if p.column != "判定依据"]


def test_ledger_file_with_wrong_columns_is_bad_input(tmp_path):
    path = write(tmp_path / "x.csv", "序号,企业全称,统一社会信用代码\n1,甲,91371002MA3YH0001P\n")
    code, msg = run(ledger, "check", path)
    assert code == 2 and "x.csv:1" in msg and "缺少列" in msg


def test_criterion_only_record_gets_the_catalogue_citation():
    from yinhuan.reports.ledger import _citation
    assert _citation("GM-12-2") == "《工贸企业重大事故隐患判定标准》第十二条第（二）项"
    assert _citation("NO-SUCH") == "NO-SUCH"
