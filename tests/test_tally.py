"""yinhuan tally on the bundled bureau examples: figures hand-computed from examples/bureau/.

Hand computation (工贸, 2023年6月), under the due-date model (docs/rules.md: the 5月19–31 part-month is
not a period of the principal's monthly checks, a month is over at the end of its last day, the
criteria training is due 11-30):
- 环翠区: 机械公司 (粉尘涉爆, monthly) inspected 06-12 and 06-26: June still running, so 未带队 is
  未到期 both times; 制度措施 fails on 06-12 and passes on 06-26. 食品公司 (涉氨制冷, monthly) inspected
  06-30: June is over and had no check => 未带队. => 部门抽查 2 家, 未带队 1 家, 制度措施 1 家,
  问题隐患 2 项 (机械's 制度措施 item, 食品's 未带队 item), 完成整改 1 项 (the 制度措施 item that later passed).
- 文登区: 铸造公司 on 06-08: the criteria training is 未到期; a training without attendance fails
  GM-5-TRAINING-RECORDS => 培训 1 家, 1 项; its 部门检查 hazard is 政府-listed and rectified 06-28.
- 荣成市: a 自查 result is not a 部门抽查; its hazard found 06-10 is rectified 07-05 (not in June).
- 乳山市: results of 05-25 (no safety officer at all: 安全机构 1 家; the principal's checks not yet
  due) and 07-03 (June had no check: 未带队) fall outside June; the cumulative table counts 05-25 only.
- hazards: 机械公司's ledger arrives in two files and counts once.
"""
from __future__ import annotations

from openpyxl import load_workbook
import pytest
from pathlib import Path

from yinhuan.reports.cli import tally
from yinhuan.reports.tally import FormulaError, check_formulas

from bureau_helpers import BUREAU, GM_INPUTS, MINE_INPUTS, run, write

DISTRICTS = ["环翠区", "文登区", "荣成市", "乳山市", "合计"]

GM_JUNE = {  # heading -> values per district and 合计
    ("派出检查组", "个"): [2, 1, 1, 0, 4],
    ("出动执法人员", "人次"): [12, 3, 2, 0, 17],
    ("组织专家", "人次"): [3, 0, 0, 0, 3],
    ("发现问题隐患数量", "项"): [2, 1, 0, 0, 3],
    ("完成整改", "项"): [1, 0, 0, 0, 1],
    ("部门抽查检查的企业总数", "家"): [2, 1, 0, 0, 3],
    ("企业主要负责人未带队检查的", "家"): [1, 0, 0, 0, 1],
    ("安全教育培训走过场的", "家"): [0, 1, 0, 0, 1],
    ("制度措施不落实的", "家"): [1, 0, 0, 0, 1],
    ("发现重大事故隐患数量", "个"): [3, 1, 1, 0, 5],
    ("重大事故隐患完成整改", "个"): [1, 1, 0, 0, 2],
    ("企业自查发现的重大事故隐患", "个"): [2, 0, 1, 0, 3],
    ("企业自查发现重大事故隐患中已完成整改的", "个"): [1, 0, 0, 0, 1],
    ("部门检查发现的重大事故隐患", "个"): [1, 1, 0, 0, 2],
    ("部门检查发现重大事故隐患中已完成整改的", "个"): [0, 1, 0, 0, 1],
    ("政府挂牌督办的重大事故隐患", "个"): [1, 1, 0, 0, 2],
    ("挂牌督办重大事故隐患中已完成整改的", "个"): [0, 1, 0, 0, 1],
    ("帮扶指导重点县（市、区）", "个次"): [0, 1, 0, 0, 1],
    ("帮扶指导重点企业", "家次"): [0, 2, 0, 0, 2],
    ("行政处罚", "次"): [2, 0, 0, 0, 2],
    ("行政处罚", "万元"): [8.5, 0, 0, 0, 8.5],
    ("企业和企业主要负责人“一案双罚”", "次"): [1, 0, 0, 0, 1],
    ("移送司法机关", "人"): [0, 1, 0, 0, 1],
    ("责令停产整顿", "家"): [1, 0, 0, 0, 1],
    ("曝光、约谈、联合惩戒", "企业"): [1, 0, 0, 0, 1],   # two records, one enterprise
    ("公布典型执法案例", "个"): [2, 0, 0, 0, 2],
    ("危险作业罪案例", "个"): [1, 0, 0, 0, 1],
    ("责任倒查追责问责", "人"): [0, 0, 2, 0, 2],
    ("约谈通报有关地区及部门", "次"): [0, 1, 0, 0, 1],
}


