"""Loading and validating input: safe YAML with lines, dates, credit codes, evidence semantics."""
from __future__ import annotations

from datetime import date

import pytest

from yinhuan import creditcode
from yinhuan.dates import BadDate, parse_date, periods_overlapping
from yinhuan.errors import InputError
from yinhuan.evidence import from_text
from yinhuan.loader import load_file, parse_text

GOOD = f"""enterprise:
  name: 测试企业有限公司
  credit_code: {creditcode.make('91371002MA3C00990')}
  district: 环翠区
  sector: 工贸
records:
  workers:
    - {{id: w1, name: 甲}}
  trainings:
    - {{id: t1, date: 2023年6月6日, topic: 判定标准, attendees: [w1]}}
"""


def test_lines_are_recorded():
    doc = parse_text("a: 1\nb:\n  - x: 2\n", "f.yaml")
    assert doc.line_of(("b", 0, "x")) == 3
    assert doc.line_of(("b", 0, "missing")) == 3


def test_timestamps_stay_strings_and_tags_cannot_build_objects():
    assert parse_text("d: 2023-13-01\n", "f").data == {"d": "2023-13-01"}
    with pytest.raises(InputError, match="不支持的 YAML 标签"):
        parse_text("x: !!python/object/apply:os.system ['true']\n", "f")


@pytest.mark.parametrize("text,msg,line", [
    ("a: 1\na: 2\n", "重复的键", 2),
    ("a: [1\n", "语法错误", None),
    ("", "文件为空", 1),
    ("   \n", "文件为空", 1),
])
def test_bad_yaml(tmp_path, text, msg, line):
    p = tmp_path / "x.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=msg) as exc:
        load_file(p)
    assert exc.value.file == str(p)
    if line:
        assert exc.value.line == line


@pytest.mark.parametrize("text,expected", [
    ("2023-06-06", date(2023, 6, 6)), ("2023.06.06", date(2023, 6, 6)), ("2023年6月6日", date(2023, 6, 6)),
])
def test_date_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2023-13-01", "2023-02-30", "06/06/2023", "明天"])
def test_bad_dates(text):
    with pytest.raises(BadDate):
        parse_date(text)


def test_periods_overlap_window():
    labels = [p.label for p in periods_overlapping(date(2023, 5, 19), date(2023, 12, 31), "quarter")]
    assert labels == ["2023年第二季度", "2023年第三季度", "2023年第四季度"]


def test_credit_code_check_character():
    assert creditcode.is_valid("91350100M000100Y43")
    assert "校验位" in creditcode.problem("91350100M000100Y44")
    assert "非法字符" in creditcode.problem("91350100M000100I43")
    assert "18位" in creditcode.problem("9135")


def test_evidence_normalises():
    ev = from_text(GOOD)
    assert ev.facts["trainings"][0]["date"] == date(2023, 6, 6)
    assert ev.provided("trainings") and not ev.provided("drills")


@pytest.mark.parametrize("change,msg,line", [
    (("credit_code: 9137", "credit_code: 8137"), "校验位", 3),
    (("2023年6月6日", "2023-13-01"), "不存在的日期", 10),
    (("attendees: [w1]", "attendees: [w9]"), "不存在的从业人员", 10),
    (("sector: 工贸", "sector: 化工"), "应为以下之一", 5),
    (("{id: w1, name: 甲}", "{id: w1, name: 甲, age: 3}"), "未知字段 age", 8),
    (("  district: 环翠区\n", ""), "缺少必填字段 district", 1),
])
def test_bad_evidence_names_line_and_field(change, msg, line):
    with pytest.raises(InputError, match=msg) as exc:
        from_text(GOOD.replace(*change), "ev.yaml")
    assert exc.value.file == "ev.yaml"
    assert exc.value.line == line


def test_duplicate_record_ids():
    text = GOOD.replace("    - {id: w1, name: 甲}\n", "    - {id: w1, name: 甲}\n    - {id: w1, name: 乙}\n")
    with pytest.raises(InputError, match="重复"):
        from_text(text)
