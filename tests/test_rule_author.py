"""The rule author's loop (issue 11 items 9–11): lint points at the wrong field with its allowed
values; rules test reports as JSON and JUnit XML for CI."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from conftest import GOOD_RULE, REPO
from yinhuan.cli import main

JUDGEMENT = (REPO / "rules" / "gongmao" / "GM-6-OTHER-MEASURES.yaml").read_text(encoding="utf-8") \
    .replace("GM-6-OTHER-MEASURES", "FX-JUDGE")


def lint(tmp_path, text):
    p = tmp_path / "a.yaml"
    p.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(main, ["rules", "lint", str(p)])
    return r.exit_code, r.output, text


@pytest.mark.parametrize("text,field,wrong,allowed", [
    (GOOD_RULE.replace("expect: 符合", "expect: 通过", 1), "examples[0].expect", "'通过'", "符合、不符合、不适用、证据不足、未到期"),
    (GOOD_RULE.replace("kind: each", "kind: judgment"), "check.kind", "'judgment'", "judgement"),
    (JUDGEMENT.replace("fail_on: 否", "fail_on: maybe"), "check.fail_on", "'maybe'", "是、否"),
])
def test_lint_names_the_wrong_field_and_its_allowed_values(tmp_path, text, field, wrong, allowed):
    code, out, text = lint(tmp_path, text)
    assert code == 2
    line = next(i for i, l in enumerate(text.splitlines(), 1) if wrong.strip("'") in l)
    assert f"a.yaml:{line}: 字段 {field}: 取值 {wrong} 无效，应为以下之一：" in out and allowed in out, out
    assert "缺少必填字段 rules" not in out


def test_the_list_form_still_reports_its_own_errors(tmp_path):
    code, out, _ = lint(tmp_path, "rules:\n  - id: FX-A\n    title: 四个字的\n")
    assert code == 2 and "rules[0]" in out and "缺少必填字段" in out


# ---- items 10 and 11: rules and checklists outside the package; parameters; CI reports ------

# the failing example states the empty column (absent is not false: a missing field gives 证据不足)
RULE = GOOD_RULE.replace("work_start: 2023-06-01}]}}}", "work_start: 2023-06-01, guardian: null}]}}}")

AUTHOR_CHECKLIST = """\
id: my-local-2023
title: 本地加严检查清单
sector: 工贸
window: {from: 2023-05-19, to: 2023-12-31}
phases:
  - {key: mobilization, name: 动员部署, to: 2023-05-31}
  - {key: enforcement, name: 部门精准执法, from: 2023-08-01, to: 2023-11-30}
