"""The 工贸 checklist (gongmao-2023): clauses transcribed from the notice, every check kind used,
counters worded as the tables, applicability both ways (monthly only for the three high-risk
domains, contractor rules only with contractors, dormitory exits only with a dormitory, the
third-party diagnosis only for the three domains), the drill window parameter, and every 工贸
rule's own examples."""
from __future__ import annotations

import dataclasses
import re

import pytest

from yinhuan.dates import parse_date
from yinhuan.evaluate import compile_rule, evaluate
from yinhuan.errors import InputError
from yinhuan.evidence import from_data
from yinhuan.loader import load_file
from yinhuan.ruletest import run_examples

from conftest import GM_PROFILE, REPO, checklist_fixtures

RULES, CHECKLISTS = REPO / "rules", REPO / "checklists"
CLAUSES = RULES / "clauses" / "gongmao-2023.yaml"
NOTICE = REPO / "docs" / "notice" / "weiyingjifa-2023-12.txt"
HIGH_RISK = ("金属冶炼", "粉尘涉爆", "涉氨制冷")


book, checklist = checklist_fixtures("gongmao-2023", r"rules/gongmao/|checklists/gongmao|clauses/gongmao")


@pytest.fixture(scope="module")
def gm_rules(book):
    return [r for r in book.rules.values() if "/rules/gongmao/" in r.doc.file]


def run(book, checklist, rule_id, records=None, as_of="2023-12-31", **profile):
    ev = from_data({"enterprise": {**GM_PROFILE, **profile}, "records": records or {}})
    rule = book.rules[rule_id]
    return evaluate([compile_rule(rule, checklist)], ev, checklist, parse_date(as_of))[0].status


def test_checklist_window_phases_and_clauses(checklist):
    assert [d.isoformat() for d in checklist.window] == ["2023-05-19", "2023-12-31"]
    assert {p["key"]: p["to"] for p in checklist.phases} == {
        "mobilization": "2023-05-31", "self_check": "2023-07-31", "enforcement": "2023-11-30", "summary": "2023-12-31"}
    assert checklist.params["phase.self_check.to"] == "2023-07-31"
    assert checklist.clauses == "gongmao-2023"
    assert checklist.params["gongmao_drill_window"] in ("year", "campaign")


def test_clauses_are_the_notices_words():
    """Each clause text occurs in the notice (whitespace removed: the PDF text breaks lines)."""
    if not NOTICE.exists():
        pytest.skip("notice text not present")
    notice = re.sub(r"\s+", "", NOTICE.read_text(encoding="utf-8"))
    for c in load_file(CLAUSES).data["clauses"]:
        assert re.sub(r"\s+", "", c["text"]) in notice, c["id"]


def test_every_rule_in_checklist_and_every_kind_used(gm_rules, checklist):
    assert len(gm_rules) >= 50
    assert {r.kind for r in gm_rules} == {"exists", "frequency", "each", "none", "coverage", "profile", "judgement"}
    for r in gm_rules:
        assert r.id in checklist.rule_ids, r.id
        assert r.source.get("implements"), r.id


def test_counters_worded_as_tables(gm_rules, book, checklist):
    for r in gm_rules:
        assert r.counters, r.id
        for c in r.counters:
            assert c in book.counters and c in checklist.dispatch["counters"], (r.id, c)


def test_examples_pass(book, gm_rules):
    bad = [f"{x.rule.id} {x.name}: {x.expected} ≠ {x.got} {x.reason} {x.error or ''}"
           for x in run_examples(book, gm_rules) if not x.ok]
    assert not bad, "\n".join(bad)


QUARTERLY = {"inspections": [
    {"id": f"I{i}", "date": d, "kind": "重大事故隐患排查", "led_by": "主要负责人"}
    for i, d in enumerate(["2023-06-10", "2023-08-01", "2023-11-03"])]}


def test_quarterly_enough_for_ordinary_enterprise(book, checklist):
    assert run(book, checklist, "GM-1-PRINCIPAL-LEADS-INSPECTION", QUARTERLY, "2023-12-31") == "符合"


@pytest.mark.parametrize("domain", HIGH_RISK)
def test_monthly_only_for_high_risk(book, checklist, domain):
    assert run(book, checklist, "GM-1-PRINCIPAL-LEADS-INSPECTION", QUARTERLY, "2023-12-31", domains=[domain]) == "不符合"
    monthly = {"inspections": [{"id": f"I{m}", "date": f"2023-{m:02d}-20", "kind": "重大事故隐患排查",
                                "led_by": "主要负责人"} for m in range(5, 13)]}
    assert run(book, checklist, "GM-1-PRINCIPAL-LEADS-INSPECTION", monthly, "2023-12-31", domains=[domain]) == "符合"


def test_confined_space_domain_is_not_high_risk(book, checklist):
    assert run(book, checklist, "GM-1-PRINCIPAL-LEADS-INSPECTION", QUARTERLY, "2023-12-31", domains=["有限空间"]) == "符合"


