"""Build the hostile workbooks and CSVs of manifest.yaml (run: python tests/hostile/make.py).

The small ones (STORED) are kept in this folder as files; the large ones (BUILT: a 250 KB zip that
unzips to 250 MB, 150,000 rows, a 140,000-character CSV field) are built by the tests into a
temporary folder instead of being stored in the repository.
Every workbook is written by hand with zipfile, so what it declares is exactly what we say.
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 b'<Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                 b'</Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        b'</Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
           b'</Relationships>')


def sheet_xml(rows: bytes, dimension: str | None = "A1") -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + dim +
            b"<sheetData>" + rows + b"</sheetData></worksheet>")


def workbook(path: Path, sheet: bytes, extra: dict[str, bytes] | None = None,
             content_types: bytes = CONTENT_TYPES) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def dimension_bomb(path: Path) -> Path:
    """5 KB declaring every cell of a sheet: A1:XFD1048576."""
    return workbook(path, sheet_xml(b'<row r="1">' + inline("A1", "序号") + b"</row>", "A1:XFD1048576"))


def row_bomb(path: Path) -> Path:
    """No dimension, and 150,000 rows of one cell each: rows counted as they stream."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(1, 150_001))
    return workbook(path, sheet_xml(rows, None))


def far_row(path: Path) -> Path:
    """One cell at row 1,048,576 and no dimension: the empty rows before it are not materialised."""
    return workbook(path, sheet_xml(b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>', None))


def wide_row(path: Path) -> Path:
    """A value in column XFD (16,384) with a dimension that lies (A1)."""
    return workbook(path, sheet_xml(b'<row r="1">' + inline("A1", "x") + inline("XFD1", "y") + b"</row>", "A1"))


def macro(path: Path) -> Path:
    """An .xlsx that carries a VBA project (an .xlsm renamed)."""
    return workbook(path, sheet_xml(b""), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512})


def not_a_zip(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04 this is not really a zip" + b"\0" * 64)
    return path


def big_bomb(path: Path, megabytes: int = 250) -> Path:
    """About 250 KB that unzips to 250 MB of one shared-strings part (built by the test)."""
    chunk = b"<si><t>" + b"A" * 1_000_000 + b"</t></si>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml(b""))
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(megabytes):
                fh.write(chunk)
            fh.write(b"</sst>")
    return path


LEDGER_HEADER = ("序号,市,县（市、区）,企业全称,统一社会信用代码,行业,领域,重大事故隐患描述,判定依据,发现时间,发现方式,"
                 "现场处置措施,行政处置措施,挂牌督办单位,整改责任人,整改期限,整改措施\n")


def csv_long_field(path: Path) -> Path:
    path.write_text(LEDGER_HEADER + '1,威海市,环翠区,"' + "长" * 140_000 + '",x\n', encoding="utf-8")
    return path


def csv_lone_cr(path: Path) -> Path:
    path.write_text(LEDGER_HEADER + "1,威海市,环翠区,甲公司\r乙公司,91371002MA3YH0001P\n", encoding="utf-8")
    return path


def activity_lone_cr(path: Path) -> Path:
    path.write_text("# city: 威海市\n# districts: 环翠区\ndate,district,kind,count\n"
                    "2023-06-01,环翠区,检查\r抽查,1\n", encoding="utf-8")
    return path


# kept in this folder (small); the others are built by the tests into a temporary folder
STORED = {"dimension-bomb.xlsx": dimension_bomb, "far-row.xlsx": far_row, "wide-row.xlsx": wide_row,
          "macro.xlsx": macro, "not-a-zip.xlsx": not_a_zip, "lone-cr.csv": csv_lone_cr,
          "activity-lone-cr.csv": activity_lone_cr}
BUILT = {"row-bomb.xlsx": row_bomb, "big-bomb.xlsx": big_bomb, "long-field.csv": csv_long_field}

if __name__ == "__main__":
    for name, make in STORED.items():
        make(HERE / name)
        print(name, (HERE / name).stat().st_size, file=sys.stderr)
