"""The bounded .xlsx opener and the formula-safe cell writer, shared with the rest of yinhuan.

hostile-input lands them as yinhuan.xlsxread (open_workbook, rows) and yinhuan.cells (put); until
then this module stands in with the same names, so switching is deleting the fallback.
"""
from __future__ import annotations

try:  # pragma: no cover - whichever is present
    from yinhuan.cells import put  # noqa: F401
    from yinhuan.xlsxread import open_workbook, rows  # noqa: F401
except ImportError:  # pragma: no cover
    import zipfile
    from pathlib import Path

    from yinhuan.errors import InputError

    MAX_BYTES, MAX_UNZIPPED, MAX_ROWS = 50 * 1024 * 1024, 200 * 1024 * 1024, 100_000

    def put(cell, value):
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
        return cell

    def open_workbook(path):
        p = Path(path)
        if p.suffix.lower() in (".xlsm", ".xltm", ".xlsb"):
            raise InputError(f"不接受含宏或二进制格式的工作簿（{p.suffix}）：请另存为 .xlsx", str(path))
        if p.stat().st_size > MAX_BYTES:
            raise InputError("工作簿过大", str(path))
        try:
            with zipfile.ZipFile(p) as zf:
                if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED:
                    raise InputError("工作簿解压后过大，疑为压缩炸弹，拒绝读取", str(path))
                if any(i.filename.lower().endswith("vbaproject.bin") for i in zf.infolist()):
                    raise InputError("工作簿含宏（vbaProject.bin），拒绝读取", str(path))
        except zipfile.BadZipFile:
            raise InputError("不是有效的 .xlsx 文件（无法按 zip 打开）", str(path)) from None
        from openpyxl import load_workbook
        return load_workbook(path, read_only=True, data_only=True, keep_links=False)

    def rows(ws, file):
        ws.reset_dimensions()
        for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if line > MAX_ROWS:
                raise InputError(f"工作表超过 {MAX_ROWS} 行，拒绝读取", f"{file}[{ws.title}]", line)
            yield line, values
