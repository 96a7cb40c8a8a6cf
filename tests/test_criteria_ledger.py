"""Criteria met become ledger records (`check --ledger-out`), and `ledger check` validates every
判定依据 against the catalogue (`catalogue.basis_problem` / `ledger_basis`)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from click.testing import CliRunner

from yinhuan.catalogue import basis_problem
from yinhuan.cli import main

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "criteria"
LIGHT = {"sector": "工贸", "industry": "轻工", "domains": ["涉氨制冷"]}


def cli(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    return r.exit_code, r.output


def test_basis_problem():
    assert basis_problem("《工贸企业重大事故隐患判定标准》第十二条第（二）项", LIGHT) is None
    assert basis_problem("《工贸企业重大事故隐患判定标准》第十二条第(二)项", LIGHT) is None  # half-width
    assert basis_problem("GM-12-2", LIGHT) is None                                           # catalogue id
    assert "不在判定标准目录中" in basis_problem("《工贸企业重大事故隐患判定标准》第十三条第（四）项", LIGHT)
    assert "须写到项（分项）：第十二条第（一）项、第十二条第（二）项" in basis_problem("《工贸企业重大事故隐患判定标准》第十二条", LIGHT)
    assert "适用于冶金企业" in basis_problem("《工贸企业重大事故隐患判定标准》第四条第（一）项", LIGHT)
    assert "适用于" in basis_problem("《工贸企业重大事故隐患判定标准》第十一条第（三）项", LIGHT)   # not 粉尘涉爆
    assert basis_problem("《工贸企业重大事故隐患判定标准》第十四条", LIGHT) is None
    mine = {"sector": "非煤矿山", "mine_types": ["露天"]}
    assert basis_problem("《金属非金属矿山重大事故隐患判定标准》（矿安〔2022〕88号）二（七）2", mine) is None
    assert "露天" in basis_problem("《金属非金属矿山重大事故隐患判定标准》一（一）1", mine)
    assert "施行日期" in basis_problem("《金属非金属矿山重大事故隐患判定标准》二（七）2", mine, date(2022, 8, 1))
    assert "工贸企业" in basis_problem("《工贸企业重大事故隐患判定标准》第三条第（一）项", mine)


def test_ledger_out_writes_hazards_that_ledger_export_and_check_accept(tmp_path):
    out = tmp_path / "hazards.yaml"
    code, msg = cli("check", "--checklist", "gongmao-full-2023", "--ledger-out", out, EX / "crit-qinggong.yaml")
    assert code == 1 and "已写入重大事故隐患台账记录" in msg
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    [h] = doc["records"]["hazards"]
    assert h["basis"] == "《工贸企业重大事故隐患判定标准》第十二条第（二）项"
    assert (h["found_on"], h["found_by"], h["criterion"]) == ("2023-08-15", "部门检查", "GM-12-2")
    assert "O1（速冻车间）" in h["description"]
    code, msg = cli("ledger", "check", "--as-of", "2023-08-20", out)
    assert "判定依据" not in msg and "五到位" in msg          # the enterprise still has to fill 五到位
    code, csv_text = cli("ledger", "export", out)
    assert code == 0 and "第十二条第（二）项" in csv_text and "部门检查" in csv_text


def test_ledger_out_per_enterprise_folder_and_mode(tmp_path):
    code, msg = cli("check", "--checklist", "mine-criteria-2022", "--ledger-out", f"{tmp_path}/out/",
                    EX / "crit-dixia.yaml", EX / "crit-lutian.yaml")
    assert code == 1, msg
    dixia = yaml.safe_load((tmp_path / "out" / "crit-dixia-hazards.yaml").read_text(encoding="utf-8"))
    assert {h["criterion"] for h in dixia["records"]["hazards"]} == {"MINE-UG-1-2", "MINE-UG-20-1"}
    assert {h["found_by"] for h in dixia["records"]["hazards"]} == {"自查"}
    code, msg = cli("check", "--checklist", "mine-criteria-2022", "--ledger-out", tmp_path / "one.yaml",
                    EX / "crit-dixia.yaml", EX / "crit-lutian.yaml")
    assert code == 2 and "目录" in msg


def test_ledger_check_rejects_a_wrong_basis(tmp_path):
    ev = (EX / "crit-qinggong.yaml").read_text(encoding="utf-8").split("records:")[0] + """records:
  hazards:
    - {id: H1, description: 吊运跨内设休息室, basis: 《工贸企业重大事故隐患判定标准》第四条第（一）项, found_on: 2023-08-15, found_by: 部门检查, status: 已整改, rectified_on: 2023-08-16}
"""
    p = tmp_path / "ev.yaml"
    p.write_text(ev, encoding="utf-8")
    code, msg = cli("ledger", "check", "--as-of", "2023-08-20", p)
    assert code == 1 and "不适用于本企业" in msg and "冶金" in msg
