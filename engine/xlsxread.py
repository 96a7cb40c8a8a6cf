"""Open an .xlsx someone sent us, within bounds: every reader of .xlsx goes through here.

A 5 KB workbook may declare the dimension A1:XFD1048576, and a 1.4 MB one may unzip to 1.2 GB;
opened naively, either takes gigabytes. So before openpyxl reads anything, the zip itself is
checked (`check_archive`): a zip at all, the number of entries, the total uncompressed size, each
large entry's compression ratio, and no macros (.xlsm, xl/vbaProject.bin). Then the workbook is
opened read-only (rows are streamed, never loaded whole) with data_only=True: a formula is read as
the value Excel last saved for it, never evaluated, and never returned as a formula. Each sheet's
declared dimension is checked before its first row is read, and `rows` counts rows and columns as
it streams, since the declaration can be missing or lie.

Everything refused is an InputError naming the file (and the sheet or row), so the CLI prints one
message and exits 2.
"""
from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import InputError


@dataclass(frozen=True)
class Limits:
    """What one workbook may expand to. Generous for a ledger or a self-check workbook."""

    max_bytes: int = 50 * 1024 * 1024         # the file on disk
    max_entries: int = 2000                   # members of the zip
    max_unzipped: int = 200 * 1024 * 1024     # all members together, uncompressed
    max_ratio: int = 150                      # uncompressed / compressed, for members over ratio_from
    ratio_from: int = 2 * 1024 * 1024
    max_rows: int = 100_000                   # per sheet
    max_cols: int = 256                       # per sheet (附件2 has 17 columns)


LIMITS = Limits()
_MACRO_TYPES = re.compile(rb"macroEnabled|vbaProject", re.I)
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.I)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref\s*=\s*["\']([A-Za-z]{1,4}[0-9]{1,8}(?::[A-Za-z]{1,4}[0-9]{1,8})?)["\']')


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n} 字节"


def check_archive(path: str | Path, limits: Limits = LIMITS) -> None:
    """Refuse, before any XML is parsed, what is not a plain bounded .xlsx."""
    p, name = Path(path), str(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlsb"):
        raise InputError(f"不接受含宏或二进制格式的工作簿（{suffix}）：请另存为 .xlsx", name)
    if suffix == ".xls":
        raise InputError("不支持旧版 .xls 格式：请在 Excel/WPS 中另存为 .xlsx", name)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"无法读取：{exc.strerror or exc}", name) from None
    if size > limits.max_bytes:
        raise InputError(f"工作簿过大（{_mb(size)}，上限 {_mb(limits.max_bytes)}）", name)
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_entries:
                raise InputError(f"工作簿内含 {len(infos)} 个部件，超过上限 {limits.max_entries}，疑为压缩炸弹", name)
            total = 0
            for info in infos:
                total += info.file_size
                if total > limits.max_unzipped:
                    raise InputError(f"工作簿解压后超过 {_mb(limits.max_unzipped)}（文件 {_mb(size)}），"
                                     "疑为压缩炸弹，拒绝读取", name)
                if info.file_size > limits.ratio_from and \
                        info.file_size > limits.max_ratio * max(info.compress_size, 1):
                    raise InputError(f"工作簿部件 {info.filename} 压缩比超过 {limits.max_ratio}:1"
                                     f"（{_mb(info.compress_size)} 解压为 {_mb(info.file_size)}），疑为压缩炸弹", name)
                if info.filename.lower().endswith("vbaproject.bin"):
                    raise InputError("工作簿含宏（vbaProject.bin），拒绝读取：请另存为不含宏的 .xlsx", name)
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise InputError("不是 Excel 工作簿（.xlsx）：缺少 [Content_Types].xml 或 xl/", name)
            if _MACRO_TYPES.search(zf.read("[Content_Types].xml")[:1_000_000]):
                raise InputError("工作簿含宏（macroEnabled），拒绝读取：请另存为不含宏的 .xlsx", name)
            for info in infos:
                if _SHEET.match(info.filename):
                    _check_dimension(zf, info, name, limits)
    except zipfile.BadZipFile:
        raise InputError("不是有效的 .xlsx 文件（无法按 zip 打开）", name) from None
    except (OSError, RuntimeError, NotImplementedError) as exc:  # encrypted members, odd compressions
        raise InputError(f"无法读取 xlsx：{exc}", name) from None


