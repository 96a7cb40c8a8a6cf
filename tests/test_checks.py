"""Each check kind on passing, failing, not-applicable and missing-evidence cases."""
from __future__ import annotations

from datetime import date

import pytest

from conftest import run_rule
from yinhuan.evidence import from_data
from yinhuan.ruletest import DEFAULT_PROFILES

HEAD = """
title: 测试规则标题
source: {document: 工贸方案, clause: 二（一）1}
tags: [fx]
"""

FREQ = "id: FX-FREQ" + HEAD + """
check:
  kind: frequency
  fact: inspections
  what: 主要负责人带队检查
  where: {field: led_by, eq: 主要负责人}
  every: quarter
  overrides:
    - when: {profile: domains, contains_any: [金属冶炼, 粉尘涉爆, 涉氨制冷]}
      every: month
"""
EXISTS = "id: FX-EXISTS" + HEAD + """
check:
  kind: exists
  fact: documents
  what: 排查整治方案
  where: {field: kind, eq: 排查整治方案}
  by: {param: phase.mobilization.to}
"""
EACH = "id: FX-EACH" + HEAD + """
check:
  kind: each
  fact: hazards
  what: 未整改的重大事故隐患
  where: {field: status, ne: 已整改}
  require:
    all:
      - {field: five_in_place.responsible, is_set: true}
      - {field: five_in_place.measures, is_set: true}
      - {field: five_in_place.funds, is_set: true}
      - {field: five_in_place.deadline, is_set: true}
      - {field: five_in_place.emergency_plan, is_set: true}
  requirement: 五到位
"""
NONE = "id: FX-NONE" + HEAD + """
applies: {profile: flags.has_welding_equipment, eq: true}
check:
  kind: none
  fact: equipment
  what: 淘汰的电气焊设备
  where: {field: obsolete, eq: true}
"""
COVER = "id: FX-COVER" + HEAD + """
check:
  kind: coverage
  what: 从业人员
  requirement: 参加判定标准培训
  of: {fact: workers, key: id}
  by: {fact: trainings, key: attendees, where: {field: topic, matches: 判定标准}}
"""
PROFILE = "id: FX-PROFILE" + HEAD + """
check:
  kind: profile
  require:
    any:
      - {profile: safety_body, eq: true}
      - {profile: safety_staff, ge: {param: staff_min}}
  requirement: 设置安全管理机构或配足安全管理人员
"""
JUDGE = "id: FX-JUDGE" + HEAD + """
check:
  kind: judgement
  question: 是否存在“口头执行、纸面落实”？
  fail_on: 是
"""


@pytest.fixture
def book(tmp_book):
    return tmp_book({"freq": FREQ, "exists": EXISTS, "each": EACH, "none": NONE, "cover": COVER,
                     "profile": PROFILE, "judge": JUDGE})


def status(book, evidence, rule, as_of="2023-12-31"):
    return run_rule(book, evidence, as_of)[rule]


def insp(i, d, who="主要负责人"):
    return {"id": i, "date": d, "led_by": who}


