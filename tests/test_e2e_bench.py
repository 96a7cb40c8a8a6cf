"""benchmarks/e2e.py runs end to end on a few files (its figures are not asserted, only that the
installed CLI gets through check, tally and the floor on the files it generates)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_e2e_benchmark_runs_on_a_few_files(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "e2e.py"), "--n", "12", "--dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "check+tally" in r.stdout and "floor 的" in r.stdout
    out = tmp_path / "n12" / "out"
    lines = (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["yinhuan_rules"] == 1 and len(lines) == 1 + 12
    assert json.loads((tmp_path / "n12" / "generated.json").read_text())["made_by"]
    assert list((out / "tables").glob("*.xlsx"))
