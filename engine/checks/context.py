"""What a check needs to know besides the matched facts: the enterprise, the checklist's window
and parameters, the evaluation date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..dates import parse_date
from ..errors import InputError
from ..evidence import SECTION_OF
from ..findings import INSUFFICIENT, Outcome


@dataclass
class CheckContext:
    evidence: object          # yinhuan.evidence.Evidence
    checklist: object         # yinhuan.rulebook.Checklist
    as_of: date

    @property
    def window(self) -> tuple[date, date]:
        return self.checklist.window

    def provided(self, fact_type: str) -> bool:
        return self.evidence.provided(fact_type)

    def plan(self, rule, make):
        """What a check works out from the rule and the checklist alone (deadline, window, minimum
        count), made once per checklist by `make(rule, ctx)` and reused for every enterprise."""
        memo = self.checklist.__dict__.setdefault("_plans", {})
        key = (rule.id, make)
        if key not in memo:
            memo[key] = make(rule, self)
        return memo[key]

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
        """campaign | year | {from, to} | {param: name} (a param holding one of those).

        Depends only on the checklist, so it is worked out once per checklist and spec, not once
        per enterprise."""
        memo = self.checklist.__dict__.setdefault("_windows", {})
        key = spec if isinstance(spec, str) or spec is None else repr(spec)
        if key not in memo:
            memo[key] = self._window(spec)
        return memo[key]

    def _window(self, spec) -> tuple[date, date]:
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
    v = fact.get(key)
    if v is None:
        return None
    return v.date() if hasattr(v, "date") and callable(v.date) else v


def missing_section(ctx: CheckContext, fact_type: str, what: str):
    return Outcome(INSUFFICIENT, lambda: f"证据文件未提供 records.{SECTION_OF[fact_type]}，无法核查{what}")
