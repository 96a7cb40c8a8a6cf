"""Read CSV someone sent us: every CSV reader of yinhuan goes through `csv_rows`.

Python's csv module stops with `_csv.Error` on a field over 131,072 characters or a lone carriage
return in an unquoted field (an old Mac line ending, or a CR pasted into a cell). Both are bad
input: one message naming the file and the line where the row starts, exit 2 — never a traceback.
The limit is kept, not raised: no cell of a ledger or activity file is anywhere near that long.
"""
from __future__ import annotations

import csv
import io
from typing import Iterator

from .errors import InputError

FIELD_LIMIT = csv.field_size_limit()  # 131,072 unless someone changed it


def csv_rows(text: str, file: str, first_line: int = 1) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, fields) for each row of text; first_line numbers its first line."""
    reader = csv.reader(io.StringIO(text))  # no newline translation: a lone CR stays visible
    while True:
        start = first_line + reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = first_line + max(reader.line_num - 1, 0)
            raise InputError(_explain(str(exc)), file, line) from None
        yield start, row


def _explain(message: str) -> str:
    if "field larger than field limit" in message:
        return f"CSV 字段超过 {FIELD_LIMIT:,} 个字符（该行可能缺少结束的双引号）"
    if "new-line character seen in unquoted field" in message:
        return "CSV 未加引号的字段中有单独的回车符（CR）：含换行的内容须用双引号括起，或把文件存为 CRLF/LF 换行"
    if "NUL" in message or "null byte" in message:
        return "CSV 中有 NUL 字节（\\0）：文件可能已损坏或不是文本"
    return f"CSV 格式错误：{message}"
