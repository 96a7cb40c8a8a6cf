"""Write the forms as .xlsx a clerk can file: the notice's titles, merged headers, units and notes.

Workbooks are deterministic: document properties are stamped with the filing date (not the
clock) and the zip entries with a fixed time, so two runs on the same inputs give byte-identical
files and a bureau can tell at a glance that nothing changed.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from yinhuan import cells
from yinhuan.dates import chinese_form

from yinhuan.render import width as text_width

from . import layouts
from .ledger import LedgerRow, export_columns

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TITLE = Font(name="宋体", size=16, bold=True)
BOLD = Font(name="宋体", size=11, bold=True)
BODY = Font(name="宋体", size=11)


def _put(ws, row, col, value, font=BODY, align=CENTER, border=True):
    c = cells.put(ws.cell(row=row, column=col), value)
    c.font, c.alignment = font, align
    if border:
        c.border = BOX
    return c


def _merge(ws, r1, c1, r2, c2, value, font=BODY, align=CENTER, border=True):
    _put(ws, r1, c1, value, font, align, border)
    if border:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                ws.cell(row=r, column=c).border = BOX
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def _number(v):
    """Decimal sums (万元) as numbers Excel can add; integers stay integers."""
    if isinstance(v, (int, str)):
        return v
    f = float(v)
    return int(f) if f.is_integer() else f


def _title_block(ws, attachment, title, width, left, right):
    _put(ws, 1, 1, attachment, BOLD, LEFT, border=False)
    _merge(ws, 2, 1, 2, width, title, TITLE, CENTER, border=False)
    ws.row_dimensions[2].height = 40
    half = max(width // 2, 1)
    _merge(ws, 3, 1, 3, half, left, BODY, LEFT, border=False)
    _merge(ws, 3, half + 1, 3, width, right, BODY, Alignment(horizontal="right", vertical="center"), border=False)
    return 5


# ---- 工贸 附件1: three tables, one row per 区市 plus 合计 -----------------------------------

def _district_tables(ws, tally, filed_on: date) -> None:
    lay = tally.layout
    width = 2 + max(len(t["columns"]) for t in lay["tables"])
    row = _title_block(ws, lay["attachment"], lay["title"], width,
                       f"填报地市：{tally.bureau.city}　　统计期间：{tally.period.label}",
                       f"填报时间：{chinese_form(filed_on)}")
    rows = tally.rows()
    for table in lay["tables"]:
        cols = table["columns"]
        _merge(ws, row, 1, row + 1, 1, "序号", BOLD)
        _merge(ws, row, 2, row + 1, 2, lay["row_heading"], BOLD)
        c = 0
        while c < len(cols):
            group = cols[c].get("group")
            span = 1
            while group and c + span < len(cols) and cols[c + span].get("group") == group:
                span += 1
            _merge(ws, row, 3 + c, row, 3 + c + span - 1, group or cols[c]["heading"], BOLD)
            c += span
        for k, col in enumerate(cols):
            _put(ws, row + 1, 3 + k, col["unit"], BOLD)
        ws.row_dimensions[row].height = 96
        row += 2
        for n, (label, values) in enumerate(rows, 1):
            is_total = n == len(rows)
            _put(ws, row, 1, "" if is_total else n)
            _put(ws, row, 2, label, BOLD if is_total else BODY)
            for k, col in enumerate(cols):
                _put(ws, row, 3 + k, _number(values[col["metric"]]))
            row += 1
        row += 1
    for note in lay.get("notes", []):
        _merge(ws, row, 1, row, width, note, BODY, LEFT, border=False)
        row += 1
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 12
    for k in range(3, width + 1):
        ws.column_dimensions[get_column_letter(k)].width = 11


# ---- 非煤矿山 附件: the four-section form, two items a row ---------------------------------

# A4 landscape at 100% (the form is one page wide without shrinking): about 480 points of rows fit a
# page between the default margins; the title block takes about 90.
PAGE_HEIGHT, TITLE_BLOCK_HEIGHT, FORM_ROW_HEIGHT = 480, 90, 45

def _form(ws, tally, filed_on: date) -> None:
    lay = tally.layout
    row = _title_block(ws, lay["attachment"], lay["title"], 7,
                       f"填报地市：{tally.bureau.city}　　统计期间：{tally.period.label}",
                       f"时间：{filed_on.year} 年 {filed_on.month} 月 {filed_on.day} 日")
    totals = tally.rows()[-1][1]
    used = TITLE_BLOCK_HEIGHT
    for section in lay["sections"]:
        items = section["items"]
        nrows = (len(items) + 1) // 2
        if used + nrows * FORM_ROW_HEIGHT > PAGE_HEIGHT:   # keep a section's label with its rows
            ws.row_breaks.append(Break(id=row - 1))
            used = 0
        used += nrows * FORM_ROW_HEIGHT
        _merge(ws, row, 1, row + nrows - 1, 1, section["name"], BOLD)
        for k, item in enumerate(items):
            r, c = row + k // 2, 2 + 3 * (k % 2)
            _put(ws, r, c, k + 1)
            _put(ws, r, c + 1, item["label"], BODY, LEFT)
            ms = item.get("metrics") or [item["metric"]]
            vals = [_number(totals[m]) for m in ms]
            _put(ws, r, c + 2, item["format"].format(*vals) if item.get("format") else vals[0])
        if len(items) % 2:
            for c in range(5, 8):
                _put(ws, row + nrows - 1, c, "")
        for r in range(row, row + nrows):
            ws.row_dimensions[r].height = FORM_ROW_HEIGHT
        row += nrows
    for col, w in zip("ABCDEFG", (10, 5, 34, 14, 5, 34, 14)):
        ws.column_dimensions[col].width = w


def _per_district(ws, tally) -> None:
    """Every number of the form per 区市 with 合计: where the form's totals come from."""
    lay = tally.layout
    cols = layouts.flat_columns(lay)
    width = 2 + len(cols)
    title = f"{lay['title']}（分区市）　{tally.period.label}"
    # two header rows: the section, then the item
    c = 0
    while c < len(cols):
        span = 1
        while c + span < len(cols) and cols[c + span][0] == cols[c][0]:
            span += 1
        _merge(ws, 3, 3 + c, 3, 3 + c + span - 1, cols[c][0], BOLD)
        # each section prints on its own page: the title over each section, so every page has it
        _merge(ws, 1, 3 + c, 1, 3 + c + span - 1, title, BOLD, CENTER, border=False)
        c += span
    _merge(ws, 3, 1, 4, 1, "序号", BOLD)
    _merge(ws, 3, 2, 4, 2, lay["row_heading"], BOLD)
    for k, (_, _, title) in enumerate(cols):
        _put(ws, 4, 3 + k, title, BOLD)
    ws.row_dimensions[4].height = 110
    rows = tally.rows()
    for n, (label, values) in enumerate(rows, 1):
        r = 4 + n
        _put(ws, r, 1, "" if n == len(rows) else n)
        _put(ws, r, 2, label)
        for k, (_, metric, _) in enumerate(cols):
            _put(ws, r, 3 + k, _number(values[metric]))
    for k in range(3, width + 1):
        ws.column_dimensions[get_column_letter(k)].width = 10
    # 37 columns do not fit one A4 page legibly: one page per section, 序号 and 区市 repeated on each
    ws.print_title_cols = "A:B"
    ws.print_title_rows = "1:4"
    ws.freeze_panes = "C5"
    for k in range(1, len(cols)):
        if cols[k][0] != cols[k - 1][0]:
            ws.col_breaks.append(Break(id=2 + k))   # break after the column ending the previous section
    ws.page_setup.orientation = "landscape"
    # the widest section (12 columns of width 10, with 序号 and 区市) at 72% fits A4 landscape
    ws.page_setup.scale = 72


