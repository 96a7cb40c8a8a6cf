"""Every accepted date form, with one- and two-digit months and days, and what is refused
(issue 11 item 18: a 年月日 form that kept one digit of the day passed every other test)."""
from __future__ import annotations

from datetime import date

import pytest

from yinhuan.dates import BadDate, parse_date
from yinhuan.evidence import from_data
from conftest import GM_PROFILE

CASES = [
    ("2023-06-06", date(2023, 6, 6)), ("2023-6-6", date(2023, 6, 6)),
    ("2023-10-12", date(2023, 10, 12)), ("2023-12-31", date(2023, 12, 31)), ("2023-01-30", date(2023, 1, 30)),
    ("2023.06.06", date(2023, 6, 6)), ("2023.6.6", date(2023, 6, 6)),
    ("2023.10.12", date(2023, 10, 12)), ("2023.11.30", date(2023, 11, 30)), ("2023.1.31", date(2023, 1, 31)),
    ("2023年6月6日", date(2023, 6, 6)), ("2023年10月12日", date(2023, 10, 12)),
    ("2023年12月31日", date(2023, 12, 31)), ("2023年1月20日", date(2023, 1, 20)), ("2023年11月3日", date(2023, 11, 3)),
    (" 2023年10月12日 ", date(2023, 10, 12)),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_accepted_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [
    "2023-10-12x", "2023.10.12 上午", "2023年10月12日前", "2023年10月12", "2023-10-123", "2023.100.12",
    "2023年10月12日12时", "12/10/2023", "2023-10", "二〇二三年十月十二日", "2023-10-12\n1",
])
def test_trailing_text_and_other_forms_refused(text):
    with pytest.raises(BadDate, match="无法识别的日期"):
        parse_date(text)


@pytest.mark.parametrize("text", ["2023-13-01", "2023.02.30", "2023年2月29日", "2023年10月32日"])
def test_impossible_days_refused(text):
    with pytest.raises(BadDate, match="不存在的日期"):
        parse_date(text)


@pytest.mark.parametrize("text,expected", [("2023年10月12日", date(2023, 10, 12)), ("2023.11.28", date(2023, 11, 28))])
def test_forms_reach_the_evidence(text, expected):
    ev = from_data({"enterprise": dict(GM_PROFILE), "inspection": {"date": text, "mode": "部门检查"}})
    assert ev.inspection["date"] == expected
