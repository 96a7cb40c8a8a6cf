"""Decode a CSV file the way clerks save them: UTF-8 (with or without BOM) or GBK/GB18030.

Excel on Chinese Windows saves "CSV (逗号分隔)" in the ANSI code page, which is GBK (code page 936);
GB18030 is its superset and decodes every GBK file. A file is tried as UTF-8 first (a valid UTF-8
file of Chinese text is practically never valid GB18030 by accident, and the BOM settles it), then
as GB18030. When the file was not UTF-8 the reader says so on stderr, so a clerk who sees odd
characters knows which encoding was assumed. yinhuan writes CSV as UTF-8 with a BOM, which Excel
opens correctly.
"""
from __future__ import annotations

from pathlib import Path

from .errors import InputError

UTF8, GB18030 = "UTF-8", "GB18030"


def decode(data: bytes, file: str) -> tuple[str, str]:
    """(text, encoding name) of a CSV file's bytes; InputError when neither encoding fits."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), GB18030
    except UnicodeDecodeError as exc:
        raise InputError(f"无法识别 CSV 的编码：既不是 UTF-8，也不是 GBK/GB18030（第 {exc.start} 字节起无法解码）；"
                         "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”", file) from None


def read_csv_text(path: str | Path) -> str:
    """The text of a CSV file; says on stderr when it was read as GBK/GB18030."""
    from .loader import read_input_bytes
    data = read_input_bytes(path)
    text, encoding = decode(data, str(path))
    if encoding != UTF8:
        import click
        click.echo(f"注意：{path} 不是 UTF-8 编码，已按 {encoding}（兼容 GBK）读取", err=True)
    return text