class TestFrequency:
    def test_every_quarter_met(self, book):
        # a (05-20) falls in 5月19日–6月30日, the partial first quarter, which is not judged (the
        # due-date model, docs/rules.md); b and c cover the third and fourth quarters
        ev = {"records": {"inspections": [insp("a", "2023-05-20"), insp("b", "2023.08.01"), insp("c", "2023年12月1日")]}}
        f = status(book, ev, "FX-FREQ", "2024-01-05")
        assert f.status == "符合"
        assert [e["id"] for e in f.evidence] == ["b", "c"]

    def test_partial_first_quarter_is_not_judged(self, book):
        # the window starts 2023-05-19: the second quarter is cut short and not a period; the third
        # quarter is the first one judged (a record before the window counts for nothing)
        ev = {"records": {"inspections": [insp("a", "2023-05-10"), insp("b", "2023-08-01"), insp("c", "2023-11-01")]}}
        f = status(book, ev, "FX-FREQ", "2024-01-05")
        assert f.status == "符合"
        assert [p["period"] for p in f.details["periods"]] == ["2023年第三季度", "2023年第四季度"]

    def test_a_period_ending_on_the_evaluation_date_is_over(self, book):
        # as_of is the end of that day: on 09-30 the third quarter has ended with no record
        ev = {"records": {"inspections": [insp("a", "2023-06-01")]}}
        f = status(book, ev, "FX-FREQ", "2023-09-30")
        assert f.status == "不符合" and f.reason.startswith("2023年第三季度无主要负责人带队检查记录")
        assert status(book, ev, "FX-FREQ", "2023-09-29").status == "未到期"

    def test_missing_quarter_names_it(self, book):
        ev = {"records": {"inspections": [insp("a", "2023-06-01"), insp("b", "2023-07-02", "安全总监"), insp("c", "2023-11-01")]}}
        f = status(book, ev, "FX-FREQ", "2024-01-05")
        assert f.status == "不符合"
        assert "2023年第三季度无主要负责人带队检查记录" in f.reason
        assert "第四季度" not in f.reason

    def test_override_monthly_for_high_risk_domains(self, book):
        ev = {"enterprise": {"domains": ["粉尘涉爆"]},
              "records": {"inspections": [insp("a", "2023-05-20"), insp("b", "2023-06-20"), insp("c", "2023-08-20")]}}
        f = status(book, ev, "FX-FREQ", "2023-09-15")
        assert f.status == "不符合" and "2023年7月" in f.reason and "每月" in f.reason
        # the same records satisfy the quarterly rule for an ordinary enterprise
        ev["enterprise"] = {"domains": []}
        assert status(book, ev, "FX-FREQ", "2023-09-15").status == "符合"

    def test_current_period_not_yet_due(self, book):
        ev = {"records": {"inspections": []}}
        f = status(book, ev, "FX-FREQ", "2023-08-10")
        assert f.status == "未到期"
        # ... unless it already passes
        ev = {"records": {"inspections": [insp("a", "2023-08-01")]}}
        assert status(book, ev, "FX-FREQ", "2023-08-10").status == "符合"
        # before the first judged period (the third quarter) begins, nothing is due
        assert status(book, {"records": {"inspections": []}}, "FX-FREQ", "2023-06-10").status == "未到期"

    def test_current_period_pending_does_not_fail(self, book):
        ev = {"records": {"inspections": [insp("a", "2023-08-01")]}}
        f = status(book, ev, "FX-FREQ", "2023-10-10")
        assert f.status == "符合" and "第四季度尚未结束" in f.reason

    def test_missing_section_is_insufficient(self, book):
        assert status(book, {"records": {}}, "FX-FREQ").status == "证据不足"

    def test_other_sector_not_applicable(self, book):
        f = status(book, {"enterprise": {"sector": "非煤矿山"}, "records": {"inspections": []}}, "FX-FREQ")
        assert f.status == "不适用"


class TestExists:
    def test_by_deadline(self, book):
        ev = {"records": {"documents": [{"id": "p", "kind": "排查整治方案", "date": "2023-05-30"}]}}
        assert status(book, ev, "FX-EXISTS").status == "符合"

    def test_late_document_fails_and_is_cited(self, book):
        ev = {"records": {"documents": [{"id": "p", "kind": "排查整治方案", "date": "2023-06-02"}]}}
        f = status(book, ev, "FX-EXISTS")
        assert f.status == "不符合" and "p 的日期不在要求的时间内" in f.reason
        assert [e["id"] for e in f.evidence] == ["p"]

    def test_before_deadline_nothing_yet_is_not_due(self, book):
        assert status(book, {"records": {"documents": []}}, "FX-EXISTS", "2023-05-25").status == "未到期"

    def test_absent_section(self, book):
        assert status(book, {"records": {"inspections": []}}, "FX-EXISTS").status == "证据不足"


class TestEach:
    def test_all_five_in_place(self, book):
        full = {"responsible": "甲", "measures": "乙", "funds": 1, "deadline": "2023-09-01", "emergency_plan": "丙"}
        ev = {"records": {"hazards": [
            {"id": "h1", "description": "x", "found_on": "2023-06-01", "found_by": "自查", "status": "整改中", "five_in_place": full},
            {"id": "h2", "description": "y", "found_on": "2023-06-01", "found_by": "自查", "status": "已整改", "rectified_on": "2023-06-02"}]}}
        assert status(book, ev, "FX-EACH").status == "符合"

    def test_violation_lists_record(self, book):
        ev = {"records": {"hazards": [
            {"id": "h1", "description": "x", "found_on": "2023-06-01", "found_by": "自查", "status": "未整改",
             "five_in_place": {"responsible": "甲", "measures": None, "funds": None, "deadline": None,
                               "emergency_plan": None}}]}}
        f = status(book, ev, "FX-EACH")
        assert f.status == "不符合" and "h1" in f.reason and f.evidence[0]["id"] == "h1"

    def test_absent_field_is_insufficient_naming_record_and_field(self, book):
        """Absent is not false: five_in_place.funds not written at all is missing evidence."""
        ev = {"records": {"hazards": [
            {"id": "h1", "description": "x", "found_on": "2023-06-01", "found_by": "自查", "status": "未整改",
             "five_in_place": {"responsible": "甲", "measures": "乙", "deadline": "2023-09-01",
                               "emergency_plan": "丙"}}]}}
        f = status(book, ev, "FX-EACH")
        assert f.status == "证据不足", f.reason
        assert "h1 缺少" in f.reason and "five_in_place.funds" in f.reason
        assert [e["id"] for e in f.evidence] == ["h1"]
        assert f.details["undetermined"] == {"h1": ["five_in_place.funds"]}


