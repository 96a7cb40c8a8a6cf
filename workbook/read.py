"""Read a filled self-check workbook back as one enterprise's evidence.

Every cell is validated again on reading — a spreadsheet's drop-downs are bypassed by pasting — and
every problem is reported in one pass, each naming the sheet, the cell, the value found, the values
allowed and the nearest allowed one. Unknown sheets, unknown columns and unknown profile items are
reported, never ignored. Values are read as the cells hold them (a real Excel date, or text in one
of the date forms the CLI accepts), so a workbook saved again by LibreOffice or openpyxl reads the
same. What comes out is the evidence dict the YAML format has; it then goes through the same schema
and semantic checks as a YAML file, with each problem located at its cell.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from yinhuan import creditcode
from yinhuan.dates import BadDate, parse_date
from yinhuan.errors import InputError, InputErrors
from yinhuan.evidence import Evidence, from_document, parse_datetime
from yinhuan.loader import Document
from yinhuan.validate import schema_errors

from . import layout as L
from .safe import open_workbook, rows as bounded_rows
from .write import (ANSWERS, HEADER_ROW, HINT_ROW, INSTRUCTIONS, JUDGEMENTS, LISTS, NONE_MARK, PROFILE,
                    SETTINGS, JUDGEMENT_COLUMNS, _hint)

REQUIRED_MARK = "（必填）"
_JUDGEMENT_READ = {"规则编号": "rule", "回答": "answer", "说明": "note", "回答人": "by", "回答日期": "at"}


class CellError(InputError):
    """A bad cell: names the sheet and the cell (A1 notation) instead of a line."""

    def __init__(self, message: str, file: str, sheet: str, cell: str | None = None):
        super().__init__(message, file=file, field=f"{sheet}!{cell}" if cell else sheet)
        self.sheet, self.cell = sheet, cell

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”" + (f" 单元格 {self.cell}" if self.cell else "")
        return f"{self.file}: {where}：{self.message}"


def nearest(value: str, allowed) -> str | None:
    match = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1, cutoff=0.3)
    return match[0] if match else None


def not_allowed(value, allowed, what: str = "值", unknown: bool = False) -> str:
    """'值“正式工”不在允许的值中（允许：…）；是否应为“正式”？' — or '未知的列名“…”（允许：…）…'."""
    near = nearest(value, allowed)
    hint = f"；是否应为“{near}”？" if near else ""
    head = f"未知的{what}“{value}”" if unknown else f"{what}“{value}”不在允许的值中"
    return f"{head}（允许：{'、'.join(map(str, allowed))}）{hint}"


class BadCell(ValueError):
    pass


@dataclass
class WorkbookInfo:
    """What the hidden settings sheet says, and the warnings reading it produced."""

    checklist: str
    version: str         # the rules' digest when it was made
    digest: str          # the layout's digest when it was made
    warnings: list = field(default_factory=list)

    def for_checklist(self, checklist_id: str, file: str) -> list[str]:
        """The warnings to show when this workbook is checked against checklist_id; a workbook
        made for another checklist is refused."""
        if checklist_id != self.checklist:
            raise InputError(f"此自查表是为检查清单 {self.checklist} 生成的，不能用于 {checklist_id}"
                             f"（请用 yinhuan template --checklist {checklist_id} 重新生成）", file=file)
        return list(self.warnings)


class WorkbookDocument(Document):
    """A Document whose paths are located at cells: schema and semantic errors raised through
    Document.error name the sheet and cell."""

    def __init__(self, data, file: str, cells: dict):
        super().__init__(data=data, file=file, lines={})
        self.cells = cells

    def error(self, message: str, path: tuple | list = (), field: str | None = None) -> InputError:
        p = tuple(path)
        while p and p not in self.cells:
            p = p[:-1]
        sheet, cell = self.cells.get(p, (PROFILE, None))
        return CellError(message, self.file, sheet, cell)


# ---- cell values -------------------------------------------------------------------------------

def _text(value) -> str:
    if isinstance(value, bool):
        raise BadCell(f"应为文字，得到逻辑值 {value}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _one(column: L.Column, value):
    if column.kind == "boolean":
        if isinstance(value, bool):
            return value
        text = _text(value)
        if text in ("是", "否"):
            return text == "是"
        raise BadCell(not_allowed(text, ("是", "否")))
    if column.kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise BadCell(f"应为数字，得到“{_text(value)}”")
        if isinstance(value, str):
            try:
                value = float(value.strip().replace(",", ""))
            except ValueError:
                raise BadCell(f"应为数字，得到“{value}”") from None
        if column.kind == "integer":
            if not float(value).is_integer():
                raise BadCell(f"应为整数，得到 {value}")
            return int(value)
        return int(value) if float(value).is_integer() and isinstance(value, int) else value
    if column.kind == "date":
        if isinstance(value, (datetime, date)):
            return parse_date(value).isoformat()
        if isinstance(value, (int, float)):
            raise BadCell(f"应为日期，得到数字 {_text(value)}（单元格可能不是日期格式；可写 2023-06-06）")
        try:
            return parse_date(_text(value)).isoformat()
        except BadDate as exc:
            raise BadCell(str(exc)) from None
    if column.kind == "datetime":
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M") if value.time() != datetime.min.time() else value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, (int, float)):
            raise BadCell(f"应为日期时间，得到数字 {_text(value)}（可写 2023-06-06 08:30）")
        text = _text(value)
        try:
            parse_datetime(text)
        except BadDate as exc:
            raise BadCell(str(exc)) from None
        return text
    if column.kind == "text_or_number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else value
    text = _text(value)
    if column.enum and text not in column.enum:
        canonical = dict(column.aliases).get(text)
        if canonical is not None:
            return canonical
        raise BadCell(not_allowed(text, column.enum))
    return text


def convert(column: L.Column, value):
    """A cell's value as the evidence format holds it; BadCell says what is wrong."""
    if (column.is_list or column.nullable) and isinstance(value, str) and value.strip() == L.NONE_VALUE:
        return [] if column.is_list else None
    if column.is_list:
        text = _text(value)
        for sep in L.LIST_SEPARATORS[1:]:
            text = text.replace(sep, L.LIST_SEPARATORS[0])
        items = [x.strip() for x in text.split(L.LIST_SEPARATORS[0]) if x.strip()]
        return [_one(column, x) for x in items]
    return _one(column, value)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _set_path(target: dict, path: tuple, value) -> None:
    for p in path[:-1]:
        target = target.setdefault(p, {})
    target[path[-1]] = value