include: {rules: [FX-AUTHOR, GM-1-CAMPAIGN-PLAN]}
"""


@pytest.fixture
def author(tmp_path):
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "FX-AUTHOR.yaml").write_text(RULE.replace("FX-GOOD", "FX-AUTHOR").replace("tags: [fx]", "tags: [本地]"),
                                          encoding="utf-8")
    checklist = tmp_path / "my-local.yaml"
    checklist.write_text(AUTHOR_CHECKLIST, encoding="utf-8")
    return rules, checklist


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_check_with_rules_and_checklist_kept_outside_the_package(author):
    rules, checklist = author
    ev = REPO / "examples" / "enterprises" / "gm-machinery.yaml"
    r = run("check", "--rules", rules, "--checklist", checklist, "--format", "json", ev)
    assert r.exit_code in (0, 1), r.output
    doc = json.loads(r.stdout)
    assert doc["checklist"]["id"] == "my-local-2023"
    assert [f["rule"] for f in doc["results"][0]["findings"]] == ["FX-AUTHOR", "GM-1-CAMPAIGN-PLAN"]
    book = doc["rulebook"]
    assert book["rules_dir"] == str(rules) and book["checklist_file"] == str(checklist) and not book["shipped"]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", book["digest"])
    shipped = json.loads(run("check", "--checklist", "gongmao-2023", "--format", "json", ev).stdout)["rulebook"]
    assert shipped["shipped"] and shipped["digest"] != book["digest"]
    again = json.loads(run("check", "--checklist", "gongmao-2023", "--format", "json", ev).stdout)["rulebook"]
    assert again["digest"] == shipped["digest"]


def test_rules_test_and_coverage_take_the_same_options(author):
    rules, checklist = author
    r = run("rules", "test", "--rules", rules, "--checklist", checklist, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert {x["rule"] for x in doc["results"]} == {"FX-AUTHOR", "GM-1-CAMPAIGN-PLAN"} and doc["failed"] == 0
    r = run("rules", "coverage", "--checklist", "gongmao-full-2023", "--rules", rules, "--format", "json")
    assert r.exit_code == 0, r.output


def test_param_overrides_a_checklist_parameter_and_is_recorded(tmp_path):
    r = run("rules", "test", "--checklist", "gongmao-2023", "--param", "gongmao_drill_window=campaign", "GM-7-DRILL")
    assert r.exit_code == 1 and "失败 [native] GM-7-DRILL" in r.stdout     # the examples assume year
    assert run("rules", "test", "--checklist", "gongmao-2023", "GM-7-DRILL").exit_code == 0
    ev = REPO / "examples" / "enterprises" / "gm-machinery.yaml"
    doc = json.loads(run("check", "--checklist", "gongmao-2023", "--param", "gongmao_drill_window=campaign",
                         "--format", "json", ev).stdout)
    assert doc["rulebook"]["overrides"] == {"gongmao_drill_window": "campaign"}
    assert doc["rulebook"]["params"]["gongmao_drill_window"] == "campaign"
    r = run("check", "--checklist", "gongmao-2023", "--param", "no_such=1", ev)
    assert r.exit_code == 2 and "没有参数 “no_such”" in r.output and "gongmao_drill_window" in r.output
    r = run("check", "--checklist", "gongmao-2023", "--param", "novalue", ev)
    assert r.exit_code == 2 and "名称=值" in r.output


def test_rules_test_junit_for_ci(tmp_path):
    bad = tmp_path / "r"
    bad.mkdir()
    (bad / "FX-FAILS.yaml").write_text(RULE.replace("FX-GOOD", "FX-FAILS").replace("expect: 不符合", "expect: 符合"),
                                       encoding="utf-8")
    (tmp_path / "c.yaml").write_text(AUTHOR_CHECKLIST.replace("FX-AUTHOR, GM-1-CAMPAIGN-PLAN", "FX-FAILS"), encoding="utf-8")
    out = tmp_path / "junit.xml"
    r = run("rules", "test", "--rules", bad, "--checklist", tmp_path / "c.yaml", "--format", "junit", "--out", out)
    assert r.exit_code == 1
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    case = root.find("testsuite[@name='FX-FAILS']/testcase[@name='bad [native]']")
    assert case is not None and "期望 符合，得到 不符合" in case.find("failure").get("message")
    doc = json.loads(run("rules", "test", "--rules", bad, "--checklist", tmp_path / "c.yaml", "--format", "json").stdout)
    assert doc["passed"] == 1 and doc["failed"] == 1


def test_tally_takes_a_checklist_file_and_records_the_rulebook(tmp_path):
    from bureau_helpers import GM_INPUTS
    cl = tmp_path / "my-gongmao.yaml"
    cl.write_text((REPO / "checklists" / "gongmao-2023.yaml").read_text(encoding="utf-8")
                  .replace("id: gongmao-2023", "id: my-gongmao-2023"), encoding="utf-8")
    findings = json.loads(GM_INPUTS[1].read_text(encoding="utf-8"))
    findings["checklist"]["id"] = "my-gongmao-2023"
    (tmp_path / "f.json").write_text(json.dumps(findings, ensure_ascii=False), encoding="utf-8")
    inputs = [GM_INPUTS[0], tmp_path / "f.json", *GM_INPUTS[2:]]
    r = run("tally", "--checklist", cl, "--param", "gongmao_drill_window=campaign", "--period", "2023-06",
            "--format", "json", "--out", tmp_path / "out", *inputs)
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "out" / "my-gongmao-2023-2023-06.json").read_text(encoding="utf-8"))
    assert doc["checklist"] == "my-gongmao-2023" and doc["rulebook"]["checklist_file"] == str(cl)
    assert doc["rulebook"]["overrides"] == {"gongmao_drill_window": "campaign"}