PERMIT_RULE = "GM-3-PERMIT-APPROVAL-GUARDIAN"


def permit(pid, **kw):
    return {"id": pid, "kind": "动火", "work_start": "2023-06-06 09:00", **kw}


class TestEachRequirements:
    """A rule with several requirements says which one each record failed."""

    def run(self, permits):
        from yinhuan.rulebook import shipped_rulebook
        from yinhuan.session import Runner
        book = shipped_rulebook()
        runner = Runner(book, book.checklist("gongmao-2023"), "native")
        ev = from_data({"enterprise": dict(DEFAULT_PROFILES["工贸"]), "records": {"permits": permits}})
        return next(f for f in runner.run(ev, date(2023, 12, 31)).findings if f.rule == PERMIT_RULE)

    def test_each_record_names_its_failed_requirement(self):
        f = self.run([permit("P1", approved_at="2023-06-06 10:00", guardian="甲", measures_checked=True),
                      permit("P2", approved_at="2023-06-06 08:00", guardian=None, measures_checked=True),
                      permit("P3", approved_at="2023-06-06 08:00", guardian="乙", measures_checked=False)])
        assert f.status == "不符合"
        assert "P1 未满足“审批时间不晚于作业开始时间”" in f.reason
        assert "P2 未满足“现场监护人已填写”" in f.reason
        assert "P3 未满足“安全措施是否检查确认为是”" in f.reason
        assert f.details["failed"] == {"P1": ["审批时间不晚于作业开始时间"], "P2": ["现场监护人已填写"],
                                       "P3": ["安全措施是否检查确认为是"]}

    def test_absent_approval_time_is_insufficient(self):
        f = self.run([permit("P1", guardian="甲", measures_checked=True)])
        assert f.status == "证据不足"
        assert "P1 缺少 审批时间（approved_at）" in f.reason

    def test_proven_violation_wins_and_lists_the_undetermined(self):
        f = self.run([permit("P1", approved_at="2023-06-06 10:00", guardian="甲", measures_checked=True),
                      permit("P2", approved_at="2023-06-06 08:00", guardian="乙")])
        assert f.status == "不符合"
        assert "P2 缺少 安全措施是否检查确认（measures_checked）" in f.reason
        assert {e["id"] for e in f.evidence} == {"P1", "P2"}

    def test_no_subject_is_not_applicable(self, book):
        assert status(book, {"records": {"hazards": []}}, "FX-EACH").status == "不适用"

    def test_absent_section(self, book):
        assert status(book, {"records": {}}, "FX-EACH").status == "证据不足"


class TestNone:
    def test_pass_fail_na_insufficient(self, book):
        flags = {"flags": {"has_welding_equipment": True}}
        ok = {"enterprise": flags, "records": {"equipment": [{"id": "e1", "kind": "电焊机", "obsolete": False}]}}
        bad = {"enterprise": flags, "records": {"equipment": [{"id": "e1", "kind": "电焊机", "obsolete": True}]}}
        assert status(book, ok, "FX-NONE").status == "符合"
        f = status(book, bad, "FX-NONE")
        assert f.status == "不符合" and f.evidence[0]["id"] == "e1"
        no = {"flags": {"has_welding_equipment": False}}
        assert status(book, {"enterprise": no, "records": {"equipment": []}}, "FX-NONE").status == "不适用"
        # the flag not written: whether the rule applies is unknown (absent is not false)
        assert status(book, {"records": {"equipment": []}}, "FX-NONE").status == "证据不足"
        assert status(book, {"enterprise": flags, "records": {}}, "FX-NONE").status == "证据不足"


class TestCoverage:
    def roster(self, attendees):
        return {"records": {"workers": [{"id": "w1", "name": "甲"}, {"id": "w2", "name": "乙"}],
                            "trainings": [{"id": "t1", "date": "2023-06-01", "topic": "判定标准培训", "attendees": attendees},
                                          {"id": "t2", "date": "2023-06-01", "topic": "消防", "attendees": ["w2"]}]}}

    def test_covered(self, book):
        assert status(book, self.roster(["w1", "w2"]), "FX-COVER").status == "符合"

    def test_gap_names_member(self, book):
        f = status(book, self.roster(["w1"]), "FX-COVER")
        assert f.status == "不符合" and f.details["missing"] == ["w2"]
        # counted in people, not "人/项": 从业人员共 2 人，1 人未参加…
        assert f.reason.startswith("从业人员共 2 人，1 人未参加判定标准培训：w2"), f.reason

    def test_empty_roster_not_applicable_and_absent_insufficient(self, book):
        ev = {"records": {"workers": [], "trainings": []}}
        assert status(book, ev, "FX-COVER").status == "不适用"
        assert status(book, {"records": {"workers": []}}, "FX-COVER").status == "证据不足"


