"""The bureau's activity file: the counters no enterprise record can give.

Inspection groups sent, penalties, referrals, government meetings… are the bureau's own work, so
they are kept as one record per action (docs/activity-format.md) and validated like every other
input: JSON Schema for structure (engine/schemas/activity.schema.json), then dates, districts and
credit codes, each error naming the file, line, record and field. The header (`city`,
`districts`) is the bureau's list of 区市: the rows of the dispatch table, and the only districts
any input may name.

YAML/JSON and CSV are accepted. CSV carries the header as leading comment lines
(`# city: 威海市`, `# districts: 环翠区、文登区`) and one record per row; it is turned into the same
document (with line numbers) and validated by the same code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from yinhuan import creditcode
from yinhuan.dates import BadDate, parse_date
from yinhuan.csvread import csv_rows
from yinhuan.errors import InputError
from yinhuan.loader import Document
from yinhuan.validate import validate


@dataclass(frozen=True)
class Bureau:
    """Who files: the city and its 区市 in filing order."""

    city: str
    districts: tuple[str, ...]
    file: str


def not_listed(district: str, bureau: Bureau) -> str:
    return f"区市 “{district}” 不在本局区市名单中（{'、'.join(bureau.districts)}）"


@dataclass(frozen=True)
class Activity:
    file: str
    index: int
    line: int | None
    date: date
    district: str
    kind: str
    count: int = 1
    persons: int | None = None
    amount: Decimal | None = None
    enterprise: str | None = None
    credit_code: str | None = None
    id: str | None = None
    target: str | None = None
    level: str | None = None
    dangerous_work_crime: bool = False
    anonymous: bool = False
    note: str | None = None

    @property
    def where(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        rid = f"（{self.id}）" if self.id else ""
        return f"{loc} activities[{self.index}]{rid}"


@dataclass(frozen=True)
class ActivityFile:
    bureau: Bureau
    activities: tuple[Activity, ...]


def from_document(doc: Document) -> ActivityFile:
    """Validate a parsed activity document and return its records, or raise InputError."""
    validate(doc, "activity")
    data = doc.data
    bureau = Bureau(city=data["city"], districts=tuple(data["districts"]), file=doc.file)
    out = []
    for i, raw in enumerate(data.get("activities") or []):
        path = ("activities", i)
        if raw["district"] not in bureau.districts:
            raise doc.error(not_listed(raw['district'], bureau),
                            path + ("district",))
        try:
            day = parse_date(raw["date"])
        except BadDate as exc:
            raise doc.error(str(exc), path + ("date",)) from None
        code = raw.get("credit_code")
        if code is not None and creditcode.problem(code):
            raise doc.error(creditcode.problem(code), path + ("credit_code",))
        amount = raw.get("amount")
        out.append(Activity(
            file=doc.file, index=i, line=doc.line_of(path), date=day, district=raw["district"],
            kind=raw["kind"], count=raw.get("count", 1), persons=raw.get("persons"),
            amount=Decimal(str(amount)) if amount is not None else None,
            enterprise=raw.get("enterprise"), credit_code=code, id=raw.get("id"),
            target=raw.get("target"), level=raw.get("level"),
            dangerous_work_crime=bool(raw.get("dangerous_work_crime", False)),
            anonymous=bool(raw.get("anonymous", False)), note=raw.get("note")))
    return ActivityFile(bureau=bureau, activities=tuple(out))


# ---- CSV -------------------------------------------------------------------------------------

CSV_INT = {"count", "persons"}
CSV_NUM = {"amount"}
CSV_BOOL = {"dangerous_work_crime", "anonymous"}
_TRUE = {"是", "true", "True", "TRUE", "1", "y", "yes"}
_FALSE = {"否", "false", "False", "FALSE", "0", "n", "no"}
_LIST_SPLIT = re.compile(r"[,，、;；\s]+")


def looks_like_csv(text: str) -> bool:
    """An activity CSV: optional # header lines, then a header row naming date, district and kind."""
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = {c.strip() for c in line.split(",")}
        return {"date", "district", "kind"} <= cells
    return False


def parse_csv(text: str, file: str) -> Document:
    """Turn an activity CSV into the same document a YAML file gives, with line numbers."""
    data: dict = {}
    lines: dict = {(): 1}
    body_start = 0
    all_lines = text.split("\n")  # physical lines only: a lone CR is reported by csv_rows
    for n, line in enumerate(all_lines):
        s = line.strip()
        if not s:
            continue
        if not s.startswith("#"):
            body_start = n
            break
        key, sep, value = s.lstrip("#").partition(":")
        key, value = key.strip(), value.strip()
        if not sep or key not in ("city", "districts"):
            continue  # a plain comment
        lines[(key,)] = n + 1
        data[key] = [d for d in _LIST_SPLIT.split(value) if d] if key == "districts" else value
    else:
        body_start = len(all_lines)
    activities = []
    header = None
    for line_no, row in csv_rows("\n".join(all_lines[body_start:]), file, body_start + 1):
        if header is None:
            header = [h.strip() for h in row]
            continue
        if not any(c.strip() for c in row):
            continue
        i = len(activities)
        lines[("activities", i)] = line_no
        rec: dict = {}
        for col, cell in zip(header, row):
            cell = cell.strip()
            if not col or cell == "":
                continue
            lines[("activities", i, col)] = line_no
            rec[col] = _csv_value(col, cell, file, line_no, i)
        activities.append(rec)
    data["activities"] = activities
    return Document(data=data, file=file, lines=lines)


def _csv_value(col: str, cell: str, file: str, line: int, i: int):
    field = f"activities[{i}].{col}"
    if col in CSV_INT:
        try:
            return int(cell)
        except ValueError:
            raise InputError(f"应为整数，得到 “{cell}”", file, line, field) from None
    if col in CSV_NUM:
        try:
            return float(Decimal(cell))
        except ArithmeticError:
            raise InputError(f"应为数字（万元），得到 “{cell}”", file, line, field) from None
    if col in CSV_BOOL:
        if cell in _TRUE:
            return True
        if cell in _FALSE:
            return False
        raise InputError(f"应为 是 或 否，得到 “{cell}”", file, line, field)
    return cell


def load_activity(path: str | Path) -> ActivityFile:
    """Load an activity file (YAML, JSON or CSV) by content."""
    from .inputs import read_document
    return from_document(read_document(path))
