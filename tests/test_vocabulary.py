"""The closed vocabulary: every value a rule compares with is an enumeration of the evidence schema,
generated from the rules (no drift); an unknown value is rejected with the nearest known ones;
declared aliases are normalised on load; lint rejects a rule value outside the vocabulary."""
from __future__ import annotations

import importlib.util
import json
from datetime import date

from click.testing import CliRunner

from conftest import EXAMPLES, GOOD_RULE, REPO, write_rules
from yinhuan.cli import main
from yinhuan.evidence import from_text
from yinhuan.rulebook import load_rulebook, shipped_rulebook
from yinhuan.session import Runner
from yinhuan.vocabulary import allowed_values, generate, rule_values

SCHEMA = REPO / "engine" / "schemas" / "evidence.schema.json"


def test_committed_schema_is_what_the_generator_gives_for_the_shipped_rules():
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert generate(committed, load_rulebook()) == committed, \
        "证据词表与规则不一致：请运行 python tools/evidence_vocabulary.py"


def test_generator_tool_writes_the_same_text():
    spec = importlib.util.spec_from_file_location("evidence_vocabulary", REPO / "tools" / "evidence_vocabulary.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert json.loads(mod.render()) == json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_every_value_a_rule_compares_with_is_published():
    vocab = allowed_values()
    used = rule_values(shipped_rulebook())
    assert {"inspections.kind", "role", "permits.kind", "documents.kind", "observations.kind",
            "documents.covers", "profile.industry"} <= set(used)
    for key, values in used.items():
        assert set(values) <= set(vocab[key]["values"]), key
    # and each field's enum in the schema is that vocabulary
    defs = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]
    assert defs["self_inspection"]["properties"]["kind"]["enum"] == vocab["inspections.kind"]["values"]
    assert defs["role"]["enum"] == vocab["role"]["values"]
    assert defs["hazard"]["properties"]["signed_off_by"]["items"] == {"$ref": "#/$defs/role"}


def test_allowed_values_give_labels_and_aliases():
    v = allowed_values()
    assert v["inspections.kind"]["label"] == "检查类型"
    assert "重大事故隐患排查" in v["inspections.kind"]["values"]
    assert v["permits.kind"]["aliases"]["动火作业"] == "动火"


def _evidence(kind_line: str) -> str:
    return f"""enterprise:
  name: 测试工贸有限公司
  credit_code: 91371002MA3C009900
  district: 环翠区
  sector: 工贸
records:
  inspections:
    - id: I1
      date: 2023-06-20
      {kind_line}
      led_by: 主要负责人
"""


def test_unknown_value_is_rejected_with_the_nearest_known(tmp_path):
    from yinhuan import creditcode
    text = _evidence("kind: 隐患排查").replace("91371002MA3C009900", creditcode.make("91371002MA3C00990"))
    p = tmp_path / "ent.yaml"
    p.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(p)])
    assert r.exit_code == 2, r.output
    assert f"{p.name}:10" in r.output and "records.inspections[0].kind" in r.output
    assert "未知的检查类型“隐患排查”，是否指“重大事故隐患排查”" in r.output
    assert "Traceback" not in r.output


def test_alias_is_normalised_on_load():
    from yinhuan import creditcode
    text = _evidence("kind: 重大隐患排查").replace("91371002MA3C009900", creditcode.make("91371002MA3C00990"))
    text += "  permits:\n    - {id: P1, kind: 动火作业, work_start: 2023-06-06 09:00, approved_at: 2023-06-06 10:00,\n" \
            "       guardian: 甲, measures_checked: true}\n"
    ev = from_text(text, "ent.yaml")
    assert ev.facts["inspections"][0]["kind"] == "重大事故隐患排查"
    assert ev.facts["permits"][0]["kind"] == "动火"
    book = shipped_rulebook()
    runner = Runner(book, book.checklist("gongmao-2023"), "native")
    f = next(f for f in runner.run(ev, date(2023, 12, 31)).findings if f.rule == "GM-3-PERMIT-APPROVAL-GUARDIAN")
    assert f.status == "不符合" and "P1" in f.reason   # the permit is a 动火 permit, so it is judged


def test_bundled_examples_are_valid():
    from yinhuan.evidence import load_evidence
    files = sorted(EXAMPLES.glob("*.yaml")) + sorted((REPO / "examples" / "bureau" / "evidence").glob("*.yaml")) \
        + sorted((REPO / "examples" / "criteria").glob("*.yaml"))
    assert len(files) > 10
    for p in files:
        load_evidence(p)


