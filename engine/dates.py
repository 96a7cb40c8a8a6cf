"""Dates and reporting periods.

The notice writes dates three ways and evidence files copy whichever the clerk had at hand:
2023-06-06 (ISO), 2023.06.06 (the ledger's own form, 附件2) and 2023年6月6日. All three are
accepted; anything else, or an impossible day such as 2023-13-01, is an error naming the value.

Periods (month / quarter / half-year / year) are what frequency duties are counted in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

_FORMS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
]
_MONTH = re.compile(r"^(\d{4})[-.年/](\d{1,2})月?$")


class BadDate(ValueError):
    pass


# Python's dates: year 1 to 9999. Inside that range every date is accepted and written as it is
# (the .xlsx writer keeps its zip entry times within the ZIP format's 1980-2107 by itself).
MIN_YEAR, MAX_YEAR = 1, 9999


def parse_date(value) -> date:
    """Parse one of the accepted date forms; raise BadDate with a Chinese message otherwise."""
    if isinstance(value, datetime):
        return value.date()   # a date field holds days only, so comparisons never mix the two
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return _parse_text(value)
    raise BadDate(f"应为日期（如 2023-06-06、2023.06.06 或 2023年6月6日），得到 {value!r}")


@lru_cache(maxsize=4096)
def _parse_text(value: str) -> date:
    """Cached: checklist deadlines and windows are re-read for every enterprise."""
    if not isinstance(value, str):
        raise BadDate(f"应为日期（如 2023-06-06、2023.06.06 或 2023年6月6日），得到 {value!r}")
    text = value.strip()
    for form in _FORMS:
        m = form.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if not MIN_YEAR <= y <= MAX_YEAR:
                raise BadDate(f"日期 “{value}” 超出可处理的范围（{MIN_YEAR:04d}-01-01 至 {MAX_YEAR}-12-31）")
            try:
                return date(y, mo, d)
            except ValueError:
                raise BadDate(f"不存在的日期 “{value}”") from None
    raise BadDate(f"无法识别的日期 “{value}”，应为 2023-06-06、2023.06.06 或 2023年6月6日")


def parse_month(value) -> tuple[int, int]:
    """'2023-06', '2023.06', '2023年6月' -> (2023, 6)."""
    m = _MONTH.match(str(value).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise BadDate(f"无法识别的月份 “{value}”，应为 2023-06 这样的年月")
    if not MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        raise BadDate(f"月份 “{value}” 超出可处理的范围（{MIN_YEAR:04d}-01 至 {MAX_YEAR}-12）")
    return int(m.group(1)), int(m.group(2))


def ledger_form(d: date) -> str:
    """The way the notice writes a date in the ledger: 2023.06.06."""
    return f"{d.year:04d}.{d.month:02d}.{d.day:02d}"


def chinese_form(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# ---- periods -------------------------------------------------------------------------------

PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_QUARTERS = "一二三四"


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive
    unit: str

    @property
    def label(self) -> str:
        y = self.start.year
        if self.unit == "month":
            return f"{y}年{self.start.month}月"
        if self.unit == "quarter":
            return f"{y}年第{_QUARTERS[(self.start.month - 1) // 3]}季度"
        if self.unit == "half":
            return f"{y}年{'上' if self.start.month <= 6 else '下'}半年"
        return f"{y}年"

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


def _month_end(y: int, m: int) -> date:
    if m == 12:
        return date(y, 12, 31)
    return date.fromordinal(date(y, m + 1, 1).toordinal() - 1)


def period_of(d: date, unit: str) -> Period:
    span = PERIOD_MONTHS[unit]
    first = ((d.month - 1) // span) * span + 1
    return Period(date(d.year, first, 1), _month_end(d.year, first + span - 1), unit)


@lru_cache(maxsize=1024)
def periods_overlapping(start: date, end: date, unit: str) -> tuple[Period, ...]:
    """Every calendar period of the unit that overlaps [start, end], in order."""
    out = []
    p = period_of(start, unit)
    while p.start <= end:
        out.append(p)
        if p.end >= date.max:
            break
        nxt = p.end.toordinal() + 1
        p = period_of(date.fromordinal(nxt), unit)
    return tuple(out)