def read_tables(ws):
    """{(heading, unit): [values per row label]} for every table on a 附件1 sheet, plus header rows."""
    out, headers = {}, []
    rows = list(ws.iter_rows(values_only=True))
    for i, row in enumerate(rows):
        if row[0] != "序号":
            continue
        headers.append(i + 1)
        heads, units = list(row), list(rows[i + 1])
        for k in range(len(heads)):   # a merged group heading reads as None after its first cell
            if heads[k] is None and k and units[k]:
                heads[k] = heads[k - 1]
        body = []
        for r in rows[i + 2:]:
            if r[1] is None:
                break
            body.append(r)
        for k in range(2, len(heads)):
            if heads[k]:
                out[(heads[k], units[k])] = {r[1]: r[k] for r in body}
    return out, headers


@pytest.fixture(scope="module")
def gm_june(tmp_path_factory):
    out = tmp_path_factory.mktemp("gm")
    code, text = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--out", out, *GM_INPUTS)
    assert code == 0, text
    return out


def test_gongmao_workbook_header_title_and_merges(gm_june):
    wb = load_workbook(gm_june / "gongmao-2023-2023-06.xlsx")
    assert wb.sheetnames == ["附件1 调度表", "附件2 台账"]
    ws = wb["附件1 调度表"]
    assert ws["A1"].value == "附件1"
    assert ws["A2"].value == "全市冶金等工贸行业重大事故隐患专项排查整治2023行动进展情况调度表"
    assert ws["A3"].value.startswith("填报地市：威海市")
    assert "填报时间：2023年6月30日" in [c.value for c in ws[3] if c.value]
    tables, headers = read_tables(ws)
    assert len(headers) == 3
    merged = {str(r) for r in ws.merged_cells.ranges}
    for h in headers:  # 序号 and 区市 span the heading and unit rows
        assert f"A{h}:A{h + 1}" in merged and f"B{h}:B{h + 1}" in merged
        assert ws.cell(row=h, column=2).value == "区市"
    # 表三: 行政处罚 is one heading over two unit cells, 次 and 万元
    t3 = headers[2]
    assert f"E{t3}:F{t3}" in merged
    assert (ws[f"E{t3 + 1}"].value, ws[f"F{t3 + 1}"].value) == ("次", "万元")
    # every column of the notice with its unit, in the notice's order (表一 shown)
    t1_heads = [c.value for c in ws[headers[0]]][2:17]
    t1_units = [c.value for c in ws[headers[0] + 1]][2:17]
    assert t1_heads[:6] == ["派出检查组", "出动执法人员", "组织专家", "发现问题隐患数量", "完成整改", "部门抽查检查的企业总数"]
    assert t1_units == ["个", "人次", "人次", "项", "项"] + ["家"] * 10
    notes = [r[0] for r in ws.iter_rows(values_only=True) if r[0] and str(r[0]).startswith(("填报说明", "2."))]
    assert notes[0] == "填报说明：1.发现重大隐患数量=企业自查发现的重大事故隐患+部门检查发现的重大事故隐患。"
    assert len(notes) == 2


def test_gongmao_values_per_district_and_totals(gm_june):
    tables, _ = read_tables(load_workbook(gm_june / "gongmao-2023-2023-06.xlsx")["附件1 调度表"])
    for key, expected in GM_JUNE.items():
        got = [tables[key][d] for d in DISTRICTS]
        assert got == expected, key
    # the rows are the bureau's list, in order, with 合计 last
    assert list(tables[("派出检查组", "个")]) == DISTRICTS


