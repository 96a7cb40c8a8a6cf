"""Cells others open: every text yinhuan writes to .xlsx or CSV goes through here.

A clerk opens what the tool writes in Excel or WPS. Text that comes from evidence files, ledgers or
activity files (a hazard's description, an enterprise's name) is data, never a formula:

- .xlsx: a string is always stored as a string cell (data type set explicitly, so openpyxl never
  turns "=HYPERLINK(...)" into a formula), and one that begins like a formula also gets the
  quotePrefix style (Excel's leading apostrophe), so editing the cell later keeps it text.
- CSV: a field that begins with = + - @ TAB or CR (and their full-width forms ＝ ＋ － ＠, which
  some Chinese spreadsheet programs also read as formulas) is prefixed with an apostrophe, as
  OWASP's CSV-injection guidance recommends, and every field is wrapped in double quotes (the
  csv module would leave a lone CR unquoted, which splits the row for the next reader).
- Control characters (NUL, ESC, ... everything below U+0020 except TAB, LF and CR) cannot be
  stored in .xlsx (openpyxl raises IllegalCharacterError). They are replaced *visibly* by their
  Unicode control pictures (NUL → ␀, ESC → ␛), in both formats, so the reader sees that the source
  had one; lone surrogates and the non-characters U+FFFE/U+FFFF become U+FFFD.

Numbers, dates and None are written as they are: only text is neutralised.
"""
from __future__ import annotations

import csv
import io
import re

# below U+0020 except TAB, LF, CR; also DEL (invisible, and confusing in a form)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNENCODABLE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _picture(m: re.Match) -> str:
    c = ord(m.group())
    return "\u2421" if c == 0x7F else chr(0x2400 + c)


def clean_text(text: str) -> str:
    """Control characters replaced by their visible pictures; unencodable code points by U+FFFD."""
    if _CONTROL.search(text):
        text = _CONTROL.sub(_picture, text)
    if _UNENCODABLE.search(text):
        text = _UNENCODABLE.sub("\ufffd", text)
    return text


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def put(cell, value):
    """Set an openpyxl cell: text stays text (never a formula), numbers and dates as they are."""
    if isinstance(value, str):
        text = clean_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl would make "=..." a formula: say explicitly it is a string
        if looks_like_formula(text):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def csv_field(value):
    """One CSV field, neutralised (OWASP): text that would start a formula gets a leading apostrophe."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return "'" + text if looks_like_formula(text) else text


def csv_bytes(header: list, rows, bom: bool = True) -> bytes:
    """A whole CSV as UTF-8 (with a BOM, so Excel on a Chinese Windows reads it), every field neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a CR inside a field stays in its quotes
    w.writerow([csv_field(v) for v in header])
    for row in rows:
        w.writerow([csv_field(v) for v in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")
