"""The self-check workbook (自查表): a checklist's evidence as an Excel workbook enterprises fill,
and the reader that turns a filled one back into evidence.

layout.py works out what a checklist's workbook holds (from the compiled rules and the evidence
schema), write.py writes it, read.py reads it back; `yinhuan template` is cli.py. The engine reaches
this package only through yinhuan.evidence.load_evidence, by a lazy import, when given an .xlsx.
"""
from __future__ import annotations


def is_workbook(path) -> bool:
    """Whether an .xlsx is a self-check workbook (it carries the hidden 设置 sheet), told from its
    workbook.xml alone: importers use it to tell a 自查表 from a 附件2 ledger before reading either."""
    import zipfile
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("xl/workbook.xml")
            if info.file_size > 1_000_000:
                return False
            text = z.read(info).decode("utf-8", errors="ignore")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return 'name="设置"' in text and 'name="企业基本情况"' in text


def read_bytes(data: bytes, filename: str = "自查表.xlsx"):
    """(evidence dict, WorkbookInfo) of an uploaded workbook: the same reader as a file on disk
    (through a temporary file, since the bounded opener checks the archive on disk)."""
    import os
    import tempfile
    from pathlib import Path

    from .read import read
    fd, tmp = tempfile.mkstemp(prefix=".yinhuan-upload-", suffix=Path(filename).suffix.lower() or ".xlsx")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        evidence, _doc, info = read(tmp)
    except Exception as exc:
        _rename(exc, tmp, filename)
        raise
    finally:
        os.unlink(tmp)
    return evidence, info


def read_workbook_bytes(data: bytes, filename: str = "自查表.xlsx") -> dict:
    """The evidence dict of an uploaded workbook (what the web upload asks for)."""
    return read_bytes(data, filename)[0]


def _rename(exc: Exception, tmp: str, filename: str) -> None:
    """Errors name the file the user uploaded, not the temporary copy."""
    for e in getattr(exc, "errors", None) or [exc]:
        if getattr(e, "file", None) and tmp in str(e.file):
            e.file = str(e.file).replace(tmp, filename)
