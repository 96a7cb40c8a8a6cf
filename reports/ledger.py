"""附件2 工贸行业重大事故隐患台账: export from hazard records, and check a ledger row by row.

Rows come either from evidence files (the enterprises' records.hazards, which also carry status,
rectification date and 五到位) or from a ledger a bureau already holds (.xlsx or .csv with the 17
columns of 附件2). Both become LedgerRow, so one `check_rows` validates both; a ledger file lacks
status and 五到位 funds/emergency plan, so for it the checks that need them are narrowed (see
docs/tally.md).

One validator decides what a valid 判定依据 is, for every reader and writer: `catalogue.ledger_basis`
(the citation names a catalogue item at the granularity the standard numbers its items, and the item
applies to the enterprise). `ledger check` reports what it rejects row by row; `ledger export` and
`tally` refuse to write a ledger with such a row (`refuse_bad_basis`). `check_rows` still takes the
validator as a parameter so tests can substitute one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from yinhuan import creditcode
from yinhuan.dates import BadDate, ledger_form, parse_date
from yinhuan import xlsxread
from yinhuan.csvread import csv_rows
from yinhuan.errors import InputError, InputErrors

from . import layouts
from .hazards import Hazard

FIVE = {"responsible": "整改责任人", "measures": "整改措施", "funds": "资金", "deadline": "整改期限",
        "emergency_plan": "应急预案"}


def spec() -> dict:
    return layouts.layout("ledger-2023")


def columns() -> list[str]:
    return list(spec()["columns"])


@dataclass
class LedgerRow:
    """One ledger line: the 17 columns as text, plus what only evidence knows."""

    values: dict[str, str]
    file: str
    line: int | None
    record: str                        # records.hazards[3]（H-1） or 第 5 行
    found_on: date | None = None
    deadline: date | None = None
    rectified: bool | None = None      # None: unknown (a ledger file has no status column)
    five_in_place: dict | None = None  # None: unknown
    hazard: Hazard | None = None
    date_errors: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc} {self.record}"


def _citation(criterion: str | None) -> str:
    """A record that names only its catalogue item (criterion: GM-12-2) gets the exact citation."""
    if not criterion:
        return ""
    from yinhuan.catalogue import load_catalogues
    entry = load_catalogues().entry(criterion)
    return entry.citation if entry else criterion


def row_from_hazard(h: Hazard, city: str | None = None) -> LedgerRow:
    mine = h.sector == "非煤矿山"
    values = {
        "市": h.city or city or "", "县（市、区）": h.county, "企业全称": h.enterprise,
        "统一社会信用代码": h.credit_code,
        "行业": "非煤矿山" if mine else h.industry,
        "领域": "、".join(h.mine_types if mine else h.domains),
        "重大事故隐患描述": h.description, "判定依据": h.basis or _citation(h.criterion),
        "发现时间": ledger_form(h.found_on), "发现方式": h.found_by,
        "现场处置措施": h.onsite_action, "行政处置措施": h.admin_action, "挂牌督办单位": h.listed_by,
        "整改责任人": h.responsible, "整改期限": ledger_form(h.deadline) if h.deadline else "",
        "整改措施": h.measures}
    # the top-level 整改责任人/期限/措施 of a record count towards its 五到位
    five = {"responsible": h.responsible, "measures": h.measures, "deadline": h.deadline}
    five.update({k: x for k, x in h.five_in_place if x not in (None, "")})
    return LedgerRow(values=values, file=h.file, line=h.line, record=f"records.hazards[{h.index}]（{h.id}）",
                     found_on=h.found_on, deadline=h.deadline, rectified=h.rectified,
                     five_in_place=five, hazard=h)


def export_columns(rows: list[LedgerRow]) -> list[str]:
    """附件2's 17 columns, then the optional status columns when the rows carry them (a ledger
    exported from the store for a date says each hazard's 整改状态 on that date)."""
    cols = columns()
    return cols + [c for c in STATUS_COLUMNS if any(c in r.values for r in rows)]


def select(hazards: list[Hazard], month: str | None = None, cumulative: bool = False,
           district: str | None = None) -> list[Hazard]:
    """Hazards found in the month (or, cumulative, up to its end), optionally one district."""
    out = hazards
    if month:
        from .tally import make_period
        p = make_period(month, cumulative, date.min, date.max)
        out = [h for h in out if h.found_on <= p.end and (cumulative or h.found_on >= p.start)]
    if district:
        out = [h for h in out if district in (h.district, h.county)]
    return out