BAD_CONTRACTOR = {"contractors": [{"id": "C1", "name": "某公司", "qualified": False, "agreement_signed_on": None,
                                   "duties_defined": False, "briefing_on": None, "in_management_system": False,
                                   "last_checked_on": None}], "inspections": [],
                  "observations": []}


@pytest.mark.parametrize("rule_id", ["GM-4-OUTSOURCING-REVIEW", "GM-4-CONTRACTOR-QUALIFIED",
                                     "GM-4-CONTRACTOR-AGREEMENT", "GM-4-CONTRACTOR-MANAGED"])
def test_contractor_rules_only_with_contractors(book, checklist, rule_id):
    assert run(book, checklist, rule_id, BAD_CONTRACTOR, flags={"has_contractors": True}) == "不符合"
    # one fact: contractors on file mean the enterprise has contractors, flag written or not
    assert run(book, checklist, rule_id, BAD_CONTRACTOR) == "不符合"
    none = {**BAD_CONTRACTOR, "contractors": []}
    assert run(book, checklist, rule_id, none) == "不适用"
    assert run(book, checklist, rule_id, none, flags={"has_contractors": False}) == "不适用"
    with pytest.raises(InputError, match="flags.has_contractors 为 false.*C1"):
        run(book, checklist, rule_id, BAD_CONTRACTOR, flags={"has_contractors": False})


def test_dormitory_exits_only_with_dormitory(book, checklist):
    recs = {"observations": [{"id": "O1", "kind": "疏散出口", "place": "生产经营场所", "marked": True, "clear": True}]}
    assert run(book, checklist, "GM-7-EXITS-DORMITORY", recs, flags={"has_dormitory": True}) == "不符合"
    assert run(book, checklist, "GM-7-EXITS-DORMITORY", recs, flags={"has_dormitory": False}) == "不适用"
    assert run(book, checklist, "GM-7-EXITS-WORKPLACE", recs) == "符合"


def test_third_party_diagnosis_only_for_high_risk(book, checklist):
    recs = {"documents": []}
    for d in HIGH_RISK:
        assert run(book, checklist, "GM-6-THIRD-PARTY-DIAGNOSIS", recs, "2023-08-01", domains=[d]) == "不符合"
    assert run(book, checklist, "GM-6-THIRD-PARTY-DIAGNOSIS", recs, "2023-08-01", domains=["有限空间"]) == "不适用"
    assert run(book, checklist, "GM-6-THIRD-PARTY-DIAGNOSIS", recs, "2023-08-01") == "不适用"


def test_drill_window_is_a_parameter(book, checklist):
    """A March drill counts for the calendar year (default) but not for the campaign window."""
    recs = {"drills": [{"id": "R1", "date": "2023-03-15", "kind": "综合应急预案"}]}
    assert checklist.params["gongmao_drill_window"] == "year"
    assert run(book, checklist, "GM-7-DRILL", recs, "2024-01-02") == "符合"
    campaign = dataclasses.replace(checklist, params={**checklist.params, "gongmao_drill_window": "campaign"})
    assert run(book, campaign, "GM-7-DRILL", recs, "2024-01-02") == "不符合"
    assert "gongmao_drill_window" in book.rules["GM-7-DRILL"].raw["note"]


def test_drill_half_year_only_for_high_risk(book, checklist):
    recs = {"drills": [{"id": "R1", "date": "2023-10-15", "kind": "专项应急预案"}]}
    assert run(book, checklist, "GM-7-DRILL", recs, "2024-01-02") == "符合"
    assert run(book, checklist, "GM-7-DRILL", recs, "2024-01-02", domains=["金属冶炼"]) == "不符合"


def test_hazard_closure_rules(book, checklist):
    open_h = {"id": "H1", "description": "x", "found_on": "2023-06-06", "found_by": "自查", "status": "整改中"}
    # the ledger row says nothing about 五到位 or reporting: missing evidence, not a failure
    assert run(book, checklist, "GM-1-HAZARD-FIVE-IN-PLACE", {"hazards": [open_h]}) == "证据不足"
    assert run(book, checklist, "GM-1-HAZARD-REPORTED", {"hazards": [open_h]}) == "证据不足"
    # the row states the columns are empty: a failure
    empty = {**open_h, "reported_on": None, "five_in_place": {
        "responsible": "甲", "measures": None, "funds": None, "deadline": None, "emergency_plan": None}}
    assert run(book, checklist, "GM-1-HAZARD-FIVE-IN-PLACE", {"hazards": [empty]}) == "不符合"
    assert run(book, checklist, "GM-1-HAZARD-REPORTED", {"hazards": [empty]}) == "不符合"
    done = {**open_h, "status": "已整改", "rectified_on": "2023-07-01",
            "signed_off_by": ["主要负责人", "分管负责人"], "signed_off_on": "2023-07-02", "reported_on": "2023-06-06"}
    assert run(book, checklist, "GM-1-HAZARD-SIGN-OFF", {"hazards": [done]}) == "符合"
    assert run(book, checklist, "GM-1-HAZARD-FIVE-IN-PLACE", {"hazards": [done]}) == "不适用"
    assert run(book, checklist, "GM-1-HAZARD-REPORTED", {"hazards": [done]}) == "符合"