# ---- the reader --------------------------------------------------------------------------------

class Reader:
    def __init__(self, file: str):
        self.file = file
        self.errors: list[InputError] = []
        self.cells: dict[tuple, tuple] = {}
        self.rejected: set[tuple] = set()
        self.data: dict = {"yinhuan_evidence": 1, "enterprise": {}}

    def bad(self, message: str, sheet: str, cell: str | None = None) -> None:
        self.errors.append(CellError(message, self.file, sheet, cell))

    def value(self, column: L.Column, cell, sheet: str, path: tuple, target: dict) -> None:
        if _blank(cell.value):
            return
        try:
            v = convert(column, cell.value)
        except BadCell as exc:
            self.bad(f"{column.label}：{exc}", sheet, cell.coordinate)
            self.rejected.add(path + column.path)     # reported once: not again as "未填写"
            return
        _set_path(target, column.path, v)
        self.cells[path + column.path] = (sheet, cell.coordinate)

    # -- settings
    def settings(self, ws) -> WorkbookInfo | None:
        values = {}
        for row in _rows(ws, self, SETTINGS):
            if len(row) >= 2 and not _blank(row[0].value):
                values[_text(row[0].value)] = row[1].value
        fmt, checklist = values.get("格式版本"), values.get("检查清单")
        if checklist is None or fmt is None:
            self.bad("不是 yinhuan 生成的自查表：隐藏的“设置”表缺少检查清单或格式版本", SETTINGS)
            return None
        try:
            fmt = int(fmt)
        except (TypeError, ValueError):
            fmt = -1
        if fmt != L.FORMAT:
            self.bad(f"自查表格式版本 {values.get('格式版本')} 不是本程序能读的版本 {L.FORMAT}"
                     f"（请用 yinhuan template 重新生成）", SETTINGS)
            return None
        return WorkbookInfo(checklist=_text(checklist), version=_text(values.get("规则版本") or ""),
                            digest=_text(values.get("表格版本") or ""))

    # -- profile
    def profile(self, ws, lay: L.Layout) -> None:
        by_label = {c.label: c for c in lay.profile}
        everywhere = {c.label: c for c in L.profile_columns(lay.sector, set())}
        seen = set()
        for row in _rows(ws, self, PROFILE):
            if not row or row[0].row < 3 or _blank(row[0].value):
                continue
            label = _text(row[0].value).removesuffix(REQUIRED_MARK)
            column = by_label.get(label) or everywhere.get(label)
            if column is None:
                self.bad(not_allowed(label, list(by_label), "项目", unknown=True), PROFILE, row[0].coordinate)
                continue
            if label in seen:
                self.bad(f"项目“{label}”重复", PROFILE, row[0].coordinate)
                continue
            seen.add(label)
            if len(row) > 1:
                self.value(column, row[1], PROFILE, (), self.data)
            for extra in row[3:]:
                if not _blank(extra.value):
                    self.bad(f"此处不应填写内容（得到“{_text(extra.value)}”）", PROFILE, extra.coordinate)
            self.cells.setdefault(column.path[:1], (PROFILE, row[0].coordinate))
        for c in lay.profile:
            if c.required and c.label not in seen:
                self.bad(f"缺少必填项目“{c.label}”", PROFILE)
            elif (c.required and c.path[0] == "enterprise" and c.path[1] not in self.data["enterprise"]
                  and c.path not in self.rejected):
                self.bad(f"必填项目“{c.label}”未填写", PROFILE, self._profile_cell(ws, c.label))
        self.cells.setdefault(("enterprise",), (PROFILE, None))

    def _profile_cell(self, ws, label: str) -> str | None:
        for row in _rows(ws, None, PROFILE):
            if row and not _blank(row[0].value) and _text(row[0].value).removesuffix(REQUIRED_MARK) == label:
                return f"B{row[0].row}"
        return None

    # -- record sheets
    def records(self, ws, sheet: L.Sheet, out: dict) -> bool:
        """Append the sheet's rows to out[section]; True when the sheet provides its section."""
        name = sheet.name
        rows = list(_rows(ws, self, name))
        status = rows[1][1].value if len(rows) > 1 and len(rows[1]) > 1 else None
        status = None if _blank(status) else _text(status)
        if status is not None and status != NONE_MARK:
            self.bad(f"本表情况：{not_allowed(status, (NONE_MARK,))}（或留空）", name, "B2")
        if len(rows) < HEADER_ROW:
            self.bad("缺少表头行（第 3 行）", name)
            return False
        columns = {}
        for cell in rows[HEADER_ROW - 1]:
            if _blank(cell.value):
                continue
            label = _text(cell.value)
            column = sheet.column(label)
            if column is None:
                self.bad(not_allowed(label, [c.label for c in sheet.columns], "列名", unknown=True), name, cell.coordinate)
            elif column in columns.values():
                self.bad(f"列名“{label}”重复", name, cell.coordinate)
            else:
                columns[cell.column] = column
        for c in sheet.columns:
            if c.required and c not in columns.values():
                self.bad(f"缺少必填列“{c.label}”", name, f"{_letter(len(rows[HEADER_ROW - 1]) + 1)}{HEADER_ROW}")
        data_rows = rows[HINT_ROW - 1:]
        if data_rows and self._is_hint_row(data_rows[0], columns):
            data_rows = data_rows[1:]
        found = []
        for row in data_rows:
            cells = [c for c in row if not _blank(c.value)]
            if not cells:
                continue
            for c in cells:
                if c.column not in columns:
                    self.bad(f"此列没有列名，值“{_text(c.value)}”无处可放", name, c.coordinate)
            found.append(row)
        if status == NONE_MARK and found:
            self.bad(f"本表情况选了“{NONE_MARK}”，但表中有 {len(found)} 行记录", name, "B2")
        section = sheet.section
        for row in found:
            record: dict = {}
            index = len(out.setdefault(section, []))
            path = ("records", section, index)
            self.cells[path] = (name, f"A{row[0].row}")
            for cell in row:
                column = columns.get(cell.column)
                if column is not None:
                    self.value(column, cell, name, path, record)
            if sheet.obs_kind is not None:
                record["kind"] = sheet.obs_kind
            for c in columns.values():
                if c.required and c.path[0] not in record and path + c.path not in self.rejected:
                    col = next(k for k, v in columns.items() if v is c)
                    self.bad(f"必填列“{c.label}”未填写", name, f"{_letter(col)}{row[0].row}")
            out[section].append(record)
        return bool(found) or status == NONE_MARK

    def _is_hint_row(self, row, columns) -> bool:
        """Row 4 holds the hints: as this version words them, or as any version did (the first
        column, always a required id, is hinted 必填)."""
        first = next((c for c in row if c.column == 1), None)
        if first is not None and _text(first.value or "") == "必填":
            return True
        for cell in row:
            c = columns.get(cell.column)
            if _blank(cell.value):
                continue
            if c is None or _text(cell.value) != _hint(c):
                return False
        return True

    # -- judgement items
    def judgements(self, ws, lay: L.Layout) -> None:
        items = {j.rule for j in lay.judgements}
        rows = list(_rows(ws, self, JUDGEMENTS))
        if len(rows) < 2:
            return
        columns = {}
        for cell in rows[1]:
            if _blank(cell.value):
                continue
            label = _text(cell.value)
            if label not in JUDGEMENT_COLUMNS:
                self.bad(not_allowed(label, JUDGEMENT_COLUMNS, "列名", unknown=True), JUDGEMENTS, cell.coordinate)
            elif label in _JUDGEMENT_READ:
                columns[cell.column] = label
        missing = [k for k in _JUDGEMENT_READ if k not in columns.values()]
        if missing:
            self.bad(f"缺少列 {'、'.join(missing)}", JUDGEMENTS, "A2")
            return
        answers: dict = {}
        for row in rows[2:]:
            got = {columns[c.column]: c for c in row if c.column in columns and not _blank(c.value)}
            if "规则编号" not in got:
                if any(k in got for k in ("回答", "说明", "回答人", "回答日期")):
                    self.bad("此行有回答但没有规则编号", JUDGEMENTS, f"A{row[0].row}")
                continue
            rule = _text(got["规则编号"].value)
            if rule not in items:
                self.bad(not_allowed(rule, sorted(items), "规则编号", unknown=True), JUDGEMENTS, got["规则编号"].coordinate)
                continue
            if rule in answers:
                self.bad(f"规则 {rule} 重复出现", JUDGEMENTS, got["规则编号"].coordinate)
                continue
            if "回答" not in got:
                others = [k for k in ("说明", "回答人", "回答日期") if k in got]
                if others:
                    self.bad(f"填写了{'、'.join(others)}但未选择回答（是/否/不适用）", JUDGEMENTS,
                             f"{_letter(_col_of(columns, '回答'))}{row[0].row}")
                continue
            answer: dict = {}
            path = ("answers", rule)
            self.cells[path] = (JUDGEMENTS, got["回答"].coordinate)
            for label, cell in got.items():
                if label == "规则编号":
                    continue
                key = _JUDGEMENT_READ[label]
                kind = "date" if key == "at" else "text"
                column = L.Column((key,), label, kind, enum=ANSWERS if key == "answer" else None)
                self.value(column, cell, JUDGEMENTS, path, answer)
            if "answer" in answer:
                answers[rule] = answer
        if answers:
            self.data["answers"] = answers