def numbered(rows: list[LedgerRow]) -> list[LedgerRow]:
    for n, r in enumerate(rows, 1):
        r.values["序号"] = str(n)
    return rows


# ---- reading a ledger file -----------------------------------------------------------------

def _norm(text) -> str:
    return re.sub(r"\s+", "", str(text or ""))


# Columns a bureau may add after the 17 of 附件2 so that `ledger check` can tell overdue hazards:
# the notice's form has no status column, so without one a ledger file cannot say what was rectified.
STATUS_COLUMNS = ("整改状态", "完成整改时间")
STATUSES = ("已整改", "整改中", "未整改")
# ... and 隐患部位, which 附件2 has no column for (places are written into 隐患描述): a ledger that names
# the place in its own column lets the store tell two hazards of one 判定依据 at two places apart.
PLACE_COLUMN = "隐患部位"
OPTIONAL_COLUMNS = (*STATUS_COLUMNS, PLACE_COLUMN)


def _header_map(cells: list, file: str, line: int) -> dict[str, int]:
    names = [_norm(c) for c in cells]
    cols = columns()
    present = [n for n in names if n]
    extra = present[len(cols):]
    if present[:len(cols)] != cols or any(x not in OPTIONAL_COLUMNS for x in extra):
        missing = [c for c in cols if c not in names]
        detail = f"缺少列 {'、'.join(missing)}" if missing else f"列名或顺序与附件2不符：{'、'.join(present)}"
        raise InputError(f"台账表头应为附件2的 17 列（{'、'.join(cols)}），其后可加 {'、'.join(OPTIONAL_COLUMNS)}；"
                         f"{detail}", file, line)
    return {n: i for i, n in enumerate(names) if n}


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return ledger_form(value.date())
    if isinstance(value, date):
        return ledger_form(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_table(table: list[tuple[int, list]], file: str) -> list[LedgerRow]:
    """table: (line, cells) pairs. Finds the header row, then reads every non-empty row."""
    header_at = next((k for k, (_, cells) in enumerate(table)
                      if {"序号", "统一社会信用代码"} <= {_norm(c) for c in cells}), None)
    if header_at is None:
        raise InputError("找不到台账表头（含 序号、统一社会信用代码 的行）", file, 1)
    hline, hcells = table[header_at]
    cmap = _header_map(hcells, file, hline)
    out = []
    for line, cells in table[header_at + 1:]:
        values = {c: _cell_text(cells[i]) if i < len(cells) else "" for c, i in cmap.items()}
        if not any(values.values()) or values["序号"] == "示例":
            continue
        row = LedgerRow(values=values, file=file, line=line, record=f"序号 {values['序号'] or '（空）'}")
        _read_status(row, values)
        for col, attr in (("发现时间", "found_on"), ("整改期限", "deadline"), ("完成整改时间", None)):
            if attr is None:
                if values.get(col):
                    try:
                        parse_date(values[col])
                    except BadDate as exc:
                        row.date_errors[col] = str(exc)
                continue
            if values[col]:
                try:
                    setattr(row, attr, parse_date(values[col]))
                except BadDate as exc:
                    row.date_errors[col] = str(exc)
        out.append(row)
    return out


def _read_status(row: LedgerRow, values: dict) -> None:
    """rectified from the optional 整改状态 / 完成整改时间 columns; None when the file has neither."""
    if "整改状态" in values:
        status = values["整改状态"]
        if status in STATUSES:
            row.rectified = status == "已整改"
        elif status:
            row.date_errors["整改状态"] = f"应为 {'、'.join(STATUSES)}，得到 “{status}”"
        else:
            row.rectified = bool(values.get("完成整改时间"))
    elif "完成整改时间" in values:
        row.rectified = bool(values["完成整改时间"])


def read_ledger(path: str | Path) -> list[LedgerRow]:
    """A ledger .xlsx (every sheet whose header is 附件2's) or .csv."""
    p = Path(path)
    if not p.is_file():
        raise InputError("文件不存在", str(path))
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        wb = xlsxread.open_workbook(p)
        try:
            errors, rows, found = [], [], False
            for ws in xlsxread.sheets(wb):  # every sheet with 附件2's header: one per sector
                table = list(xlsxread.rows(ws, str(path)))  # out of bounds: the workbook is refused
                try:
                    rows.extend(_rows_from_table(table, f"{path}[{ws.title}]"))
                    found = True
                except InputError as exc:  # not a ledger sheet
                    errors.append(exc)
            if found:
                return rows
            raise errors[0] if errors else InputError("工作簿为空", str(path))
        finally:
            wb.close()
    from yinhuan.csvtext import read_csv_text
    text = read_csv_text(p)
    if not text.strip():
        raise InputError("台账文件为空：应有附件2的表头行（序号、市、…、整改措施）和每条隐患一行", str(path))
    return _rows_from_table(list(csv_rows(text, str(path))), str(path))


def looks_like_ledger(path: str | Path) -> bool:
    """`ledger check` reads spreadsheets and .csv files as ledgers, YAML/JSON as evidence files."""
    return Path(path).suffix.lower() in (".xlsx", ".xlsm", ".xls", ".csv")


# ---- checking ------------------------------------------------------------------------------

ERROR, OVERDUE, UNKNOWN = "错误", "逾期", "无法判断"


@dataclass(frozen=True)
class Problem:
    row: LedgerRow
    column: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.row.where}: 字段 {self.column}: [{self.severity}] {self.message}"


