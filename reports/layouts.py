"""The forms as data: metrics.yaml (how each number is computed) and one layout per table.

Wording, units and cell placement follow the notice and live in YAML so that a clerk comparing
with the notice reads the same words, and a change of form is a data change, not a code change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from yinhuan.errors import InputError
from yinhuan.loader import load_file

LAYOUTS = Path(__file__).parent / "layouts"


@lru_cache(maxsize=None)
def _yaml(name: str) -> dict:
    return load_file(LAYOUTS / f"{name}.yaml", aliases=True).data


def metrics() -> dict[str, dict]:
    return _yaml("metrics")["metrics"]


def checks() -> list[dict]:
    return _yaml("metrics")["checks"]


def layout(name: str) -> dict:
    if not (LAYOUTS / f"{name}.yaml").is_file():
        known = sorted(p.stem for p in LAYOUTS.glob("*.yaml") if p.stem not in ("metrics",))
        raise InputError(f"没有名为 “{name}” 的调度表版式（已有：{'、'.join(known)}）")
    return _yaml(name)


def cells(lay: dict) -> list[dict]:
    """Every cell of a layout in reading order: {metrics, label, unit, table/section, format}."""
    out = []
    for table in lay.get("tables", []):
        for col in table["columns"]:
            out.append({"metrics": [col["metric"]], "label": col["heading"], "unit": col["unit"],
                        "part": table["name"], "group": col.get("group")})
    for section in lay.get("sections", []):
        for item in section["items"]:
            ms = item.get("metrics") or [item["metric"]]
            out.append({"metrics": ms, "label": item["label"], "unit": None, "part": section["name"],
                        "format": item.get("format"), "split": item.get("split")})
    return out


def metric_keys(lay: dict) -> list[str]:
    """The metrics a layout shows, in order, each once."""
    seen: list[str] = []
    for c in cells(lay):
        for m in c["metrics"]:
            if m not in seen:
                seen.append(m)
    return seen


def flat_columns(lay: dict) -> list[tuple[str, str, str]]:
    """(part, metric, title) for every number the layout files, one column each: the CSV, JSON
    and per-district sheet. A form cell holding two numbers uses its `split` titles."""
    out = []
    for c in cells(lay):
        if len(c["metrics"]) == 1:
            out.append((c["part"], c["metrics"][0], column_title(c)))
        else:
            out.extend((c["part"], m, t) for m, t in zip(c["metrics"], c["split"]))
    return out


def column_title(cell: dict) -> str:
    """A one-line name for a cell: the heading with its unit, as CSV and JSON columns."""
    if cell["unit"]:
        return f"{cell['label']}（{cell['unit']}）"
    return cell["label"]


@dataclass(frozen=True)
class Checklist:
    """What tally needs from a checklist: its id, the layout and the campaign window."""

    id: str
    layout: str
    window_from: date
    window_to: date
    file: str | None


def resolve_checklist(ref: str, book=None) -> Checklist:
    """--checklist: a checklist id, read from the rulebook (default the shipped one; `book` for a
    rule author's, see yinhuan.rulebook_choice), which validates it and resolves what a combined
    checklist (duty + criteria) inherits from those it includes, dispatch layout too."""
    from yinhuan.rulebook import shipped_rulebook
    cl = (book or shipped_rulebook()).checklist(ref)
    name = cl.dispatch.get("layout") or cl.id
    layout(name)  # the layout must exist
    return Checklist(id=cl.id, layout=name, window_from=cl.window[0], window_to=cl.window[1], file=cl.doc.file)
