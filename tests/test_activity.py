"""The bureau activity file: YAML and CSV read the same; every bad record is named precisely."""
from __future__ import annotations

import pytest

from yinhuan.errors import InputError
from yinhuan.reports.activity import load_activity
from yinhuan.reports.cli import tally

from bureau_helpers import BUREAU, run, write

HEAD = "city: 威海市\ndistricts: [环翠区, 文登区, 荣成市]\nactivities:\n"


def test_csv_loads_header_and_records():
    af = load_activity(BUREAU / "activity-mine.csv")
    assert af.bureau.city == "威海市"
    assert af.bureau.districts == ("环翠区", "文登区", "荣成市", "乳山市")
    first = af.activities[0]
    assert (first.id, first.kind, first.district, first.level, first.count) == ("MK-01", "专题学习", "乳山市", "县", 1)
    reward = af.activities[4]
    assert reward.anonymous is True and str(reward.amount) == "0.5"
    assert reward.line == 9   # the CSV line, for error messages


def test_yaml_and_csv_give_the_same_records(tmp_path):
    y = write(tmp_path / "a.yaml", HEAD + "  - {date: 2023-06-05, district: 文登区, kind: 行政处罚, count: 2, amount: 3.5}\n")
    c = write(tmp_path / "a.csv", "# city: 威海市\n# districts: 环翠区、文登区、荣成市\n"
                                  "date,district,kind,count,amount\n2023-06-05,文登区,行政处罚,2,3.5\n")
    strip = lambda a: (a.date, a.district, a.kind, a.count, a.amount)   # noqa: E731
    assert [strip(a) for a in load_activity(y).activities] == [strip(a) for a in load_activity(c).activities]


@pytest.mark.parametrize("record, field, words", [
    ("{date: 2023-06-05, district: 高区, kind: 派出检查组}", "activities[0].district", "高区"),
    ("{date: 2023-06-31, district: 环翠区, kind: 派出检查组}", "activities[0].date", "不存在的日期"),
    ("{date: 2023-06-05, district: 环翠区, kind: 出动执法人员}", "activities[0]", "persons"),
    ("{date: 2023-06-05, district: 环翠区, kind: 行政处罚}", "activities[0]", "amount"),
    ("{date: 2023-06-05, district: 环翠区, kind: 责令停产整顿, enterprise: 某公司, credit_code: 91371002MA3YH0001A}",
     "activities[0].credit_code", "校验位"),
    ("{date: 2023-06-05, district: 环翠区, kind: 检查}", "activities[0].kind", "派出检查组"),
    ("{date: 2023-06-05, district: 环翠区, kind: 派出检查组, count: 0}", "activities[0].count", "不小于"),
])
def test_bad_records_are_named(tmp_path, record, field, words):
    path = write(tmp_path / "act.yaml", HEAD + "  - " + record + "\n")
    with pytest.raises(InputError) as exc:
        load_activity(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}:4:") and field in msg and words in msg, msg


def test_bad_csv_number_names_line_and_field(tmp_path):
    path = write(tmp_path / "act.csv", "# city: 威海市\n# districts: 环翠区\ndate,district,kind,persons\n"
                                       "2023-06-05,环翠区,出动执法人员,八\n")
    code, msg = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--out", tmp_path / "o", path)
    assert code == 2
    assert f"{path}:4:" in msg and "activities[0].persons" in msg and "整数" in msg


def test_activity_files_must_agree_on_the_district_list(tmp_path):
    other = write(tmp_path / "b.yaml", "city: 威海市\ndistricts: [环翠区]\n")
    code, msg = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--out", tmp_path / "o",
                    BUREAU / "activity-gongmao.yaml", other)
    assert code == 2 and "b.yaml" in msg and "区市名单" in msg


def test_districts_option_supplies_the_list(tmp_path):
    lst = write(tmp_path / "d.yaml", "city: 威海市\ndistricts: [环翠区, 文登区, 荣成市, 乳山市]\n")
    code, msg = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--format", "json",
                    "--out", tmp_path / "o", "--districts", lst, BUREAU / "findings-gongmao-2023-06.json")
    assert code == 0, msg
    code, msg = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--out", tmp_path / "o",
                    BUREAU / "findings-gongmao-2023-06.json")
    assert code == 2 and "区市名单" in msg


def test_unrecognised_input(tmp_path):
    path = write(tmp_path / "x.yaml", "foo: 1\n")
    code, msg = run(tally, "--checklist", "gongmao-2023", "--period", "2023-06", "--out", tmp_path / "o", path)
    assert code == 2 and "x.yaml" in msg and "无法识别的输入" in msg
