"""The `yinhuan` command as users run it: exit codes, outputs, and one clear message for bad input."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES, GOOD_RULE, write_rules
from yinhuan.cli import main


def invoke(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def test_check_table_and_exit_code_for_failures():
    r = invoke("check", "--checklist", "gongmao-2023", EXAMPLES / "gm-steel-smelting.yaml")
    assert r.exit_code == 1, r.output
    assert "不符合" in r.output and "理由：" in r.output and "计入：" in r.output


def test_check_json_carries_clause_evidence_and_counters():
    r = invoke("check", "--checklist", "gongmao-2023", "--format", "json", EXAMPLES / "gm-steel-smelting.yaml")
    doc = json.loads(r.output)
    assert doc["yinhuan_findings"] == 1 and doc["checklist"]["id"] == "gongmao-2023"
    res = doc["results"][0]
    assert res["enterprise"]["credit_code"] == "91371003MA3F2R6T20"
    assert res["inspection"]["mode"] == "部门检查" and res["as_of"] == "2023-09-14"
    failed = [f for f in res["findings"] if f["status"] == "不符合"]
    assert failed and all(f["source"] and f["counters"] for f in failed)
    assert all(f["counters"] == [] for f in res["findings"] if f["status"] != "不符合")
    assert any(f["evidence"] for f in failed)


def test_as_of_overrides_inspection_date():
    r = invoke("check", "--checklist", "gongmao-2023", "--format", "json", "--as-of", "2023.06.30",
               EXAMPLES / "gm-machinery.yaml")
    assert json.loads(r.output)["results"][0]["as_of"] == "2023-06-30"


@pytest.mark.parametrize("content,needle", [
    ("enterprise: [1\n", "语法错误"),
    ("", "文件为空"),
    ("enterprise: {}\nenterprise: {}\n", "重复的键"),
    ("enterprise:\n  name: 某某公司\n", "缺少必填字段"),
])
def test_bad_evidence_exits_2_with_file_and_line(tmp_path, content, needle):
    p = tmp_path / "bad.yaml"
    p.write_text(content, encoding="utf-8")
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(p)])
    assert r.exit_code == 2
    assert needle in r.output and str(p) in r.output
    assert "Traceback" not in r.output


def test_bad_date_in_evidence_names_field(tmp_path):
    text = (EXAMPLES / "gm-machinery.yaml").read_text(encoding="utf-8").replace("date: 2023-06-20", "date: 2023-13-01")
    p = tmp_path / "e.yaml"
    p.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(p)])
    assert r.exit_code == 2
    assert "不存在的日期" in r.output and "records.inspections[0].date" in r.output
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "2023-13-01" in ln)
    assert f"{p}:{line}:" in r.output


def test_unknown_checklist_and_rule_exit_2():
    r = CliRunner().invoke(main, ["check", "--checklist", "nope", str(EXAMPLES / "gm-machinery.yaml")])
    assert r.exit_code == 2 and "未知的检查清单" in r.output
    r = CliRunner().invoke(main, ["rules", "test", "NO-SUCH-RULE"])
    assert r.exit_code == 2 and "未知的规则" in r.output


def test_no_half_written_output_when_a_later_file_is_bad(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("enterprise: {}\n", encoding="utf-8")
    out = tmp_path / "out.json"
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", "--format", "json", "--out", str(out),
                                  str(EXAMPLES / "gm-machinery.yaml"), str(bad)])
    assert r.exit_code == 2 and not out.exists()


def test_ask_saves_each_answer_and_resumes(tmp_path):
    p = tmp_path / "ev.yaml"
    text = (EXAMPLES / "gm-machinery.yaml").read_text(encoding="utf-8")
    text = text[: text.index("answers:")]  # drop the answers; keep the comments above
    p.write_text(text, encoding="utf-8")
    judgement_ids = [rid for rid in _judgement_rules("gongmao-2023")]
    assert judgement_ids
    # answer the first item, then stop (EOF) — the first answer must already be on disk
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", "--ask", str(p)],
                           input="是 | 抽查不一致\n")
    saved = yaml.safe_load(p.read_text(encoding="utf-8"))
    assert saved["answers"][judgement_ids[0]]["answer"] == "是"
    assert p.read_text(encoding="utf-8").startswith("# 示例")  # comments kept
    # resuming does not ask the answered item again
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", "--ask", str(p)],
                           input="跳过\n" * len(judgement_ids))
    assert f"[{judgement_ids[0]}]" not in r.output
    assert r.exit_code in (0, 1)


def _judgement_rules(checklist_id):
    from yinhuan.rulebook import load_rulebook
    book = load_rulebook()
    return [r.id for r in book.rules_of(book.checklist(checklist_id)) if r.kind == "judgement"]


def test_lint_reports_every_problem_with_file_and_line(tmp_path):
    rdir, cdir = write_rules(tmp_path, {
        "a": GOOD_RULE.replace("FX-GOOD", "FX-A"),
        "dup": GOOD_RULE.replace("FX-GOOD", "FX-A"),
        "badfield": GOOD_RULE.replace("FX-GOOD", "FX-B").replace("field: kind", "field: colour"),
        "badcounter": GOOD_RULE.replace("FX-GOOD", "FX-C").replace("counters: [制度措施不落实（家）]",
                                                                     "counters: [制度不落实]"),
    }, checklist="""
