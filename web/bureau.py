"""The bureau's pages: dispatch tables, the cell explanations, the workbook, hazards and charts.

One computation: the numbers are `yinhuan tally --db`'s. The inputs come from the store through
reports.cli.store_inputs (the call `tally --db` makes: the checklist's sector, the hazards' lifecycle
decisions as of the period's end),
the counting is reports.cli.build_tally, the web table is reports.csvjson.tally_data (what the JSON
output holds), the explanation reports.tally.explain (what `tally --explain` prints) and the download
render_tally (the workbook `tally` writes). Nothing is counted here; an inspection finished in the
browser is in the next table shown.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date

from yinhuan.reports import layouts
from yinhuan.reports.cli import build_tally, render_tally, store_inputs
from yinhuan.reports.csvjson import tally_data
from yinhuan.reports.tally import explain

TABLE_CHECKLISTS = (("gongmao-2023", "工贸（冶金等工贸企业）"), ("mine-2023", "非煤矿山"))


@dataclass
class TableView:
    data: dict                 # tally_data: title, period, columns, rows
    parts: list[tuple[str, int]]
    tally: object
    hazards: list


class Tallies:
    """`tally --db` over the store, kept until the store changes: every write to the records is an
    event of the hash chain, so the chain's last sequence number says whether a kept tally is current."""

    def __init__(self, store, size: int = 16):
        self.store, self.size = store, size
        self._kept: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    def _seq(self) -> int:
        from yinhuan.store import models
        with self.store.session() as s:
            head = s.get(models.ChainHead, 1)
            return head.seq if head else 0

    def get(self, checklist: str, period: str, cumulative: bool):
        key = (self._seq(), checklist, period, cumulative)
        with self._lock:
            if key in self._kept:
                return self._kept[key]
        inputs = store_inputs(self.store, checklist, period, cumulative)
        got = build_tally([], checklist, period, cumulative, inputs=inputs)
        with self._lock:
            self._kept = {k: v for k, v in self._kept.items() if k[0] == key[0]}   # older ones are stale
            if len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = got
        return got


def table(tallies: Tallies, checklist: str, period: str, cumulative: bool,
          district: str | None = None) -> TableView:
    """The table; with `district`, only that district's row (an inspector's view)."""
    t, hazards = tallies.get(checklist, period, cumulative)
    data = tally_data(t)
    if district is not None:
        data = dict(data, rows=[r for r in data["rows"] if not r["total"] and r["district"] == district])
    parts: list[tuple[str, int]] = []
    for c in data["columns"]:
        if parts and parts[-1][0] == c["part"]:
            parts[-1] = (c["part"], parts[-1][1] + 1)
        else:
            parts.append((c["part"], 1))
    return TableView(data, parts, t, hazards)


@dataclass
class Source:
    """One source line of a counted item, with what it names: the inspection(s) in the store and the rule."""
    text: str
    inspections: list[tuple[int, str]] = field(default_factory=list)   # (store inspection id, label)
    rule: str | None = None


@dataclass
class ItemView:
    label: str
    weight: object
    credit_code: str | None
    district: str | None
    sources: list[Source]
    rules: list[str]
    hazards: list[tuple[int, str]] = field(default_factory=list)     # (store hazard id, its state)


# how reports.tally labels a hazard: "<enterprise>（code，district） 隐患 H-01：<description>"
_HAZARD = re.compile(r" 隐患 \S+?：(.+)$")
# how reports.tally words an inspection's source: "<where>：2023-06-12 部门检查，规则 GM-…（证据 …）"
_SOURCE = re.compile(r"：(\d{4}-\d{2}-\d{2}) (\S+?)(?:，规则 ([^（\s]+))?(?:（证据 .*）)?$")


def explanation(tallies: Tallies, checklist: str, period: str, cumulative: bool, metric: str,
                district: str | None) -> dict:
    """What `tally --explain METRIC [--district D]` prints, and each item behind the number with links:
    its enterprise, the stored inspections its sources name, and the rule."""
    t, _ = tallies.get(checklist, period, cumulative)
    if metric not in layouts.metrics():
        raise KeyError(metric)
    cell = t.cell(metric, district)
    items = sorted(cell.items.values(), key=lambda i: (str(i.label), i.key))
    views = [_item_view(tallies.store, i) for i in items]
    return {"text": explain(t, metric, district), "value": cell.value, "items": views,
            "metric": metric, "spec": layouts.metrics()[metric]}


def _item_view(store, item) -> ItemView:
    from sqlalchemy import select
    from yinhuan.store import models as m
    code = item.key[0] if item.key and isinstance(item.key[0], str) and len(item.key[0]) == 18 else None
    district = None
    rules: list[str] = []
    if len(item.key) == 2 and isinstance(item.key[1], str) and code:
        rules.append(item.key[1])
    sources = []
    with store.session() as s:
        ent = s.scalar(select(m.Enterprise).where(m.Enterprise.credit_code == code)) if code else None
        if ent is not None:
            district = ent.district
        for text in item.sources:
            src = Source(text)
            hit = _SOURCE.search(text)
            if hit and ent is not None:
                day, mode, src.rule = date.fromisoformat(hit.group(1)), hit.group(2), hit.group(3)
                q = select(m.Inspection).where(m.Inspection.enterprise_id == ent.id, m.Inspection.date == day,
                                               m.Inspection.mode == ("" if mode == "未注明方式" else mode))
                src.inspections = [(i.id, f"{i.date:%Y-%m-%d} {i.mode or '未注明方式'}（{i.checklist_id}）")
                                   for i in s.scalars(q.order_by(m.Inspection.id))]
                if src.rule and src.rule not in rules:
                    rules.append(src.rule)
            sources.append(src)
        hazards = []
        hit = _HAZARD.search(item.label)
        if hit and ent is not None:    # the store's hazard this ledger record was registered as
            hazards = [(h.id, h.state) for h in s.scalars(
                select(m.Hazard).where(m.Hazard.enterprise_id == ent.id, m.Hazard.description == hit.group(1))
                .order_by(m.Hazard.id))]
    return ItemView(item.label, item.weight, code if ent is not None else None, district, sources, rules, hazards)


def workbook(tallies: Tallies, checklist: str, period: str, cumulative: bool) -> tuple[str, bytes]:
    t, hazards = tallies.get(checklist, period, cumulative)
    out = render_tally(t, hazards, ("xlsx",))
    return next(iter(out.items()))


def per_month(hazards: list[dict]) -> tuple[list[str], list[float], list[float]]:
    months = sorted({f"{h['found_on']:%Y-%m}" for h in hazards} |
                    {f"{h['rectified_on']:%Y-%m}" for h in hazards if h.get("rectified_on")})
    found = [sum(1 for h in hazards if f"{h['found_on']:%Y-%m}" == m) for m in months]
    fixed = [sum(1 for h in hazards if h.get("rectified_on") and f"{h['rectified_on']:%Y-%m}" == m) for m in months]
    return months, found, fixed