def _col_of(columns: dict, label: str) -> int:
    return next(k for k, v in columns.items() if v == label)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(col)


@dataclass(frozen=True)
class Cell:
    value: object
    row: int
    column: int

    @property
    def coordinate(self) -> str:
        return f"{_letter(self.column)}{self.row}"


def _rows(ws, reader: Reader | None, sheet: str):
    """The sheet's rows as Cells, through the shared bounded reader (a sheet longer or wider than
    its limits is refused whole); formulas arrive as the values last saved for them."""
    file = reader.file if reader is not None else ""
    for line, values in bounded_rows(ws, file):
        yield tuple(Cell(v, line, j) for j, v in enumerate(values, start=1))


# ---- semantic checks that a YAML file gets from evidence.from_document, all at once --------------

def _semantic(reader: Reader) -> None:
    doc = WorkbookDocument(reader.data, reader.file, reader.cells)
    code = reader.data["enterprise"].get("credit_code")
    if isinstance(code, str):
        problem = creditcode.problem(code)
        if problem:
            reader.errors.append(doc.error(problem, ("enterprise", "credit_code")))
    seen: dict = {}
    records = reader.data.get("records") or {}
    for section, items in records.items():
        for i, r in enumerate(items):
            rid = r.get("id")
            if rid is None:
                continue
            if rid in seen:
                reader.errors.append(doc.error(f"编号“{rid}”重复（已用于 {seen[rid]}；编号在整个自查表内须唯一）",
                                               ("records", section, i, "id")))
            else:
                seen[rid] = "“" + doc.cells.get(("records", section, i, "id"), ("?", "?"))[0] + "”表 " + \
                    str(doc.cells.get(("records", section, i, "id"), ("?", "?"))[1])
    roster = {w.get("id") for w in records.get("workers", [])} if "workers" in records else None
    if roster is not None:
        for section, key in (("trainings", "attendees"), ("permits", "workers"), ("drills", "participants"),
                             ("meetings", "attendees")):
            for i, r in enumerate(records.get(section, [])):
                bad = [w for w in r.get(key) or [] if w not in roster]
                if bad:
                    reader.errors.append(doc.error(
                        f"引用了“从业人员”表中没有的编号 {'、'.join(bad)}" +
                        (f"；是否应为“{nearest(bad[0], roster)}”？" if nearest(bad[0], roster) else ""),
                        ("records", section, i, key)))


