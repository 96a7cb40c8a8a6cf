"""The rule author's loop (issue 11 items 9–11): lint points at the wrong field with its allowed
values; rules test reports as JSON and JUnit XML for CI."""
from __future__ import annotations

import json
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