BasisValidator = Callable[[str, LedgerRow], "str | None"]


def catalogue_basis(basis: str, row: LedgerRow) -> str | None:
    """The one 判定依据 check (yinhuan.catalogue.ledger_basis), imported when first used."""
    from yinhuan.catalogue import ledger_basis
    return ledger_basis(basis, row)


def refuse_bad_basis(rows: list[LedgerRow]) -> None:
    """Writers call this before writing a ledger: every row whose 判定依据 the catalogue rejects
    (or that has none) is one error naming the record, and nothing is written."""
    errors = []
    for row in rows:
        basis = row.values.get("判定依据", "")
        msg = catalogue_basis(basis, row) if basis else "判定依据未填写（basis 或 criterion）"
        if msg:
            h = row.hazard
            where = (h.basis_line or row.line, f"records.hazards[{h.index}].{'basis' if h.basis else 'criterion'}") \
                if h else (row.line, "判定依据")
            errors.append(InputError(f"{row.record}: {msg}", row.file, *where))
    if errors:
        raise InputErrors(errors)


def check_rows(rows: list[LedgerRow], as_of: date,
               basis_validator: BasisValidator = catalogue_basis) -> list[Problem]:
    """Every problem of every row, in row order; overdue hazards are flagged as 逾期."""
    out: list[Problem] = []
    allowed = spec()["found_by"]
    for row in rows:
        v = row.values
        def bad(col, msg, sev=ERROR):
            out.append(Problem(row, col, msg, sev))
        for col in ("企业全称", "重大事故隐患描述", "判定依据", "发现时间", "发现方式"):
            if not v.get(col):
                bad(col, "不能为空")
        code_problem = creditcode.problem(v.get("统一社会信用代码", ""))
        if code_problem:
            bad("统一社会信用代码", code_problem)
        if v.get("发现方式") and v["发现方式"] not in allowed:
            bad("发现方式", f"应为 {' 或 '.join(allowed)}，得到 “{v['发现方式']}”")
        if v.get("判定依据"):
            msg = basis_validator(v["判定依据"], row)
            if msg:
                bad("判定依据", msg)
        for col, msg in row.date_errors.items():
            bad(col, msg)
        if row.found_on and row.deadline and row.deadline < row.found_on:
            bad("整改期限", f"整改期限 {ledger_form(row.deadline)} 早于发现时间 {ledger_form(row.found_on)}")
        if row.five_in_place is None:
            # a ledger file: 五到位 as far as the ledger carries it (责任人、期限、措施)
            if not row.rectified:
                for col in ("整改责任人", "整改期限", "整改措施"):
                    if not v.get(col) and col not in row.date_errors:
                        bad(col, "五到位不完整：未填写")
        elif not row.rectified:
            five = row.five_in_place or {}
            missing = [FIVE[k] for k in FIVE if five.get(k) in (None, "")]
            if missing:
                bad("五到位", f"未整改的重大事故隐患五到位不完整，缺少 {'、'.join(missing)}")
        if row.deadline and row.deadline < as_of:
            if row.rectified is False:
                bad("整改期限", f"已逾期：整改期限 {ledger_form(row.deadline)} 早于 {ledger_form(as_of)}，尚未整改",
                    OVERDUE)
            elif row.rectified is None:
                bad("整改期限", f"整改期限 {ledger_form(row.deadline)} 已过（截至 {ledger_form(as_of)}），但台账没有"
                    f"整改状态列，无法判断是否已整改", UNKNOWN)
    return out
