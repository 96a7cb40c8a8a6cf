"""The tally at scale: numbers from compact counts, explanations worded only when asked for.

The numbers a bureau files come from Counts that keep no wording (reports/tally.py); `--explain`
and the web word one cell by running the same source again. Both must agree on every cell."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from yinhuan.cli import main
from yinhuan.reports import layouts
from yinhuan.reports.cli import build_tally
from yinhuan.reports.tally import explain

ROOT = Path(__file__).resolve().parent.parent
BUREAU = ROOT / "examples" / "bureau"
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

DISTRICTS = ("环翠区", "文登区", "荣成市", "乳山市")


@pytest.fixture(scope="module")
def tally(tmp_path_factory):
    """40 generated 工贸 enterprises in the bureau's districts, checked, then tallied; a few are
    inspected twice (same credit code, a later date) so problems can be found rectified."""
    d = tmp_path_factory.mktemp("scale")
    files = []
    for i, data in enumerate(generate.generate(40, sector="工贸", seed=5)):
        data["enterprise"]["district"] = DISTRICTS[i % 4]
        data.setdefault("inspection", {})["date"] = "2023-11-20"
        data["inspection"]["mode"] = "部门检查" if i % 3 else "自查"
        p = d / f"e{i:02d}.yaml"
        p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        files.append(p)
        if i % 10 == 0:     # inspected again, with every judgement answered 是
            again = json.loads(json.dumps(data))
            again["inspection"]["date"] = "2023-12-10"
            for a in (again.get("answers") or {}).values():
                a["answer"] = "是"
            p = d / f"e{i:02d}-again.yaml"
            p.write_text(yaml.safe_dump(again, allow_unicode=True, sort_keys=False), encoding="utf-8")
            files.append(p)
    out = d / "f.jsonl"
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", "--format", "jsonl", "--out", str(out),
                                  *map(str, files)], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    t, _ = build_tally([BUREAU / "activity-gongmao.yaml", out], "gongmao-2023", "2023-12", cumulative=True)
    return t


def test_every_cell_worded_on_demand_has_the_number_filed(tally):
    nonzero = set()
    for metric in layouts.metrics():
        for district in DISTRICTS + (None,):
            cell = tally.cell(metric, district)
            assert cell.value == tally.value(metric, district), (metric, district)
            text = explain(tally, metric, district)
            assert len(text.splitlines()) >= 3 + len(cell.items)
            if cell.items and cell.measure != "yes_no":
                nonzero.add(layouts.metrics()[metric]["source"])
    assert {"inspections", "findings", "problems"} <= nonzero


def test_the_counts_keep_no_wording_and_problems_no_keys(tally):
    for metric, spec in layouts.metrics().items():
        for count in tally.cells[metric].values():
            if spec["source"] == "problems":
                assert not count.weights   # a total only: one per enterprise and rule is not kept
            for key, weight in count.weights.items():
                assert isinstance(key, (tuple, str)) and not isinstance(weight, str)