def test_formulas_hold_on_every_row(gm_june):
    tables, _ = read_tables(load_workbook(gm_june / "gongmao-2023-2023-06.xlsx")["附件1 调度表"])
    t = {k[0]: v for k, v in tables.items()}
    for d in DISTRICTS:
        assert t["发现重大事故隐患数量"][d] == t["企业自查发现的重大事故隐患"][d] + t["部门检查发现的重大事故隐患"][d]
        assert t["重大事故隐患完成整改"][d] == (t["企业自查发现重大事故隐患中已完成整改的"][d]
                                               + t["部门检查发现重大事故隐患中已完成整改的"][d])


def test_csv_and_json_carry_the_same_numbers(gm_june):
    import csv
    import json
    data = json.loads((gm_june / "gongmao-2023-2023-06.json").read_text(encoding="utf-8"))
    total = data["rows"][-1]
    assert total["district"] == "合计" and total["total"]
    assert total["values"]["principal_no_lead"] == 1 and total["values"]["penalty_amount"] == 8.5
    with open(gm_june / "gongmao-2023-2023-06.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["区市"] for r in rows] == DISTRICTS
    assert rows[0]["表一·企业主要负责人未带队检查的（家）"] == "1"


def test_cumulative_counts_from_campaign_start(tmp_path):
    code, text = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--cumulative",
                     "--format", "json", "--out", tmp_path, *GM_INPUTS)
    assert code == 0, text
    import json
    data = json.loads((tmp_path / "gongmao-2023-2023-06-cumulative.json").read_text(encoding="utf-8"))
    rows = {r["district"]: r["values"] for r in data["rows"]}
    assert data["period"]["from"] == "2023-05-19" and data["period"]["to"] == "2023-06-30"
    assert rows["环翠区"]["self_found"] == 3 and rows["环翠区"]["self_rectified"] == 2   # May hazard joins
    assert rows["乳山市"]["checked_enterprises"] == 1 and rows["合计"]["checked_enterprises"] == 4
    # 乳山's 05-25 result: no safety officer (安全机构 1 家); its principal's checks were not yet due
    assert rows["乳山市"]["inspection_groups"] == 1 and rows["乳山市"]["no_safety_body"] == 1
    assert rows["乳山市"]["principal_no_lead"] == 0


def test_same_inputs_give_identical_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        code, text = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--out", out, *GM_INPUTS)
        assert code == 0, text
    for name in ("gongmao-2023-2023-06.xlsx", "gongmao-2023-2023-06.csv", "gongmao-2023-2023-06.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_explain_lists_the_enterprises_behind_a_cell():
    code, text = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06",
                     "--explain", "企业主要负责人未带队检查的", "--district", "环翠区", *GM_INPUTS)
    assert code == 0, text
    # only the food company (06-30, June over); the machinery company's June was still running
    assert "= 1家" in text
    assert "威海环翠示例食品有限公司（91371002MA3YH0002T，环翠区）" in text
    assert "威海环翠示例机械有限公司" not in text
    assert text.count("GM-1-PRINCIPAL-LEADS-INSPECTION") == 1
    assert "荣成" not in text


def test_explain_hazards_and_activity_records():
    code, text = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--explain", "gov_listed", *GM_INPUTS)
    assert code == 0, text
    assert "= 2个" in text and "records.hazards[1]（H-02）" in text and "records.hazards[0]（H-01）" in text
    code, text = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--explain", "曝光、约谈、联合惩戒（企业）", *GM_INPUTS)
    assert code == 0, text
    assert "= 1家" in text and "activities[8]（GA-09）" in text and "activities[9]（GA-10）" in text