class TestProfile:
    def test_either_branch_passes(self, book):
        assert status(book, {"enterprise": {"safety_body": True}}, "FX-PROFILE").status == "符合"
        assert status(book, {"enterprise": {"safety_body": False, "safety_staff": 2}}, "FX-PROFILE").status == "符合"

    def test_fail_shows_values(self, book):
        f = status(book, {"enterprise": {"safety_body": False, "safety_staff": 1}}, "FX-PROFILE")
        # the enterprise's own values in Chinese (rules/wording/profile.yaml), never field=value
        assert f.status == "不符合" and "专兼职安全生产管理人员 1 人" in f.reason and "企业未设安全生产管理机构" in f.reason
        assert "safety_staff" not in f.reason

    def test_absent_fields_insufficient(self, book):
        assert status(book, {"enterprise": {}}, "FX-PROFILE").status == "证据不足"


class TestJudgement:
    def test_answers(self, book):
        def ans(a):
            return {"answers": {"FX-JUDGE": {"answer": a, "by": "检查员", "at": "2023-08-01", "note": "抽查"}}}
        assert status(book, ans("否"), "FX-JUDGE").status == "符合"
        f = status(book, ans("是"), "FX-JUDGE")
        assert f.status == "不符合" and "检查员" in f.reason and "抽查" in f.reason
        assert status(book, ans("不适用"), "FX-JUDGE").status == "不适用"
        assert status(book, {}, "FX-JUDGE").status == "证据不足"


def test_rule_text_never_becomes_code(tmp_book, tmp_path):
    """Values that look like Python are matched as data: the generated code holds only names
    bound to them, and nothing in them runs."""
    import yaml
    canary = tmp_path / "ran"
    payload = f"'); open({str(canary)!r}, 'w') #"
    rule = {"id": "FX-INJECT", "title": payload, "source": {"document": "工贸方案", "clause": "二（一）1"},
            "tags": ["fx"],
            "check": {"kind": "none", "fact": "documents", "what": payload,
                      "where": {"any": [{"field": "title", "eq": payload},
                                        {"field": "title", "matches": "__import__"},
                                        {"field": "issued_by", "in": ['"); open("x", "w") #']}]}}}
    # (kind, covers and other vocabulary fields hold only published values: lint refuses others)
    from yinhuan.evaluate import compile_checklist
    book = tmp_book({"inject": yaml.safe_dump(rule, allow_unicode=True)})
    (cr,) = compile_checklist(book, book.checklist("fx"))
    assert "open(" not in cr.source and "import" not in cr.source
    found = run_rule(book, {"records": {"documents": [{"id": "D1", "kind": "其他", "title": payload},
                                                      {"id": "D2", "kind": "其他", "title": "x__import__x"},
                                                      {"id": "D3", "kind": "其他"}]}})["FX-INJECT"]
    assert found.status == "不符合" and found.evidence_ids == ("D1", "D2")
    assert payload in found.reason and not canary.exists()


def test_requirements_wording_must_match_require_items(tmp_path):
    """A rule's own wording of its requirements is checked against require's items."""
    from yinhuan.rulebook import load_rulebook
    from yinhuan.resources import rules_dir
    import shutil
    root = tmp_path / "rules"
    shutil.copytree(rules_dir(), root)
    p = root / "gongmao" / "GM-3-PERMIT-APPROVAL-GUARDIAN.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("  requirement: 作业前审批", "  requirements: [作业前审批, 明确监护人]\n  requirement: 作业前审批"),
                 encoding="utf-8")
    book = load_rulebook(root)
    msgs = [str(e) for e in book.problems]
    assert any("requirements 有 2 项" in m and "GM-3-PERMIT-APPROVAL-GUARDIAN.yaml" in m for m in msgs), msgs
    p.write_text(text.replace("  requirement: 作业前审批",
                              "  requirements: [作业开始前已审批, 写明现场监护人, 安全措施已确认]\n  requirement: 作业前审批"),
                 encoding="utf-8")
    book = load_rulebook(root)
    assert not book.problems
    from yinhuan.session import Runner
    runner = Runner(book, book.checklist("gongmao-2023"), "native")
    ev = from_data({"enterprise": dict(DEFAULT_PROFILES["工贸"]), "records": {"permits": [
        {"id": "P1", "kind": "动火", "work_start": "2023-06-06 09:00", "approved_at": "2023-06-06 08:00",
         "guardian": None, "measures_checked": True}]}})
    f = next(f for f in runner.run(ev, date(2023, 12, 31)).findings if f.rule == "GM-3-PERMIT-APPROVAL-GUARDIAN")
    assert "P1 未满足“写明现场监护人”" in f.reason