# ---- 附件2 ledger ------------------------------------------------------------------------

def ledger_sheet(ws, rows: list[LedgerRow], title: str, city: str, filed_on: date) -> None:
    cols = export_columns(rows)
    spec = layouts.layout("ledger-2023")
    _title_block(ws, spec["attachment"], title, len(cols), f"填报地市：{city}",
                 f"填报时间：{chinese_form(filed_on)}")
    for k, col in enumerate(cols, 1):
        _put(ws, 5, k, col, BOLD)
    for n, r in enumerate(rows, 6):
        for k, col in enumerate(cols, 1):
            value = r.values.get(col, "")
            if col == "序号" and str(value).isdigit():
                value = int(value)   # a number, so it sorts and sums as one
            _put(ws, n, k, value, BODY, CENTER if col in ("序号", "发现时间", "整改期限") else LEFT)
    ws.print_title_rows = "5:5"     # the header repeats on every printed page
    ws.freeze_panes = "A6"
    widths = {"序号": 6, "重大事故隐患描述": 30, "判定依据": 30, "整改措施": 24, "企业全称": 22,
              "统一社会信用代码": 21}
    for k, col in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(k)].width = widths.get(col, 11)
    _fit_rows(ws, 5, 5 + len(rows))


def _fit_rows(ws, first: int, last: int, line_height: float = 14.5) -> None:
    """Row heights for wrapped text. Spreadsheet programs do not re-measure rows written by a
    library, so long descriptions would overlap: estimate the lines each cell needs from its
    column width (a CJK character is two units wide)."""
    for r in range(first, last + 1):
        lines = 1
        for cell in ws[r]:
            if cell.value in (None, ""):
                continue
            col_width = ws.column_dimensions[cell.column_letter].width or 10
            lines = max(lines, -(-text_width(str(cell.value)) // max(int(col_width) - 1, 1)))
        ws.row_dimensions[r].height = line_height * lines + 4


# ---- workbooks ---------------------------------------------------------------------------

def tally_workbook(tally, ledger_rows: list[LedgerRow], ledger_title: str, filed_on: date) -> bytes:
    wb = Workbook()
    ws = wb.active
    if tally.layout["kind"] == "district_tables":
        ws.title = f"{tally.layout['attachment']} 调度表"
        _district_tables(ws, tally, filed_on)
    else:
        ws.title = "调度表"
        _form(ws, tally, filed_on)
        _per_district(wb.create_sheet("分区市"), tally)
    ledger_sheet(wb.create_sheet("附件2 台账"), ledger_rows, ledger_title, tally.bureau.city, filed_on)
    return to_bytes(wb, filed_on)


def ledger_workbook(parts: list[tuple[str, list[LedgerRow]]], city: str, filed_on: date) -> bytes:
    """One sheet per (title, rows) part: a ledger of several sectors gets one titled sheet each."""
    wb = Workbook()
    for k, (title, rows) in enumerate(parts):
        ws = wb.active if k == 0 else wb.create_sheet()
        ws.title = "附件2 台账" if len(parts) == 1 else title
        ledger_sheet(ws, rows, title, city, filed_on)
    return to_bytes(wb, filed_on)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _print_setup(ws) -> None:
    """The notice's forms are printed landscape on A4: one page wide, as many pages tall as needed.
    A sheet with column breaks (分区市) is printed page by page at full size instead."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_options.horizontalCentered = True
    if ws.col_breaks.brk:
        return
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


ZIP_FIRST, ZIP_LAST = date(1980, 1, 1), date(2107, 12, 31)


def zip_stamp(stamp: date) -> tuple:
    """The zip entries' time: the filing date, held within what the ZIP format can store (1980-2107).
    Only the archive's member times are clamped; the filing date in the sheets and properties is exact."""
    d = min(max(stamp, ZIP_FIRST), ZIP_LAST)
    return (d.year, d.month, d.day, 0, 0, 0)


def to_bytes(wb: Workbook, stamp: date) -> bytes:
    """Save with fixed document times and zip entry times: same inputs, same bytes."""
    when = datetime(stamp.year, stamp.month, stamp.day)
    for ws in wb.worksheets:
        _print_setup(ws)
    wb.properties.creator = "yinhuan"
    wb.properties.lastModifiedBy = "yinhuan"
    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    iso = f"{when.year:04d}-{when.month:02d}-{when.day:02d}T00:00:00Z".encode()  # strftime pads no year < 1000
    zip_time = zip_stamp(stamp)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + iso + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=zip_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
    return out.getvalue()