def test_mine_form_four_sections(tmp_path):
    code, text = run(tally, "--checklist", "mine-2023", "--period", "2023-06", "--out", tmp_path, *MINE_INPUTS)
    assert code == 0, text
    wb = load_workbook(tmp_path / "mine-2023-2023-06.xlsx")
    assert wb.sheetnames == ["调度表", "分区市", "附件2 台账"]
    ws = wb["调度表"]
    assert ws["A2"].value == "重大事故隐患专项排查整治2023行动进展情况调度表"
    assert ws["D3"].value == "时间：2023 年 6 月 30 日"
    merged = {str(r) for r in ws.merged_cells.ranges}
    sections = {ws[f"A{r.min_row}"].value: str(r) for r in ws.merged_cells.ranges if r.min_col == 1 and r.min_row >= 5}
    assert sections == {"总体情况": "A5:A7", "对企业自查自改进行抽查检查情况": "A8:A12",
                        "部门精准严格执法情况": "A13:A17", "党委政府组织领导情况": "A18:A21"}
    assert "A5:A7" in merged
    cells = {}
    for row in ws.iter_rows(min_row=5, values_only=True):
        cells[row[2]] = row[3]
        cells[row[5]] = row[6]
    assert cells["企业自查发现的重大事故隐患（个）"] == 2
    assert cells["企业自查发现重大事故隐患中已完成整改的（个）"] == 1
    assert cells["政府挂牌督办的重大事故隐患（个）"] == 1
    assert cells["部门抽查检查的企业总数（家）"] == 2
    assert cells["电焊等特种作业岗位人员无证上岗作业（家）"] == 1
    assert cells["行政处罚（次，万元）"] == "1次，10万元"
    assert cells["举报奖励（万元），其中匿名举报查实奖励（万元）"] == "1.5万元，其中0.5万元"
    assert cells["公布典型执法案例（个），其中危险作业罪案例（个）"] == "1个，其中0个"
    assert cells["是否在主流媒体播放安全生产专题栏目"] == "是"
    # a stock, not a flow: 乳山 4 (latest, not 3+4) + 文登 2
    assert cells["市县两级配备专兼职技术检查员数量（人）"] == 6
    assert cells["市、县政府负责同志分别现场督导检查（次）"] == 2
    per = wb["分区市"]
    header = [c.value for c in per[4]]
    rows = {r[1]: r for r in per.iter_rows(min_row=5, values_only=True)}
    col = header.index("市县两级配备专兼职技术检查员数量（人）")
    assert [rows[d][col] for d in DISTRICTS] == [0, 2, 0, 4, 6]


def test_formula_check_rejects_inconsistent_figures():
    from yinhuan.reports import layouts
    values = {m: 0 for m in layouts.metrics()}
    values.update(major_found=3, self_found=1, dept_found=1)
    with pytest.raises(FormulaError, match="发现重大隐患数量"):
        check_formulas([("环翠区", values)])
    values.update(major_found=2, self_rectified=2, major_rectified=2)
    with pytest.raises(FormulaError, match="不超过企业自查发现"):
        check_formulas([("环翠区", values)])


# ---- bad input: exit 2, one message naming file, record and field; nothing written --------

EV = """\
yinhuan_evidence: 1
enterprise: {{name: 威海测试有限公司, credit_code: 91371002MA3YH0001P, district: {district}, sector: 工贸, industry: 机械}}
inspection: {{date: 2023-06-12, mode: 部门检查}}
records:
  hazards:
    - id: H-9
      description: 测试隐患
      found_on: 2023-06-05
      found_by: 自查
      status: {status}
{extra}"""


def _bad(tmp_path, text, name="bad.yaml"):
    bad = write(tmp_path / name, text)
    out = tmp_path / "out"
    code, msg = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--out", out,
                    BUREAU / "activity-gongmao.yaml", bad)
    assert code == 2, msg
    assert not out.exists() or not any(out.iterdir())
    return msg


def test_rectified_without_date_names_file_record_field(tmp_path):
    msg = _bad(tmp_path, EV.format(district="环翠区", status="已整改", extra=""))
    assert "bad.yaml:6:" in msg and "records.hazards[0].rectified_on" in msg and "H-9" in msg


def test_rectified_before_found(tmp_path):
    msg = _bad(tmp_path, EV.format(district="环翠区", status="已整改", extra="      rectified_on: 2023-06-01\n"))
    assert "records.hazards[0].rectified_on" in msg and "早于发现时间" in msg


def test_invalid_date_is_an_error(tmp_path):
    msg = _bad(tmp_path, EV.format(district="环翠区", status="已整改", extra="      rectified_on: 2023-06-31\n"))
    assert "bad.yaml:" in msg and "rectified_on" in msg and "不存在的日期" in msg