# ---- entry points ------------------------------------------------------------------------------

def read(path: str | Path) -> tuple[dict, WorkbookDocument, WorkbookInfo]:
    """(evidence data, its located document, settings) of a filled workbook; every problem of
    the workbook at once as InputErrors."""
    file = str(path)
    reader = Reader(file)
    wb = open_workbook(path)
    try:
        names = wb.sheetnames
        if SETTINGS not in names:
            raise CellError("不是 yinhuan 生成的自查表（缺少隐藏的“设置”表；请用 yinhuan template 生成）", file, SETTINGS)
        info = reader.settings(wb[SETTINGS])
        if info is None:
            raise InputErrors(reader.errors) if len(reader.errors) > 1 else reader.errors[0]
        from yinhuan.rulebook import shipped_rulebook
        book = shipped_rulebook()
        if info.checklist not in book.checklists:
            raise CellError(f"自查表的检查清单 “{info.checklist}” 不在本程序的规则中"
                            f"（可用：{'、'.join(sorted(book.checklists))}）", file, SETTINGS, "B3")
        lay = L.layout_for(info.checklist, book)
        if info.digest != lay.digest:
            info.warnings.append(
                f"{file}: 此自查表按较旧的规则生成（规则版本 {info.version or '未知'}，当前 {lay.version}），"
                "记录表、列或判断项已有变化；已按当前规则逐格重新校验后读取，新增的判断项视为未回答。"
                f"请用 yinhuan template --checklist {info.checklist} 重新生成自查表")
        elif info.version != lay.version:
            info.warnings.append(
                f"{file}: 此自查表按规则版本 {info.version or '未知'} 生成，当前规则版本为 {lay.version}；"
                "记录表、列和判断项未变，已按当前规则读取")
        known = L.all_record_sheets()
        records: dict = {}
        provided: set = set()
        if PROFILE not in names:
            reader.bad("缺少“企业基本情况”表", PROFILE)
        for name in names:
            ws = wb[name]
            if name in (INSTRUCTIONS, LISTS, SETTINGS):
                continue
            if name == PROFILE:
                reader.profile(ws, lay)
            elif name == JUDGEMENTS:
                reader.judgements(ws, lay)
            elif name in known:
                if reader.records(ws, known[name], records):
                    provided.add(known[name].section)
            else:
                reader.bad(not_allowed(name, [PROFILE, JUDGEMENTS] + [s.name for s in lay.sheets], "工作表", unknown=True), name)
    finally:
        wb.close()
    _assemble(reader, records, provided)
    _semantic(reader)
    doc = WorkbookDocument(reader.data, file, reader.cells)
    if not reader.errors:
        reader.errors.extend(schema_errors(doc, "evidence"))
    if reader.errors:
        raise InputErrors(reader.errors) if len(reader.errors) > 1 else reader.errors[0]
    return reader.data, doc, info


