"""What a check works out before it sees any enterprise: the checklist's window and parameters.

A check kind's `prepare(rule, plan)` reads the rule and this ChecklistPlan once per (rule,
checklist) — deadlines parsed, windows resolved, minimum counts and the wording it will need —
and returns the `decide(sel, evidence, as_of)` that runs for every enterprise. So the per-
enterprise path does no parameter lookups, date parsing or window arithmetic.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from ..dates import parse_date
from ..errors import InputError
from ..evidence import SECTION_OF
from ..findings import INSUFFICIENT


class ChecklistPlan:
    """Checklist-level values a check may read while it is prepared."""

    def __init__(self, checklist):
        self.checklist = checklist

    @property
    def window(self) -> tuple[date, date]:
        return self.checklist.window

    def param(self, name: str):
        if name not in self.checklist.params:
            raise InputError(f"检查清单 {self.checklist.id} 未定义参数 “{name}”")
        return self.checklist.params[name]

    def value(self, v):
        """A rule value that may be {param: name}."""
        if isinstance(v, dict) and set(v) == {"param"}:
            return self.param(v["param"])
        return v

    def date_value(self, v) -> date:
        return parse_date(self.value(v))

    def resolve_window(self, spec) -> tuple[date, date]:
        """campaign | year | {from, to} | {param: name} (a param holding one of those)."""
        spec = self.value(spec) if spec is not None else "campaign"
        start, end = self.window
        if spec == "campaign":
            return start, end
        if spec == "year":
            return date(start.year, 1, 1), date(end.year, 12, 31)
        if isinstance(spec, dict):
            return self.date_value(spec["from"]), self.date_value(spec["to"])
        raise InputError(f"无法识别的时间范围 {spec!r}（应为 campaign、year 或 from/to）")


def fact_date(fact: dict, key: str):
    """The record's date under `key` as a day (a date-time counts on its day), or None."""
    v = fact.get(key)
    return v.date() if isinstance(v, datetime) else v


def section_check(fact_type: str, what: str) -> tuple:
    """(fact type, the 证据不足 verdict when the evidence does not give its section). A check
    tests `fact not in evidence.present` (Evidence.provided, without the call)."""
    section = SECTION_OF[fact_type]
    name = section_names().get(section, section)
    return fact_type, (INSUFFICIENT, f"证据文件未提供{name}（records.{section}），无法核查{what}", (), None)


@lru_cache(maxsize=1)
def section_names() -> dict[str, str]:
    """{records section: its Chinese name} from rules/wording/records.yaml (data, not code)."""
    from ..loader import load_file
    from ..resources import rules_dir
    return load_file(rules_dir() / "wording" / "records.yaml").data