id: fx
title: 测试清单
sector: 工贸
window: {from: 2023-05-19, to: 2023-12-31}
include: {rules: [FX-A, FX-MISSING]}
""")
    shutil.copy(EXAMPLES.parent.parent / "rules" / "counters.yaml", rdir / "counters.yaml")
    r = CliRunner().invoke(main, ["rules", "lint", str(rdir), str(cdir)])
    assert r.exit_code == 2
    out = r.output
    assert "重复" in out and f"{rdir / 'dup.yaml'}:2:" in out
    assert "没有字段 “colour”" in out and str(rdir / "badfield.yaml") in out
    assert "未知的调度表指标 “制度不落实”" in out
    assert "不存在的规则 “FX-MISSING”" in out and str(cdir / "fx.yaml") in out


def test_shipped_rules_lint_and_test_clean():
    r = invoke("rules", "lint")
    assert r.exit_code == 0, r.output
    r = invoke("rules", "test")
    assert r.exit_code == 0, r.output
    assert " 0 failed" in r.output


def test_demo_runs_on_bundled_examples():
    r = invoke("demo")
    assert r.exit_code == 1, r.output     # it reports 不符合, so it exits 1 as check does
    assert "gongmao-2023" in r.output and "mine-2023" in r.output
    for f in EXAMPLES.glob("*.yaml"):
        name = yaml.safe_load(f.read_text(encoding="utf-8"))["enterprise"]["name"]
        assert name in r.output


def test_sector_mismatch_is_refused():
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(EXAMPLES / "mine-openpit-granite.yaml")])
    assert r.exit_code == 2 and "检查清单 gongmao-2023 适用于工贸企业" in r.output
    assert "mine-openpit-granite.yaml:" in r.output and "enterprise.sector" in r.output


def test_only_filters_rows_and_rejects_unknown_status():
    r = invoke("check", "--checklist", "gongmao-2023", "--only", "不符合", EXAMPLES / "gm-steel-smelting.yaml")
    rows = [ln for ln in r.output.splitlines() if ln[:1] in "✓✗-?…"]
    assert rows and all(ln.startswith("✗") for ln in rows)
    assert "合计：" in r.output
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", "--only", "坏", str(EXAMPLES / "gm-steel-smelting.yaml")])
    assert r.exit_code == 2 and "未知的状态" in r.output


def test_lint_knows_the_fields_of_each_observation_kind(tmp_path):
    rule = GOOD_RULE.replace("FX-GOOD", "FX-OBS").replace("fact: permits", "fact: observations").replace(
        "where: {field: kind, eq: 动火}", "where: {field: kind, eq: 疏散出口}").replace(
        "require: {field: guardian, is_set: true}", "require: {field: markd, eq: true}")
    rdir, cdir = write_rules(tmp_path, {"obs": rule}, checklist="""
id: fx
title: 测试清单
sector: 工贸
window: {from: 2023-05-19, to: 2023-12-31}
include: {rules: [FX-OBS]}
""")
    r = CliRunner().invoke(main, ["rules", "lint", str(rdir), str(cdir)])
    assert r.exit_code == 2
    assert "观察类别 疏散出口 没有字段 “markd”" in r.output and f"{rdir / 'obs.yaml'}:" in r.output


def test_unwritable_output_is_bad_input_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", "--format", "json",
                                  "--out", str(blocker / "sub" / "out.json"), str(EXAMPLES / "gm-machinery.yaml")])
    assert r.exit_code == 2 and "无法写入" in r.output and "Traceback" not in r.output
