"""Compute the dispatch-table numbers, each as the set of items behind it.

Every cell is a Cell: a map from an item's identity to the Item (its weight and where it came
from). The number filed is the size (or the sum of weights) of that set, and `--explain` prints
the same set, so provenance is never a second implementation that could drift from the figures.
Identity is what makes the notice's counting rules hold by construction:
- 家: the 统一社会信用代码, so an enterprise inspected twice with the same failure counts once;
- 个 (hazards): (credit code, hazard id), so a ledger sent twice counts once;
- 项 (problems): (credit code, rule);
- activity records: the record itself (its weight is count/persons/amount), except 家 kinds
  (责令停产整顿, 曝光约谈联合惩戒) which count distinct credit codes.
合计 is the union of the districts' sets, computed by the same code.

A bureau tallies 100,000 enterprises, about 30 problems each: the numbers are computed from compact
Counts (each item's key and weight; for 项 problems, whose keys are unique by construction, only
the total), and the worded items behind one cell (label, sources) are built by running the same
source again with wording on, only when `--explain` (or the web) asks for that cell. So memory
does not grow with what the explanations would say.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from yinhuan.dates import BadDate, parse_month, period_of
from yinhuan.errors import InputError

from . import layouts
from .activity import Bureau, not_listed
from .hazards import Hazard, merge
from .inputs import Inputs, Result

PASS, FAIL = "符合", "不符合"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    month: tuple[int, int]
    cumulative: bool

    @property
    def label(self) -> str:
        y, m = self.month
        if self.cumulative:
            return f"{self.start.year}年{self.start.month}月{self.start.day}日至{y}年{m}月{self.end.day}日累计"
        return f"{y}年{m}月"

    @property
    def slug(self) -> str:
        y, m = self.month
        return f"{y:04d}-{m:02d}" + ("-累计" if self.cumulative else "")

    def contains(self, d: date | None) -> bool:
        return d is not None and self.start <= d <= self.end


def make_period(month: str, cumulative: bool, window_from: date, window_to: date) -> Period:
    """--period 2023-06: that month; with --cumulative from the campaign's start to its end."""
    try:
        y, m = parse_month(month)
    except BadDate as exc:
        raise InputError(str(exc), None, None, "--period") from None
    first = date(y, m, 1)
    last = period_of(first, "month").end
    if last < window_from or first > window_to:
        raise InputError(f"{y}年{m}月不在专项行动期间（{window_from} 至 {window_to}）", None, None, "--period")
    start = window_from if cumulative else max(first, window_from)
    return Period(start=start, end=min(last, window_to), month=(y, m), cumulative=cumulative)


@dataclass
class Item:
    key: tuple
    weight: int | Decimal
    label: str
    sources: list[str] = field(default_factory=list)


@dataclass
class Cell:
    """The items behind one number. value is their count or sum; yes_no cells say 是/否."""

    measure: str = "count"
    items: dict[tuple, Item] = field(default_factory=dict)

    def add(self, key: tuple, weight, label: str, source: str) -> None:
        item = self.items.get(key)
        if item is None:
            self.items[key] = Item(key, weight, label, [source])
        elif source not in item.sources:
            item.sources.append(source)

    @property
    def value(self):
        if self.measure == "yes_no":
            return "是" if self.items else "否"
        total = sum((i.weight for i in self.items.values()), 0)
        return total

    @staticmethod
    def union(cells: list["Cell"], measure: str) -> "Cell":
        out = Cell(measure)
        for c in cells:
            for key, item in c.items.items():
                for s in item.sources:
                    out.add(key, item.weight, item.label, s)
        return out


class Count:
    """The number behind one cell without its wording: each item's key and weight (the first
    seen, as Cell keeps), or, when the source yields every key once (`unique`), only the total."""

    __slots__ = ("measure", "weights", "total", "unique")

    def __init__(self, measure: str = "count", unique: bool = False):
        self.measure = measure
        self.weights: dict = {}
        self.total = 0
        self.unique = unique

    def add(self, key: tuple, weight) -> None:
        if self.unique:
            self.total += weight
            return
        if len(key) == 1:   # 家 counts: the credit code itself, not a tuple around it per enterprise
            key = key[0]
        if key not in self.weights:
            self.weights[key] = weight

    @property
    def value(self):
        if self.measure == "yes_no":
            return "是" if (self.total if self.unique else self.weights) else "否"
        return self.total if self.unique else sum(self.weights.values(), 0)

    @staticmethod
    def union(counts: list["Count"], measure: str) -> "Count":
        """合计: each key once over the districts (unique keys: the totals add up)."""
        out = Count(measure, unique=bool(counts) and all(c.unique for c in counts))
        if out.unique:
            out.total = sum((c.total for c in counts), 0)
            return out
        weights = out.weights
        for c in counts:
            for key, weight in c.weights.items():
                if key not in weights:
                    weights[key] = weight
        return out


