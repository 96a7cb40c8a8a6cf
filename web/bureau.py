"""The bureau's pages: dispatch tables, the cell explanations, the workbook, hazards and charts.

One computation: the numbers come from reports.cli.build_tally (what `yinhuan tally` runs), the
web table from reports.csvjson.tally_data (what the JSON output holds), the explanation from
reports.tally.explain (what `tally --explain` prints) and the download from render_tally (the
workbook `tally` writes). Nothing is counted here.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from yinhuan.reports import layouts
from yinhuan.reports.cli import build_tally, render_tally
from yinhuan.reports.csvjson import tally_data
from yinhuan.reports.tally import explain

TABLE_CHECKLISTS = (("gongmao-2023", "工贸（冶金等工贸企业）"), ("mine-2023", "非煤矿山"))


@dataclass
class TableView:
    data: dict                 # tally_data: title, period, columns, rows
    parts: list[tuple[str, int]]
    tally: object
    hazards: list


def table(inputs: tuple, checklist: str, period: str, cumulative: bool) -> TableView:
    t, hazards = _tally(inputs, checklist, period, cumulative)
    data = tally_data(t)
    parts: list[tuple[str, int]] = []
    for c in data["columns"]:
        if parts and parts[-1][0] == c["part"]:
            parts[-1] = (c["part"], parts[-1][1] + 1)
        else:
            parts.append((c["part"], 1))
    return TableView(data, parts, t, hazards)


@lru_cache(maxsize=32)
def _tally(inputs: tuple, checklist: str, period: str, cumulative: bool):
    """Cached per (inputs, checklist, period): the files are read-only demo/bureau inputs."""
    return build_tally(list(inputs), checklist, period, cumulative)


def explanation(inputs: tuple, checklist: str, period: str, cumulative: bool, metric: str,
                district: str | None) -> dict:
    t, _ = _tally(inputs, checklist, period, cumulative)
    if metric not in layouts.metrics():
        raise KeyError(metric)
    cell = t.cell(metric, district)
    items = sorted(cell.items.values(), key=lambda i: (str(i.label), i.key))
    return {"text": explain(t, metric, district), "value": cell.value, "items": items,
            "metric": metric, "spec": layouts.metrics()[metric]}


def workbook(inputs: tuple, checklist: str, period: str, cumulative: bool) -> tuple[str, bytes]:
    t, hazards = _tally(inputs, checklist, period, cumulative)
    out = render_tally(t, hazards, ("xlsx",))
    return next(iter(out.items()))


def per_month(hazards: list[dict]) -> tuple[list[str], list[float], list[float]]:
    months = sorted({f"{h['found_on']:%Y-%m}" for h in hazards} |
                    {f"{h['rectified_on']:%Y-%m}" for h in hazards if h.get("rectified_on")})
    found = [sum(1 for h in hazards if f"{h['found_on']:%Y-%m}" == m) for m in months]
    fixed = [sum(1 for h in hazards if h.get("rectified_on") and f"{h['rectified_on']:%Y-%m}" == m) for m in months]
    return months, found, fixed