def test_lint_rejects_a_rule_value_outside_the_vocabulary(tmp_path):
    rule = """
id: FX-VOCAB
title: 带队检查
source: {document: 工贸方案, clause: 二（一）1}
tags: [fx]
check:
  kind: frequency
  fact: inspections
  what: 带队检查
  every: quarter
  where:
    all:
      - {field: kind, eq: 隐患排查}
      - {field: led_by, in: [主要负责人, 总经理]}
counters: [企业主要负责人未带队检查（家）]
examples: []
"""
    rdir, cdir = write_rules(tmp_path, {"fx": rule})
    r = CliRunner().invoke(main, ["rules", "lint", str(rdir), str(cdir)])
    assert r.exit_code == 2, r.output
    assert "fx.yaml:13" in r.output and "未知的检查类型“隐患排查”，是否指“重大事故隐患排查”" in r.output
    assert "fx.yaml:14" in r.output and "未知的岗位“总经理”" in r.output


def test_lint_names_an_alias_used_in_a_rule(tmp_path):
    rule = GOOD_RULE.replace("{field: kind, eq: 动火}", "{field: kind, eq: 动火作业}")
    assert rule != GOOD_RULE
    rdir, cdir = write_rules(tmp_path, {"fx": rule})
    r = CliRunner().invoke(main, ["rules", "lint", str(rdir), str(cdir)])
    assert r.exit_code == 2 and "“动火作业”是“动火”的别名" in r.output, r.output


# ---- fields rules match by pattern are closed too (issue 9 gap 5) --------------------------------

def test_pattern_matched_fields_are_published_enumerations():
    # GM-3 welding rules match equipment.kind by 焊|割; MINE-2's APP rule matches inspections.via by APP:
    # both fields are enumerations now, and the pattern matches published values
    vocab = allowed_values()
    assert {"电焊机", "气割设备"} <= set(vocab["equipment.kind"]["values"])
    assert "省非煤矿山安全风险监测预警系统APP" in vocab["inspections.via"]["values"]
    defs = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]
    assert defs["equipment"]["properties"]["kind"]["enum"] == vocab["equipment.kind"]["values"]


def test_an_equipment_kind_slip_is_rejected_and_an_alias_read(tmp_path):
    from yinhuan import creditcode
    from yinhuan.errors import InputError
    base = _evidence("kind: 重大事故隐患排查").replace("91371002MA3C009900", creditcode.make("91371002MA3C00990"))
    ev = from_text(base + "  equipment:\n    - {id: E1, kind: 交流电焊机, obsolete: true}\n", "ent.yaml")
    assert ev.facts["equipment"][0]["kind"] == "电焊机"    # an alias: the welder is seen by the rules
    try:
        from_text(base + "  equipment:\n    - {id: E1, kind: 电焊, obsolete: true}\n", "ent.yaml")
    except InputError as exc:
        assert "未知的设备类别“电焊”" in str(exc) and "电焊机" in str(exc)
    else:
        raise AssertionError("a slip in equipment.kind must be rejected, not read as 'not a welder'")


def test_lint_rejects_a_pattern_no_vocabulary_value_matches(tmp_path):
    rule = """
id: FX-PATTERN
title: 淘汰设备
source: {document: 工贸方案, clause: 二（一）3}
tags: [fx]
check:
  kind: none
  fact: equipment
  what: 淘汰的电焊设备
  where:
    all:
      - {field: kind, matches: 电焊设备}
      - {field: obsolete, eq: true}
counters: [制度措施不落实（家）]
examples: []
"""
    rdir, cdir = write_rules(tmp_path, {"fx": rule})
    r = CliRunner().invoke(main, ["rules", "lint", str(rdir), str(cdir)])
    assert r.exit_code == 2, r.output
    assert "fx.yaml:12" in r.output and "正则“电焊设备”不匹配设备类别词表中的任何值" in r.output


def test_training_subject_is_closed_and_topic_free(tmp_path):
    # the rules compare trainings.subject (published, aliases) and never the free-text topic
    from yinhuan import creditcode
    assert {"判定标准", "重点检查事项", "警示教育"} <= set(allowed_values()["trainings.subject"]["values"])
    assert "判定标准" in allowed_values()["meetings.subject"]["values"]
    base = _evidence("kind: 重大事故隐患排查").replace("91371002MA3C009900", creditcode.make("91371002MA3C00990"))
    text = base + "  trainings:\n    - {id: T1, date: 2023-06-15, topic: 随便写的题目, subject: 事故警示教育}\n"
    assert from_text(text, "ent.yaml").facts["trainings"][0]["subject"] == "警示教育"
    p = tmp_path / "ent.yaml"
    p.write_text(base + "  trainings:\n    - {id: T1, date: 2023-06-15, topic: 培训, subject: 判定标注}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", str(p)])
    assert r.exit_code == 2, r.output
    assert "判定标注" in r.output and "是否指“判定标准”" in r.output
    for rule in shipped_rulebook().rules.values():
        assert "'topic'" not in repr(rule.check) and "'title'" not in repr(rule.check), rule.id