@dataclass
class Tally:
    checklist: layouts.Checklist
    layout: dict
    bureau: Bureau
    period: Period
    cells: dict[str, dict[str, Count]]  # metric -> district -> Count
    rulebook: dict | None = None        # what the checklist was read from (rulebook_choice.Choice.to_json)
    sources: "Sources | None" = None    # what the counts were computed from, to word a cell again

    def cell(self, metric: str, district: str | None = None) -> Cell:
        """The items behind one number, worded (labels and sources): the metric's source is run
        again with wording on. Its value is the Count's, by construction."""
        per = {d: Cell(_measure(metric)) for d in self.bureau.districts}
        for d, key, weight, label, source in self.sources.items(metric, worded=True):
            per[d].add(key, weight, label, source)
        if district is None:
            return Cell.union([per[d] for d in self.bureau.districts], _measure(metric))
        return per[district]

    def count(self, metric: str, district: str | None = None) -> Count:
        per = self.cells[metric]
        if district is None:
            return Count.union([per[d] for d in self.bureau.districts], _measure(metric))
        return per[district]

    def value(self, metric: str, district: str | None = None):
        return self.count(metric, district).value

    def rows(self) -> list[tuple[str, dict]]:
        """One row per district, then 合计: (label, {metric: value}) for every metric."""
        out = [(d, {m: self.value(m, d) for m in self.cells}) for d in self.bureau.districts]
        out.append((self.layout.get("total_label", "合计"), {m: self.value(m) for m in self.cells}))
        return out


def _measure(metric: str) -> str:
    spec = layouts.metrics()[metric]
    return spec.get("measure", "count")


# ---- the sources ---------------------------------------------------------------------------

def _ent(name: str, code: str, district: str) -> str:
    return f"{name}（{code}，{district}）"


def _result_source(r: Result, rule: str | None = None) -> str:
    mode = r.mode or "未注明方式"
    s = f"{r.where}：{r.date.isoformat()} {mode}"
    if rule:
        s += f"，规则 {rule}"
    if r.evidence_file:
        s += f"（证据 {r.evidence_file}）"
    return s


def _inspections(spec, results, period, worded):
    for r in results:
        if period.contains(r.date) and r.mode in spec["modes"]:
            if not worded:
                yield r.district, (r.credit_code,), 1, None, None
                continue
            yield r.district, (r.credit_code,), 1, _ent(r.name, r.credit_code, r.district), _result_source(r)


def _findings(spec, results, period, worded):
    counter = spec["counter"]
    for r in results:
        if not (period.contains(r.date) and r.mode in spec["modes"]):
            continue
        for rule, counters in r.failures:
            if counter in counters:
                if not worded:      # the enterprise counts once: its other failures add only sources
                    yield r.district, (r.credit_code,), 1, None, None
                    break
                yield r.district, (r.credit_code,), 1, _ent(r.name, r.credit_code, r.district), _result_source(r, rule)


def _problems(spec, results, period, worded):
    """Each (enterprise, rule) is yielded by one district only, and consecutively: unworded, once."""
    history = defaultdict(list)  # credit code -> results up to the period end, oldest first
    for r in sorted(results, key=lambda r: (r.date, r.file, r.index)):
        if r.date <= period.end:
            history[r.credit_code].append(r)
    for code, rs in history.items():
        first_fail: dict[str, Result] = {}
        for r in rs:
            if period.contains(r.date) and r.mode in spec["modes"]:
                for rule, _ in r.failures:
                    first_fail.setdefault(rule, r)
        for rule, r in sorted(first_fail.items()):
            label = f"{_ent(r.name, code, r.district)} 规则 {rule}" if worded else None
            if not spec.get("rectified"):
                yield r.district, (code, rule), 1, label, _result_source(r, rule) if worded else None
                continue
            decided = [x for x in rs if x.status_of(rule) in (PASS, FAIL)]
            last = decided[-1]
            if last.status_of(rule) == PASS and last.date > r.date:
                if not worded:
                    yield r.district, (code, rule), 1, None, None
                    continue
                yield r.district, (code, rule), 1, label, _result_source(r, rule)
                yield r.district, (code, rule), 1, label, "整改后复查符合：" + _result_source(last, rule)