def _assemble(reader: Reader, records: dict, provided: set) -> None:
    """Certificates go back inside their holders; sections are kept when provided (an empty list
    means 'none exist', an absent section 'not provided')."""
    out: dict = {}
    certs = records.pop("certificates", [])
    cert_paths = {k: v for k, v in reader.cells.items() if k[:2] == ("records", "certificates")}
    for section in records:
        if section in provided:
            out[section] = records[section]
    for section in provided - set(records) - {"certificates"}:
        out[section] = []
    if certs:
        workers = {w.get("id"): (i, w) for i, w in enumerate(out.get("workers", []))}
        for j, cert in enumerate(certs):
            holder = cert.pop("worker", None)
            where = cert_paths.get(("records", "certificates", j), ("持证情况", None))
            if holder not in workers:
                near = nearest(holder, [w for w in workers if w]) if holder else None
                reader.errors.append(CellError(
                    f"持证人编号“{holder}”不在“从业人员”表中" + (f"；是否应为“{near}”？" if near else ""),
                    reader.file, where[0], where[1]))
                continue
            i, worker = workers[holder]
            k = len(worker.setdefault("certificates", []))
            worker["certificates"].append(cert)
            for key, cell in cert_paths.items():
                if key[2] == j:
                    reader.cells[("records", "workers", i, "certificates", k) + key[3:]] = cell
    if out:
        reader.data["records"] = out


def load(path: str | Path) -> Evidence:
    """A filled workbook as Evidence (what yinhuan check, import and the web upload use). The
    settings it was made with are on evidence.workbook (a WorkbookInfo): call
    evidence.workbook.for_checklist(id, file) before running a checklist on it."""
    data, doc, info = read(path)
    ev = from_document(doc)
    ev.workbook = info
    return ev
