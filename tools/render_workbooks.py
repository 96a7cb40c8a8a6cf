"""Render the workbooks yinhuan writes to PDF and PNG, to look at them as a clerk would print them.

    python tools/render_workbooks.py OUT_DIR

Writes, from the bundled examples, the 工贸 and 非煤矿山 dispatch workbooks (tally) and a ledger of both
sectors (ledger export) into OUT_DIR, converts each with LibreOffice (`soffice --headless
--convert-to pdf`, its own throw-away profile) and each PDF page to PNG (`pdftoppm -png -r 80`).
Open every PNG: tests/test_print_layout.py checks what can be checked from the text of the pages.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from yinhuan.cli import main
from yinhuan.resources import examples_dir


def render(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    bureau = examples_dir() / "bureau"
    evidence = sorted((bureau / "evidence").glob("*.yaml"))
    runs = [["tally", "--checklist", "gongmao-2023", "--period", "2023-06", "--format", "xlsx", "--out", str(out),
             str(bureau / "activity-gongmao.yaml"), str(bureau / "findings-gongmao-2023-06.json"),
             *[str(e) for e in evidence if e.name.startswith("gm-")]],
            ["tally", "--checklist", "mine-2023", "--period", "2023-06", "--format", "xlsx", "--out", str(out),
             str(bureau / "activity-mine.csv"), str(bureau / "findings-mine-2023-06.json"),
             *[str(e) for e in evidence if e.name.startswith("mine-")]],
            ["ledger", "export", "--out", str(out / "台账.xlsx"), *map(str, evidence)]]
    for args in runs:
        r = CliRunner().invoke(main, args)
        if r.exit_code:
            sys.exit(f"{' '.join(args[:2])} failed: {r.output}")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftoppm"):
        sys.exit("需要 LibreOffice（soffice）和 poppler-utils（pdftoppm）")
    books = sorted(out.glob("*.xlsx"))
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), *map(str, books)], check=True, capture_output=True, timeout=600)
    for book in books:
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(out / f"{book.stem}.pdf"), str(out / book.stem)], check=True)
    return sorted(out.glob("*.png"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for png in render(Path(sys.argv[1])):
        print(png)