def _hazards(spec, hazards: list[Hazard], period):
    for h in hazards:
        if not period.contains(h.found_on) or h.found_by not in spec["found_by"]:
            continue
        if "listed_level" in spec and h.listed_level != spec["listed_level"]:
            continue
        if spec.get("rectified") and not (h.rectified and period.contains(h.rectified_on)):
            continue
        src = f"{h.where}：{h.found_on.isoformat()} {h.found_by}发现"
        if h.listed_level:
            src += f"，{h.listed_by or h.listed_level}挂牌督办（{h.listed_level}）"
        if h.rectified_on:
            src += f"，{h.rectified_on.isoformat()} 已整改"
        label = f"{_ent(h.enterprise, h.credit_code, h.district)} 隐患 {h.id}：{h.description}"
        yield h.district, h.key, 1, label, src


def _activity(spec, activities, period):
    measure = spec.get("measure", "count")
    where = spec.get("where") or {}
    chosen = [a for a in activities if a.kind == spec["kind"]
              and all(getattr(a, k) == v for k, v in where.items())]
    if measure == "latest_persons":   # a stock: the latest figure per district up to the period end
        latest = {}
        for a in sorted(chosen, key=lambda a: (a.date, a.file, a.index)):
            if a.date <= period.end:
                latest[a.district] = a
        chosen = list(latest.values())
    else:
        chosen = [a for a in chosen if period.contains(a.date)]
    for a in chosen:
        src = f"{a.where}：{a.date.isoformat()} {a.kind}"
        detail = [x for x in (a.target, a.enterprise, a.note) if x]
        if detail:
            src += "，" + "，".join(detail)
        if measure == "enterprises":
            yield a.district, (a.credit_code,), 1, _ent(a.enterprise, a.credit_code, a.district), src
            continue
        weight = {"count": a.count, "persons": a.persons, "latest_persons": a.persons,
                  "amount": a.amount, "yes_no": 1}[measure]
        unit = spec["unit"] if measure != "yes_no" else ""
        yield a.district, (a.file, a.index), weight, f"{a.kind} {weight}{unit}（{a.district}）", src


# ---- the tally -----------------------------------------------------------------------------

def _layout_of(checklist_id: str) -> str | None:
    try:
        return layouts.resolve_checklist(checklist_id).layout
    except InputError:
        return None


@dataclass
class Sources:
    """What a tally is computed from; `items(metric)` yields (district, key, weight, label, source)
    for every item behind the metric, label and source None unless worded."""

    results: list[Result]
    hazards: list[Hazard]
    activities: list
    period: Period

    def items(self, metric: str, worded: bool):
        spec = layouts.metrics()[metric]
        src = spec["source"]
        if src == "hazards":
            return _hazards(spec, self.hazards, self.period)
        if src == "activity":
            return _activity(spec, self.activities, self.period)
        return {"inspections": _inspections, "findings": _findings,
                "problems": _problems}[src](spec, self.results, self.period, worded)


def compute(inputs: Inputs, checklist: layouts.Checklist, bureau: Bureau, period: Period) -> Tally:
    """Every metric of metrics.yaml for every district; the formulas are checked before return."""
    for ff in inputs.findings:
        # results of a combined checklist (e.g. gongmao-full-2023) file into the same table
        if ff.checklist != checklist.id and _layout_of(ff.checklist) != checklist.layout:
            raise InputError(f"检查结果来自清单 “{ff.checklist}”，与 --checklist {checklist.id} 的调度表不一致",
                             ff.file, None, "checklist.id")
    sources = Sources(results=inputs.results, hazards=merge(inputs.evidence),
                      activities=[a for af in inputs.activities for a in af.activities], period=period)
    lay = layouts.layout(checklist.layout)
    cells: dict[str, dict[str, Count]] = {}
    for metric, spec in layouts.metrics().items():
        unique = spec["source"] == "problems"
        per = {d: Count(spec.get("measure", "count"), unique) for d in bureau.districts}
        for district, key, weight, _, _ in sources.items(metric, worded=False):
            per[district].add(key, weight)
        cells[metric] = per
    tally = Tally(checklist=checklist, layout=lay, bureau=bureau, period=period, cells=cells, sources=sources)
    check_formulas(tally.rows())
    return tally