def _check_dimension(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    """The sheet's declared <dimension ref="A1:Q120"/>, read from its first 64 KB only."""
    with zf.open(info) as fh:
        head = fh.read(65536)
    m = _DIMENSION.search(head.split(b"<sheetData", 1)[0] if b"<sheetData" in head else head)
    if not m:
        return
    from openpyxl.utils.cell import range_boundaries
    ref = m.group(1).decode("ascii")
    try:
        _, _, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
    except (ValueError, TypeError):
        raise InputError(f"工作表 {info.filename} 声明的范围 “{ref}” 无效", name) from None
    if (max_row or 0) > limits.max_rows or (max_col or 0) > limits.max_cols:
        raise InputError(f"工作表 {info.filename} 声明的范围 {ref} 超过上限（{limits.max_rows} 行、"
                         f"{limits.max_cols} 列），拒绝读取", name)


def open_workbook(path: str | Path, limits: Limits = LIMITS):
    """check_archive, then openpyxl read-only with cached values (formulas never evaluated)."""
    check_archive(path, limits)
    from openpyxl import load_workbook
    try:
        with warnings.catch_warnings():  # "no default style" etc.: noise, not the user's business
            warnings.simplefilter("ignore")
            return load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputError(f"无法读取 xlsx：{type(exc).__name__}: {exc}", str(path)) from None


def rows(ws, file: str, limits: Limits = LIMITS) -> Iterator[tuple[int, tuple]]:
    """(line number, cell values) of one read-only sheet, streamed, within the limits.

    The declared dimension is checked first; rows beyond max_rows and a cell in a column beyond
    max_cols are refused as they are met. Rows are as long as their last cell (missing rows: ()). Values are what openpyxl reads (text, numbers,
    datetimes, None); a cell it cannot convert (a date serial out of range) is refused with its row.
    """
    where = f"{file}[{ws.title}]"
    declared_rows, declared_cols = ws.max_row, ws.max_column
    if (declared_rows or 0) > limits.max_rows or (declared_cols or 0) > limits.max_cols:
        raise InputError(f"工作表声明的范围 {ws.calculate_dimension()} 超过上限（{limits.max_rows} 行、"
                         f"{limits.max_cols} 列），拒绝读取", where)
    # stream without padding to the declared dimension (it may lie): each row is as long as its
    # last cell, missing rows are (), and a cell past max_cols is met in its own row
    ws.reset_dimensions()
    it = ws.iter_rows(values_only=True)
    line = 0
    while True:
        try:
            with warnings.catch_warnings():  # a date serial out of range is read as #VALUE! with a warning
                warnings.simplefilter("ignore")
                values = next(it)
        except StopIteration:
            return
        except InputError:
            raise
        except Exception as exc:  # a date serial out of range, a malformed cell
            raise InputError(f"第 {line + 1} 行无法读取：{type(exc).__name__}: {exc}", where, line + 1) from None
        line += 1
        if line > limits.max_rows:
            raise InputError(f"工作表超过 {limits.max_rows} 行，拒绝读取", where, line)
        if len(values) > limits.max_cols:
            raise InputError(f"第 {line} 行有超过 {limits.max_cols} 列的单元格（第 {len(values)} 列），拒绝读取",
                             where, line)
        yield line, values


def sheets(wb):
    """The worksheets of a workbook opened by open_workbook (chartsheets skipped)."""
    return [ws for ws in wb.worksheets if hasattr(ws, "iter_rows")]