def test_district_not_in_bureau_list(tmp_path):
    msg = _bad(tmp_path, EV.format(district="高区", status="整改中", extra=""))
    assert "bad.yaml:2:" in msg and "enterprise.district" in msg and "高区" in msg


def test_findings_district_not_listed(tmp_path):
    import json
    data = json.loads((BUREAU / "findings-gongmao-2023-06.json").read_text(encoding="utf-8"))
    data["results"][2]["enterprise"]["district"] = "经区"
    msg = _bad(tmp_path, json.dumps(data, ensure_ascii=False, indent=1), "f.json")
    assert "f.json:" in msg and "results[2].enterprise.district" in msg and "经区" in msg


def test_findings_of_another_checklist(tmp_path):
    msg = _bad(tmp_path, (BUREAU / "findings-mine-2023-06.json").read_text(encoding="utf-8"), "m.json")
    assert "m.json" in msg and "checklist.id" in msg


def test_period_outside_campaign(tmp_path):
    code, msg = run(tally, "--checklist", "gongmao-2023", "--period", "2023-03", "--out", tmp_path, *GM_INPUTS)
    assert code == 2 and "--period" in msg and "不在专项行动期间" in msg


def test_atomic_write_leaves_nothing_when_one_output_fails(tmp_path):
    from yinhuan.atomic import write_all
    from yinhuan.errors import InputError
    blocker = write(tmp_path / "not-a-dir", "x")
    good = tmp_path / "out" / "a.csv"
    with pytest.raises(InputError, match="无法写入") as exc:
        write_all({good: b"1", blocker / "b.csv": b"2"})
    assert exc.value.file == str(blocker / "b.csv")
    assert not good.exists()
    assert not [p for p in (tmp_path / "out").iterdir()]   # no temporary files left behind


def test_findings_of_a_combined_checklist_file_into_its_dispatch_table(tmp_path):
    """gongmao-full-2023 (duty + criteria) results are tallied in the 工贸 table like gongmao-2023's."""
    import json
    from click.testing import CliRunner
    from yinhuan.cli import main
    repo = Path(__file__).resolve().parent.parent
    ents = sorted(str(p) for p in (repo / "examples" / "enterprises").glob("gm-*.yaml"))
    out = tmp_path / "f.json"
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-full-2023", "--format", "json", "--out", str(out), *ents])
    assert r.exit_code == 1, r.output
    r = CliRunner().invoke(main, ["tally", "--checklist", "gongmao-2023", "--period", "2023-09", "--cumulative",
                                  "--format", "json", "--out", str(tmp_path),
                                  str(repo / "examples" / "bureau" / "activity-gongmao.yaml"), str(out), *ents])
    assert r.exit_code == 0, r.output
    data = json.loads(next(tmp_path.glob("gongmao-2023-*.json")).read_text(encoding="utf-8"))
    rows = {r["district"]: r["values"] for r in data["rows"] if not r["total"]}
    # gm-steel-smelting (文登区, 部门检查 2023-09-14) fails the principal's monthly inspection;
    # gm-ammonia-seafood (荣成市, 2023-08-24) is checked; gm-machinery (环翠区) only in October
    assert rows["文登区"]["checked_enterprises"] == 1 and rows["文登区"]["principal_no_lead"] == 1
    assert rows["荣成市"]["checked_enterprises"] == 1
    assert rows["环翠区"]["checked_enterprises"] == 0


def test_workbook_prints_landscape_one_page_wide(tmp_path):
    """The forms are printed on A4 landscape, one page wide, as clerks file them."""
    import openpyxl
    from click.testing import CliRunner
    from yinhuan.cli import main
    repo = Path(__file__).resolve().parent.parent
    bureau = repo / "examples" / "bureau"
    r = CliRunner().invoke(main, ["tally", "--checklist", "gongmao-2023", "--period", "2023-06", "--out", str(tmp_path),
                                  str(bureau / "activity-gongmao.yaml"), str(bureau / "findings-gongmao-2023-06.json"),
                                  *sorted(str(p) for p in (bureau / "evidence").glob("gm-*.yaml"))])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(next(tmp_path.glob("*.xlsx")))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
