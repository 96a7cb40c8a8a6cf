"""The bounded .xlsx opener and the formula-safe cell writer this package uses: the shared ones
(yinhuan.xlsxread, yinhuan.cells), named here once so the reader and writer import one place."""
from __future__ import annotations

from yinhuan.cells import put  # noqa: F401
from yinhuan.xlsxread import open_workbook, rows  # noqa: F401
