"""The same numbers as CSV and JSON, for systems that do not read workbooks.

CSV is UTF-8 with a BOM so that Excel on a Chinese Windows opens it without garbling; columns are
the form's own headings with units. JSON keys are the metric names of layouts/metrics.yaml, with
the form's wording alongside, so a program need not parse Chinese headings.
"""
from __future__ import annotations

import json
from decimal import Decimal

from yinhuan import cells

from . import layouts
from .ledger import LedgerRow, export_columns


def plain(v):
    if isinstance(v, Decimal):
        f = float(v)
        return int(f) if f.is_integer() else f
    return v


def _csv_bytes(header: list[str], rows: list[list]) -> bytes:
    return cells.csv_bytes(header, rows)


def tally_csv(tally) -> bytes:
    cols = layouts.flat_columns(tally.layout)
    header = [tally.layout["row_heading"]] + [f"{part}·{title}" if tally.layout["kind"] == "district_tables"
                                              else title for part, _, title in cols]
    body = [[label] + [plain(values[m]) for _, m, _ in cols] for label, values in tally.rows()]
    return _csv_bytes(header, body)


def tally_data(tally) -> dict:
    cols = layouts.flat_columns(tally.layout)
    rows = tally.rows()
    specs = layouts.metrics()
    return {
        "yinhuan_tally": 1,
        "checklist": tally.checklist.id,
        "layout": tally.checklist.layout,
        "title": tally.layout["title"],
        "city": tally.bureau.city,
        "period": {"month": f"{tally.period.month[0]:04d}-{tally.period.month[1]:02d}",
                   "from": tally.period.start.isoformat(), "to": tally.period.end.isoformat(),
                   "cumulative": tally.period.cumulative, "label": tally.period.label},
        "columns": [{"part": p, "metric": m, "title": t, "unit": specs[m]["unit"]} for p, m, t in cols],
        "rows": [{"district": label, "total": n == len(rows),
                  "values": {m: plain(values[m]) for _, m, _ in cols}}
                 for n, (label, values) in enumerate(rows, 1)],
        **({"rulebook": tally.rulebook} if tally.rulebook else {}),
    }


def tally_json(tally) -> bytes:
    return (json.dumps(tally_data(tally), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def ledger_csv(rows: list[LedgerRow]) -> bytes:
    cols = export_columns(rows)
    return _csv_bytes(cols, [[r.values.get(c, "") for c in cols] for r in rows])