class FormulaError(InputError):
    """A table formula does not hold; by construction this means a bug or tampered figures."""


def check_formulas(rows: list[tuple[str, dict]]) -> None:
    for label, values in rows:
        for chk in layouts.checks():
            if "sum" in chk:
                left, right = values[chk["sum"]], sum(values[m] for m in chk["of"])
                ok = left == right
            else:
                left, right = values[chk["le"]], values[chk["than"]]
                ok = left <= right
            if not ok:
                raise FormulaError(f"{label}：表内公式不成立：{chk['text']}（{left} 与 {right}）")


# ---- --explain -----------------------------------------------------------------------------

def find_metric(name: str, lay: dict) -> str:
    """--explain accepts a metric key, a heading or label as printed on the form, or a counter."""
    if name in layouts.metrics():
        return name
    hits: set[tuple[str, ...]] = set()
    for c in layouts.cells(lay):
        if name in (c["label"], layouts.column_title(c)):
            hits.add(tuple(c["metrics"]))
    for key, spec in layouts.metrics().items():
        if spec.get("counter") == name:
            hits.add((key,))
    flat = {m for h in hits for m in h}
    if len(flat) == 1:
        return flat.pop()
    if flat:
        raise InputError(f"“{name}” 对应多个数：{'、'.join(sorted(flat))}，请用其中一个名称", None, None, "--explain")
    raise InputError(f"调度表中没有 “{name}” 这一项；可用表中的列名或指标名（如 {next(iter(layouts.metrics()))}）",
                     None, None, "--explain")


def explain(tally: Tally, metric: str, district: str | None = None) -> str:
    """The items behind one cell, with their sources: the answer to "why is this 7?"."""
    if district is not None and district not in tally.bureau.districts:
        raise InputError(not_listed(district, tally.bureau),
                         None, None, "--district")
    cell = tally.cell(metric, district)
    assert cell.value == tally.value(metric, district)    # one source, worded or not
    spec = layouts.metrics()[metric]
    where = district or f"{tally.bureau.city}{tally.layout.get('total_label', '合计')}"
    names = [layouts.column_title(c) for c in layouts.cells(tally.layout) if metric in c["metrics"]]
    title = names[0] if names else metric
    lines = [f"{tally.layout['title']} · {tally.period.label} · {where}",
             f"{title}（{metric}）= {cell.value}{'' if spec.get('measure') == 'yes_no' else spec['unit']}",
             f"口径：{_describe(spec)}"]
    items = sorted(cell.items.values(), key=lambda i: (str(i.label), i.key))
    if not items:
        lines.append("（无）")
    for n, item in enumerate(items, 1):
        lines.append(f"{n}. {item.label}")
        for s in item.sources:
            lines.append(f"   - {s}")
    return "\n".join(lines)


def _describe(spec: dict) -> str:
    src = spec["source"]
    if src == "inspections":
        return f"期内{'、'.join(spec['modes'])}的企业，按统一社会信用代码去重"
    if src == "findings":
        return f"期内{'、'.join(spec['modes'])}结果中指标 “{spec['counter']}” 不符合的企业，按统一社会信用代码去重"
    if src == "problems":
        base = f"期内{'、'.join(spec['modes'])}发现的不符合项，每家企业每条规则计 1 项"
        return base + ("，其中截至期末复查符合的" if spec.get("rectified") else "")
    if src == "hazards":
        s = f"期内{'或'.join(spec['found_by'])}发现的重大事故隐患，按企业与隐患编号去重"
        if "listed_level" in spec:
            s += f"，挂牌督办层级为{spec['listed_level']}"
        if spec.get("rectified"):
            s += "，其中期内已整改的"
        return s
    return f"局工作记录中 kind 为 {spec['kind']} 的记录（{spec.get('measure', 'count')}）"
