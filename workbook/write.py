"""Write a checklist's self-check workbook (自查表), empty or filled from an evidence file.

Sheets, in order: 填写说明 (what to fill, the date forms accepted, whom to send it to), 企业基本情况
(one row per profile field), one sheet per records section the checklist's rules read, 判断项 (the
judgement items with their clause, a 是/否/不适用 drop-down and a note), and two hidden sheets:
下拉选项 (every drop-down's list: an inline list longer than 255 characters is cut by some
programs) and 设置 (checklist id, rulebook version, format version — read back to refuse a
workbook made for another checklist).

The output is deterministic (fixed document dates and zip timestamps), so the shipped example can
be checked byte for byte against a fresh one.
"""
from __future__ import annotations

import io
from copy import copy
import zipfile
from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version as package_version

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from yinhuan.dates import parse_date
from yinhuan.evidence import parse_datetime

from . import layout as L
from .safe import put

INSTRUCTIONS, PROFILE, JUDGEMENTS, LISTS, SETTINGS = "填写说明", "企业基本情况", "判断项", "下拉选项", "设置"
YES_NO = ("是", "否")
ANSWERS = ("是", "否", "不适用")
NONE_MARK = "无此类记录"
HEADER_ROW, HINT_ROW, FIRST_ROW = 3, 4, 5       # record sheets: title, status, headers, hints, data
PAGE_WIDTH = 200                                 # column-width units one landscape A4 page holds legibly
BLANK_ROWS = 15                                  # empty bordered rows below the data, to fill by hand
VALIDATED_ROWS = 2000                            # how far down drop-downs and checks reach
FIXED_TIME = datetime(2023, 1, 1)
SEND_TO = "属地区市应急管理局（或组织检查的部门）"
JUDGEMENT_COLUMNS = ("序号", "规则编号", "依据条款", "条款内容", "检查内容", "判断要点", "回答", "说明", "回答人", "回答日期")

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_HINT_FONT = Font(size=8, color="666666")
_TITLE_FONT = Font(size=14, bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_LEFT_WRAP = Alignment(wrap_text=True, vertical="top", horizontal="left")
_DATE_FORMAT, _DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"


def yinhuan_version() -> str:
    try:
        return package_version("yinhuan")
    except PackageNotFoundError:
        return "0"


# ---- hidden lists ------------------------------------------------------------------------------

class Lists:
    """The hidden 下拉选项 sheet: one column per vocabulary, shared by every drop-down using it."""

    def __init__(self, ws):
        self.ws = ws
        self.columns: dict[tuple, str] = {}

    def ref(self, name: str, values: tuple) -> str:
        key = tuple(values)
        if key not in self.columns:
            col = get_column_letter(len(self.columns) + 1)
            put(self.ws[f"{col}1"], name)
            for i, v in enumerate(values, start=2):
                put(self.ws[f"{col}{i}"], v)
            self.columns[key] = f"{quote_sheetname(LISTS)}!${col}$2:${col}${len(values) + 1}"
        return self.columns[key]


def _validation(ws, lists: Lists, column: L.Column, cells: str, name: str) -> None:
    """The drop-down or range check of one column (or one profile cell)."""
    dv = None
    if column.kind == "boolean":
        dv = DataValidation(type="list", formula1=lists.ref("是/否", YES_NO), allow_blank=True)
        dv.error = "请从下拉列表选择 是 或 否"
    elif column.enum:
        dv = DataValidation(type="list", formula1=lists.ref(name, column.enum), allow_blank=True)
        if column.is_list:    # a drop-down offers one value; several are typed, separated by 、
            dv.errorStyle = "information"
            dv.error = "可填写多个，用“、”分隔，每个都须是下拉列表中的值"
            dv.prompt, dv.showInputMessage = "可选多个，用“、”分隔", True
        else:
            dv.error = "请从下拉列表中选择"
    elif column.kind in ("date", "datetime"):
        dv = DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)",
                            formula2="DATE(2100,12,31)", allow_blank=True)
        dv.errorStyle = "warning"     # 2023.06.06 and 2023年6月6日 are accepted too, as text
        dv.error = "应为日期，如 2023-06-06（也可写 2023.06.06 或 2023年6月6日）"
    elif column.kind in ("integer", "number") and not column.is_list:
        dv = DataValidation(type="whole" if column.kind == "integer" else "decimal",
                            operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "应为不小于 0 的整数" if column.kind == "integer" else "应为不小于 0 的数字"
    if dv is None:
        return
    dv.showErrorMessage = True
    dv.errorTitle = "输入值无效"
    ws.add_data_validation(dv)
    dv.add(cells)


def _hint(column: L.Column) -> str:
    parts = []
    if column.required:
        parts.append("必填")
    kind = {"date": "日期", "datetime": "日期时间", "boolean": "是/否",
            "integer": "整数", "number": "数字"}.get(column.kind)
    if column.enum:
        kind = "多选，用、分隔" if column.is_list else "下拉选择"
    elif column.is_list:
        kind = "多个用、分隔"
    if column.is_list or column.nullable:
        kind = (f"{kind}；" if kind else "") + f"没有写“{L.NONE_VALUE}”"
    if kind:
        parts.append(kind)
    return "；".join(parts)


# ---- cell values -------------------------------------------------------------------------------

def cell_value(column: L.Column, value):
    """An evidence value as the workbook shows it."""
    if value is None:
        return L.NONE_VALUE if column.nullable else None
    if column.is_list:
        return "、".join(str(v) for v in value) or L.NONE_VALUE
    if column.kind == "boolean":
        return "是" if value else "否"
    if column.kind == "date":
        return parse_date(value)
    if column.kind == "datetime":
        return parse_datetime(value)
    return value


def _set(cell, column: L.Column, value, present: bool = True) -> None:
    v = cell_value(column, value) if present else None
    put(cell, v)
    if column.kind == "date":
        cell.number_format = _DATE_FORMAT
    elif column.kind == "datetime":
        cell.number_format = _DATETIME_FORMAT
    elif column.kind == "text" or column.is_list:
        cell.number_format = "@"


_MISSING = object()


def _get(record: dict, path: tuple):
    for p in path:
        if not isinstance(record, dict) or p not in record:
            return _MISSING
        record = record[p]
    return record


def _fill(cell, column: L.Column, record: dict) -> None:
    value = _get(record, column.path)
    _set(cell, column, None if value is _MISSING else value, present=value is not _MISSING)


# ---- sheets ------------------------------------------------------------------------------------

def _print_setup(ws, landscape: bool, title_rows: str | None = None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&A 第 &P 页，共 &N 页"
    if title_rows:
        ws.print_title_rows = title_rows


def _width(column: L.Column) -> float:
    size = {"date": 12, "datetime": 17, "boolean": 8, "integer": 9, "number": 10}.get(column.kind, 16)
    if column.enum and not column.is_list:
        size = max(size, min(22, max(len(v) for v in column.enum) * 2 + 2))
    if column.path[-1] in ("description", "note", "title", "measures", "topic", "content"):
        size = 28
    return max(size, min(len(column.label) * 1.9 + 2, 20))


def _display_width(text: str) -> int:
    """Width in Excel character units: a Chinese character takes two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _fit_height(ws, row: int, texts_widths, line: float = 15.0) -> None:
    """Set a row's height for its wrapped text: LibreOffice does not grow rows of a file it opens."""
    lines = max([1] + [-(-_display_width(str(t)) // max(int(w) - 1, 1)) for t, w in texts_widths if t])
    ws.row_dimensions[row].height = line * lines + 2


def _instructions(ws, lay: L.Layout, send_to: str) -> None:
    ws.column_dimensions["A"].width = 72
    lines = [
        (f"重大事故隐患专项排查整治 企业自查表", _TITLE_FONT),
        (f"检查清单：{lay.title}（{lay.checklist}）", Font(bold=True)),
        ("", None),
        ("一、填什么", Font(bold=True)),
        (f"1. “{PROFILE}”：本企业基本情况，以及本次自查的日期、方式和人员。", None),
        ("2. 各记录表：每行一条记录（文件、会议、排查、培训、演练、作业审批、人员等），“编号”在全表内唯一，"
         "其他表引用人员时填“从业人员”表中的编号。本企业确无此类记录的，在表头“本表情况”处选“无此类记录”；"
         "不填也不选的，视为未提供，相应检查项将判为“证据不足”。", None),
        (f"3. “{JUDGEMENTS}”：只能由人判断的检查项，对照条款内容在“回答”列选 是/否/不适用，并在“说明”列写明依据。", None),
        ("4. 带下拉箭头的单元格请从列表中选择；可多选的写多个值，用顿号“、”分隔。请勿改动表名、列名和隐藏的表。", None),
        ("", None),
        ("二、日期怎么写", Font(bold=True)),
        ("日期可写 2023-06-06、2023.06.06、2023/6/6 或 2023年6月6日，也可直接用 Excel 的日期；"
         "时间写在日期后，如 2023-06-06 08:30。", None),
        ("", None),
        ("三、填好后交给谁", Font(bold=True)),
        (f"填好并经主要负责人审核后，报送：{send_to}。检查人员用 yinhuan check --checklist {lay.checklist} 自查表.xlsx "
         "读取，所有填写错误（所在表、单元格、填写的值、允许的值）一次列出。", None),
        ("", None),
        ("四、本表包含的记录表", Font(bold=True)),
    ]
    lines += [(f"· {s.name}：{s.description}", None) for s in lay.sheets]
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1)
        put(cell, text)
        cell.alignment = _WRAP
        if font:
            cell.font = font
        _fit_height(ws, i, [(text, 72)], line=20 if font is _TITLE_FONT else 15)
    _print_setup(ws, landscape=False)


def _profile(ws, lists: Lists, lay: L.Layout, evidence: dict | None) -> None:
    blank_defaults = {("enterprise", "sector"): lay.sector, ("inspection", "mode"): "自查"}
    put(ws["A1"], f"企业基本情况（{lay.title}）")
    ws["A1"].font = _TITLE_FONT
    for col, text in zip("ABC", ("项目", "填写内容", "说明")):
        cell = ws[f"{col}2"]
        put(cell, text)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD_FILL, _BORDER
    for i, column in enumerate(lay.profile, start=3):
        put(ws.cell(row=i, column=1), column.label + ("（必填）" if column.required else ""))
        value = ws.cell(row=i, column=2)
        if evidence is not None:
            _fill(value, column, evidence)
        elif column.path in blank_defaults:       # what the checklist already says: its sector, 自查
            put(value, blank_defaults[column.path])
        elif column.kind == "date":
            value.number_format = _DATE_FORMAT
        elif column.kind == "text":
            value.number_format = "@"
        hint = column.hint
        if column.enum:
            hint = "可选：" + "、".join(column.enum) + ("（可多选，用、分隔）" if column.is_list else "")
        elif column.kind == "boolean":
            hint = (hint + "；" if hint else "") + "填 是/否"
        put(ws.cell(row=i, column=3), hint)
        _validation(ws, lists, column, f"B{i}", column.key)
        for c in range(1, 4):
            ws.cell(row=i, column=c).border = _BORDER
            ws.cell(row=i, column=c).alignment = _LEFT_WRAP
        _fit_height(ws, i, [(ws.cell(row=i, column=c).value, w) for c, w in ((1, 26), (2, 34), (3, 60))])
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 60
    ws.freeze_panes = "A3"
    _print_setup(ws, landscape=False, title_rows="2:2")


def _data_style(ws, row: int, col: int, column: L.Column):
    """The style array of a data cell of this column: border, wrap, and the number format."""
    cell = ws.cell(row=row, column=col)
    cell.border, cell.alignment = _BORDER, _WRAP
    if column.kind in ("date", "datetime"):
        cell.number_format = _DATE_FORMAT if column.kind == "date" else _DATETIME_FORMAT
    elif column.kind == "text" or column.is_list:
        cell.number_format = "@"
    return copy(cell._style)


def _records(ws, lists: Lists, sheet: L.Sheet, rows: list[dict] | None, none_marked: bool) -> None:
    cols = sheet.columns
    last = get_column_letter(len(cols))
    put(ws["A1"], sheet.name + (f"：{sheet.description}" if sheet.description else ""))
    ws["A1"].font = Font(size=12, bold=True)
    ws["A1"].alignment = Alignment(vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 24
    put(ws["A2"], "本表情况")
    ws["A2"].font = Font(bold=True)
    if none_marked:
        put(ws["B2"], NONE_MARK)
    dv = DataValidation(type="list", formula1=lists.ref("本表情况", (NONE_MARK,)), allow_blank=True)
    dv.error, dv.showErrorMessage = f"留空，或选“{NONE_MARK}”", True
    dv.prompt, dv.showInputMessage = f"本企业确无此类记录时选“{NONE_MARK}”；有记录的直接在下面填写", True
    ws.add_data_validation(dv)
    dv.add("B2")
    ws["B2"].border = _BORDER
    put(ws["C2"], f"（确无此类记录选“{NONE_MARK}”；留空且无记录视为未提供）")
    ws["C2"].font = _HINT_FONT
    for j, column in enumerate(cols, start=1):
        head = ws.cell(row=HEADER_ROW, column=j)
        put(head, column.label)
        head.font, head.fill, head.border = Font(bold=True), _HEAD_FILL, _BORDER
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        if column.hint:
            head.comment = Comment(column.hint, "yinhuan", width=260, height=120)
        hint = ws.cell(row=HINT_ROW, column=j)
        put(hint, _hint(column))
        hint.font, hint.border = _HINT_FONT, _BORDER
        hint.alignment = Alignment(wrap_text=True, horizontal="center")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = _width(column)
        _validation(ws, lists, column, f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + VALIDATED_ROWS - 1}",
                    f"{sheet.section}.{column.key}")
    rows = rows or []
    styles = [_data_style(ws, FIRST_ROW, j, column) for j, column in enumerate(cols, start=1)]
    for i in range(len(rows) + BLANK_ROWS):
        r = FIRST_ROW + i
        for j, column in enumerate(cols, start=1):
            cell = ws.cell(row=r, column=j)
            cell._style = copy(styles[j - 1])   # one style per column, copied: setting each part is slow
            if i < len(rows):
                _fill(cell, column, rows[i])
        if i < len(rows):
            _fit_height(ws, r, [(ws.cell(row=r, column=j).value, _width(c)) for j, c in enumerate(cols, start=1)
                                if isinstance(ws.cell(row=r, column=j).value, str)])
    _fit_height(ws, HEADER_ROW, [(c.label, _width(c)) for c in cols], line=14)
    _fit_height(ws, HINT_ROW, [(_hint(c), _width(c) * 1.2) for c in cols], line=11)
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=2)
    ws.print_area = f"A1:{last}{FIRST_ROW + len(rows) + BLANK_ROWS - 1}"
    _print_setup(ws, landscape=len(cols) > 6, title_rows=f"{HEADER_ROW}:{HINT_ROW}")
    total = sum(_width(c) for c in cols)
    if total > PAGE_WIDTH:   # a wide sheet (the hazard ledger) prints on several pages, each legible
        ws.page_setup.fitToWidth = -(-int(total) // PAGE_WIDTH)
        ws.print_title_cols = "A:A"


def _judgements(ws, lists: Lists, lay: L.Layout, answers: dict) -> None:
    put(ws["A1"], f"判断项（{len(lay.judgements)} 项）：对照条款内容判断，在“回答”列选 是/否/不适用，并写明说明")
    ws["A1"].font = Font(size=12, bold=True)
    ws.merge_cells(f"A1:{get_column_letter(len(JUDGEMENT_COLUMNS))}1")
    widths = (5, 16, 18, 40, 34, 34, 8, 24, 10, 12)
    for j, (text, width) in enumerate(zip(JUDGEMENT_COLUMNS, widths), start=1):
        cell = ws.cell(row=2, column=j)
        put(cell, text)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD_FILL, _BORDER
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = width
    answer_col = JUDGEMENT_COLUMNS.index("回答") + 1
    date_col = JUDGEMENT_COLUMNS.index("回答日期") + 1
    for i, item in enumerate(lay.judgements):
        r = 3 + i
        ans = answers.get(item.rule) or {}
        at = ans.get("at")
        values = (i + 1, item.rule, item.source, item.text, f"{item.title}：{item.question}", item.guidance,
                  ans.get("answer"), ans.get("note"), ans.get("by"), parse_date(at) if at else None)
        for j, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=j)
            put(cell, v)
            cell.border, cell.alignment = _BORDER, _WRAP
        ws.cell(row=r, column=date_col).number_format = _DATE_FORMAT
        _fit_height(ws, r, [(v, w) for v, w in zip(values, widths) if isinstance(v, str)])
    if lay.judgements:
        end = 2 + len(lay.judgements)
        answer = get_column_letter(answer_col)
        _validation(ws, lists, L.Column(("answer",), "回答", "text", enum=ANSWERS), f"{answer}3:{answer}{end}", "回答")
        d = get_column_letter(date_col)
        _validation(ws, lists, L.Column(("at",), "回答日期", "date"), f"{d}3:{d}{end}", "回答日期")
    ws.freeze_panes = "C3"
    _print_setup(ws, landscape=True, title_rows="2:2")


def _settings(ws, lay: L.Layout) -> None:
    rows = (("格式", "yinhuan 企业自查表"), ("格式版本", L.FORMAT), ("检查清单", lay.checklist),
            ("检查清单名称", lay.title), ("规则版本", lay.version), ("表格版本", lay.digest),
            ("yinhuan 版本", yinhuan_version()))
    for i, (k, v) in enumerate(rows, start=1):
        put(ws.cell(row=i, column=1), k)
        put(ws.cell(row=i, column=2), v)


# ---- the workbook ------------------------------------------------------------------------------

def split_records(lay: L.Layout, data: dict) -> tuple[dict, list[str]]:
    """{sheet name: (rows, provided)} for an evidence file, plus what the workbook has no place
    for (sections or observation kinds this checklist does not read)."""
    records = data.get("records") or {}
    out, dropped = {}, []
    sheets_by_section: dict = {}
    for s in lay.sheets:
        sheets_by_section.setdefault(s.section, []).append(s)
    for section, items in records.items():
        if section == "observations":
            by_kind = {s.obs_kind: s for s in sheets_by_section.get("observations", [])}
            for s in by_kind.values():
                out[s.name] = ([], True)
            for o in items:
                kind = o.get("kind")
                s = by_kind.get(kind) if kind in L.known_obs_kinds() else by_kind.get(None)
                if s is None:
                    dropped.append(f"现场观察 {o.get('id')}（{o.get('kind')}）")
                    continue
                out[s.name][0].append(o)
            continue
        if section not in sheets_by_section:
            dropped.append(f"records.{section}（{len(items)} 条）")
            continue
        out[sheets_by_section[section][0].name] = (list(items), True)
        if section == "workers" and "certificates" in sheets_by_section:
            certs = [dict(c, worker=w["id"]) for w in items for c in (w.get("certificates") or [])]
            out[sheets_by_section["certificates"][0].name] = (certs, True)
    return out, dropped


def build(lay: L.Layout, evidence: dict | None = None, send_to: str = SEND_TO) -> tuple[bytes, list[str]]:
    """The workbook as bytes, and what of the evidence it could not hold (to warn about)."""
    wb = Workbook()
    ws = wb.active
    ws.title = INSTRUCTIONS
    profile = wb.create_sheet(PROFILE)
    record_sheets = [wb.create_sheet(s.name) for s in lay.sheets]
    judgements = wb.create_sheet(JUDGEMENTS)
    lists_ws = wb.create_sheet(LISTS)
    settings = wb.create_sheet(SETTINGS)
    lists_ws.sheet_state = settings.sheet_state = "hidden"
    lists = Lists(lists_ws)
    dropped: list[str] = []
    filled: dict = {}
    if evidence is not None:
        filled, dropped = split_records(lay, evidence)
        judged = {j.rule for j in lay.judgements}
        dropped += [f"answers.{r}（本清单无此判断项）" for r in (evidence.get("answers") or {}) if r not in judged]
    _instructions(ws, lay, send_to)
    _profile(profile, lists, lay, evidence)
    for w, sheet in zip(record_sheets, lay.sheets):
        rows, provided = filled.get(sheet.name, (None, False))
        _records(w, lists, sheet, rows, none_marked=provided and not rows)
    _judgements(judgements, lists, lay, (evidence or {}).get("answers") or {})
    _settings(settings, lay)
    wb.properties.creator = "yinhuan"
    wb.properties.title = f"企业自查表 {lay.checklist}"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic(buf.getvalue()), dropped


def _deterministic(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01, so equal workbooks are equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":   # openpyxl stamps modified with the clock
                body = _fixed_core(body)
            z = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            z.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(z, body)
    return out.getvalue()


def _fixed_core(body: bytes) -> bytes:
    import re
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>", body)
