"""One fact, written once: profile flags worked out from the records, and a flag that contradicts
the records rejected at load (exit 2, file, line, field, records), the same in both sectors."""
from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES
from yinhuan.cli import main
from yinhuan.errors import InputError
from yinhuan.evidence import from_data
from yinhuan.ruletest import DEFAULT_PROFILES


def load(sector, records, **flags):
    return from_data({"enterprise": {**DEFAULT_PROFILES[sector], "flags": flags}, "records": records})


@pytest.mark.parametrize("sector", ["工贸", "非煤矿山"])
def test_flags_derived_from_records(sector):
    ev = load(sector, {"contractors": [{"id": "C1", "name": "某公司"}],
                       "permits": [{"id": "P1", "kind": "动火", "work_start": "2023-06-06 09:00"}],
                       "workers": [{"id": "W1", "name": "甲", "special_operation": "电焊"}]})
    assert ev.profile["flags"] == {"has_contractors": True, "has_hazardous_work": True,
                                   "has_special_operations": True}


@pytest.mark.parametrize("sector", ["工贸", "非煤矿山"])
def test_what_records_cannot_prove_stays_unknown(sector):
    ev = load(sector, {"contractors": [], "permits": [], "workers": [{"id": "W1", "name": "甲"}]})
    # an empty register of contractors lists them all; no permits or no special post proves nothing
    assert ev.profile["flags"] == {"has_contractors": False}
    assert load(sector, {}).profile["flags"] == {}


@pytest.mark.parametrize("sector", ["工贸", "非煤矿山"])
@pytest.mark.parametrize("flag,records,named", [
    ("has_contractors", {"contractors": [{"id": "C1", "name": "某公司"}]}, "C1"),
    ("has_hazardous_work", {"permits": [{"id": "P7", "kind": "高处", "work_start": "2023-06-06"}]}, "P7"),
    ("has_special_operations", {"workers": [{"id": "W2", "name": "乙", "special_operation": "电工"}]}, "W2"),
])
def test_flag_false_contradicting_records_is_an_error(sector, flag, records, named):
    with pytest.raises(InputError, match=f"flags.{flag} 为 false.*{named}"):
        load(sector, records, **{flag: False})


def test_contractors_flag_true_with_empty_register_is_an_error():
    with pytest.raises(InputError, match="flags.has_contractors 为 true.*为空列表"):
        load("工贸", {"contractors": []}, has_contractors=True)


@pytest.mark.parametrize("example", ["gm-machinery.yaml", "mine-openpit-granite.yaml"])
def test_cli_rejects_contradiction_with_file_line_and_field(tmp_path, example):
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    assert yaml.safe_load(text)["enterprise"]["flags"]["has_contractors"] is False
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "has_contractors" in s)
    assert "  contractors: []\n" in text
    (tmp_path / example).write_text(text.replace("  contractors: []\n", "  contractors: [{id: C9, name: 某外包队伍}]\n"),
                                    encoding="utf-8")
    checklist = "gongmao-2023" if example.startswith("gm") else "mine-2023"
    r = CliRunner().invoke(main, ["check", "--checklist", checklist, str(tmp_path / example)])
    assert r.exit_code == 2, r.output
    assert f"{example}:{line}" in r.output and "flags.has_contractors" in r.output and "C9" in r.output
    assert "Traceback" not in r.output
