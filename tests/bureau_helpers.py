"""Shared by the tally, ledger and activity tests: run the bureau commands, read workbooks back."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
BUREAU = REPO / "examples" / "bureau"
GM_INPUTS = [BUREAU / "activity-gongmao.yaml", BUREAU / "findings-gongmao-2023-06.json",
             *sorted((BUREAU / "evidence").glob("gm-*.yaml"))]
MINE_INPUTS = [BUREAU / "activity-mine.csv", BUREAU / "findings-mine-2023-06.json",
               *sorted((BUREAU / "evidence").glob("mine-*.yaml"))]


def run(command, *args):
    """(exit code, everything printed); an unexpected exception fails the test with its traceback."""
    result = CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
