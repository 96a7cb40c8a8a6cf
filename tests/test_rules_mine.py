"""The non-coal mine checklist (mine-2023): clause coverage, applicability both ways, the
half-year drill on the calendar year, and every mine rule's own examples."""
from __future__ import annotations

import dataclasses
import re

import pytest

from yinhuan.dates import parse_date
from yinhuan.evaluate import compile_rule, evaluate
from yinhuan.evidence import from_data
from yinhuan.loader import load_file
from yinhuan.ruletest import run_examples

from conftest import MINE_PROFILE, REPO, checklist_fixtures

CLAUSES = REPO / "rules" / "clauses" / "mine-2023.yaml"
NOTICE = REPO / "docs" / "notice" / "weiyingjifa-2023-12.txt"
SECTIONS = ("documents", "meetings", "inspections", "trainings", "drills", "permits", "workers",
            "contractors", "equipment", "hazards", "observations")


book, checklist = checklist_fixtures("mine-2023", r"rules/mine/|checklists/mine-2023|clauses/mine-2023")


@pytest.fixture(scope="module")
def mine_rules(book, checklist):
    return book.rules_of(checklist)


def clause_data() -> dict:
    return load_file(CLAUSES).data


def run(rule, checklist, enterprise: dict, records: dict | None = None, answers: dict | None = None,
        as_of: str = "2023-12-31"):
    data = {"enterprise": {**MINE_PROFILE, **enterprise}}
    if records is not None:
        data["records"] = records
    if answers:
        data["answers"] = answers
    ev = from_data(data)
    return evaluate([compile_rule(rule, checklist)], ev, checklist, parse_date(as_of))[0]


def empty_records() -> dict:
    return {s: [] for s in SECTIONS}


# ---- clauses and coverage ---------------------------------------------------------------------

def test_checklist_names_its_clause_file(checklist):
    assert checklist.clauses == "mine-2023"
    data = clause_data()
    assert data["checklist"] == "mine-2023" and data["document"] == "非煤矿山方案"


def test_clause_ids_unique_and_items_are_five_one_1_to_7():
    clauses = clause_data()["clauses"]
    ids = [c["id"] for c in clauses]
    assert len(ids) == len(set(ids))
    assert {c["item"] for c in clauses} == {f"五（一）{i}" for i in range(1, 8)}
    for c in clauses:
        assert c["id"].startswith(f"mine.{c['item'][-1]}."), c["id"]


@pytest.mark.skipif(not NOTICE.exists(), reason="the notice text is not beside the repository")
def test_clause_texts_are_the_notices_words():
    notice = re.sub(r"\s+", "", NOTICE.read_text(encoding="utf-8"))
    for c in clause_data()["clauses"]:
        assert re.sub(r"\s+", "", c["text"]) in notice, c["id"]
    # every 是否 of 五（一）1–7 is in some clause
    start, end = notice.index("1.落实非煤矿山企业全员安全生产责任情况"), notice.index("（二）狠抓精准严格执法")
    want = notice[start:end].count("是否")
    got = sum(c["text"].count("是否") for c in clause_data()["clauses"])
    assert got == want


def test_every_mine_clause_is_implemented_by_a_rule_of_the_checklist(mine_rules):
    ids = {c["id"] for c in clause_data()["clauses"]}
    implemented: dict[str, list[str]] = {}
    for rule in mine_rules:
        for cid in rule.source.get("implements", []):
            assert cid in ids, f"{rule.id} implements unknown clause {cid}"
            implemented.setdefault(cid, []).append(rule.id)
    missing = sorted(ids - set(implemented))
    assert not missing, f"clauses with no rule: {missing}"


def test_coverage_command_shows_none_uncovered():
    import json
    from click.testing import CliRunner
    from yinhuan.cli import main
    res = CliRunner().invoke(main, ["rules", "coverage", "--checklist", "mine-2023", "--format", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    ids = [c["id"] for c in clause_data()["clauses"]]
    assert report["total"] == report["covered"] == len(ids) == 36
    assert report["uncovered"] == [] and report["unknown_implements"] == []
    assert [c["id"] for c in report["clauses"]] == ids
    assert all(c["rules"] for c in report["clauses"])


# ---- every mine rule: examples, counters ---------------------------------------------------------

def test_mine_rule_examples_pass(book, mine_rules):
    results = run_examples(book, mine_rules)
    bad = [f"{r.rule.id} “{r.name}”: expected {r.expected}, got {r.got} {r.error or r.reason}"
           for r in results if not r.ok]
    assert not bad, "\n".join(bad)
    assert len(results) >= 2 * len(mine_rules)


def test_every_mine_rule_is_tagged_sourced_and_counted(book, mine_rules, checklist):
    assert len(mine_rules) >= 36
    table = set(checklist.dispatch["counters"]) - {"部门抽查检查的企业总数（家）"}
    for rule in mine_rules:
        assert rule.source["document"] == "非煤矿山方案"
        assert rule.source["clause"].startswith("五（一）")
        assert rule.source.get("implements"), rule.id
        assert rule.counters and set(rule.counters) <= table, rule.id


# ---- applicability --------------------------------------------------------------------------------

UNDERGROUND = ("MINE-6-ONE-PROJECT-ONE-DESIGN", "MINE-6-ONE-CHANGE-ONE-MEASURE")
TAILINGS = ("MINE-6-ONE-POND-ONE-PLAN",)


def test_underground_rules_are_the_tagged_ones(mine_rules):
    assert {r.id for r in mine_rules if "地下矿山" in r.tags} == set(UNDERGROUND)
    assert {r.id for r in mine_rules if "尾矿库" in r.tags} == set(TAILINGS)


@pytest.mark.parametrize("rid", UNDERGROUND)
@pytest.mark.parametrize("types", [["露天"], ["露天", "尾矿库"], ["尾矿库"]])
def test_underground_only_rule_never_fires_without_underground(book, checklist, rid, types):
    f = run(book.rules[rid], checklist, {"mine_types": types}, empty_records(),
            {rid: {"answer": "否"}})
    assert f.status == "不适用"


@pytest.mark.parametrize("rid", UNDERGROUND)
@pytest.mark.parametrize("types", [["地下"], ["地下", "露天", "尾矿库"]])
def test_underground_only_rule_fires_on_underground(book, checklist, rid, types):
    f = run(book.rules[rid], checklist, {"mine_types": types}, empty_records(),
            {rid: {"answer": "否"}})
    assert f.status == "不符合"


@pytest.mark.parametrize("enterprise, expected", [
    ({"mine_types": ["露天"], "flags": {"has_tailings_pond": False}}, "不适用"),
    ({"mine_types": ["地下"], "flags": {"has_tailings_pond": False}}, "不适用"),
    # not saying whether there is a pond: the rule may apply (absent is not false)
    ({"mine_types": ["地下"]}, "证据不足"),
    ({"mine_types": ["尾矿库"]}, "不符合"),
    ({"mine_types": ["露天"], "flags": {"has_tailings_pond": True}}, "不符合"),
])
def test_tailings_rule_only_with_a_pond(book, checklist, enterprise, expected):
    f = run(book.rules["MINE-6-ONE-POND-ONE-PLAN"], checklist, enterprise, empty_records())
    assert f.status == expected


def test_whole_checklist_on_an_open_pit_mine(book, checklist, mine_rules):
    ev = from_data({"enterprise": {**MINE_PROFILE, "mine_types": ["露天"], "flags": {"has_tailings_pond": False}},
                    "records": empty_records()})
    found = {f.rule: f for f in evaluate([compile_rule(r, checklist) for r in mine_rules], ev, checklist,
                                         parse_date("2023-12-31"))}
    for rid in UNDERGROUND + TAILINGS + ("MINE-4-OUTSOURCING-INSPECTION", "MINE-4-CONTRACTOR-ISSUES-RECTIFIED"):
        assert found[rid].status == "不适用", rid
    assert found["MINE-7-COMPREHENSIVE-DRILL"].status == "不符合"


def test_outsourcing_inspection_only_with_contractors(book, checklist):
    rule = book.rules["MINE-4-OUTSOURCING-INSPECTION"]
    assert run(rule, checklist, {"flags": {"has_contractors": False}}, empty_records()).status == "不适用"
    assert run(rule, checklist, {}, empty_records()).status == "不适用"
    with_contractor = {**empty_records(), "contractors": [{"id": "C1", "name": "某井巷工程公司"}]}
    assert run(rule, checklist, {"flags": {"has_contractors": True}}, with_contractor).status == "不符合"
    # one fact: a contractor on file means the mine has contractors, flag written or not
    assert run(rule, checklist, {}, with_contractor).status == "不符合"


def test_unmanned_idle_mines_are_out_of_scope(book, checklist, mine_rules):
    """整治范围: an idle mine with nobody working is watched by the bureau, not checked here."""
    answers = {r.id: {"answer": "否"} for r in mine_rules if r.kind == "judgement"}
    for rule in mine_rules:
        f = run(rule, checklist, {"mine_status": "停产停建（无人作业）", "mine_types": ["地下", "尾矿库"],
                                  "flags": {"has_contractors": True}},
                {**empty_records(), "contractors": [{"id": "C1", "name": "某井巷工程公司"}]}, answers)
        assert f.status == "不适用", rule.id
    resumed = run(book.rules["MINE-7-STOP-EVACUATE-SYSTEM"], checklist,
                  {"mine_status": "停产停建（有人作业）"}, empty_records())
    assert resumed.status == "不符合"


# ---- the half-year drills on the calendar year -------------------------------------------------------

DRILLS = ("MINE-7-COMPREHENSIVE-DRILL", "MINE-7-SPECIAL-PLAN-DRILL")
KIND = {"MINE-7-COMPREHENSIVE-DRILL": "综合应急预案", "MINE-7-SPECIAL-PLAN-DRILL": "专项应急预案"}


def test_drill_window_param_is_the_calendar_year(book, checklist):
    assert checklist.params["mine_drill_window"] == "year"
    for rid in DRILLS:
        assert book.rules[rid].check["window"] == {"param": "mine_drill_window"}
        assert book.rules[rid].check["every"] == "half"


@pytest.mark.parametrize("rid", DRILLS)
def test_march_drill_counts_for_the_first_half(book, checklist, rid):
    k = KIND[rid]
    drills = [{"id": "R1", "date": "2023-03-15", "kind": k}, {"id": "R2", "date": "2023-09-20", "kind": k}]
    f = run(book.rules[rid], checklist, {}, {"drills": drills}, as_of="2024-01-10")
    assert f.status == "符合", f.reason
    assert [p["state"] for p in f.details["periods"]] == ["met", "met"]
    assert f.details["periods"][0]["from"] == parse_date("2023-01-01")


@pytest.mark.parametrize("rid", DRILLS)
def test_march_drill_would_not_count_over_the_campaign_only(book, checklist, rid):
    """The other reading (campaign window 5–12月) makes the March drill miss the first half."""
    k = KIND[rid]
    campaign_only = dataclasses.replace(checklist, params={**checklist.params, "mine_drill_window": "campaign"})
    drills = [{"id": "R1", "date": "2023-03-15", "kind": k}, {"id": "R2", "date": "2023-09-20", "kind": k}]
    f = run(book.rules[rid], campaign_only, {}, {"drills": drills}, as_of="2024-01-10")
    assert f.status == "不符合"


@pytest.mark.parametrize("rid", DRILLS)
def test_second_half_not_yet_due(book, checklist, rid):
    k = KIND[rid]
    f = run(book.rules[rid], checklist, {}, {"drills": [{"id": "R1", "date": "2023-03-15", "kind": k}]},
            as_of="2023-10-01")
    assert f.status == "符合"
    assert f.details["periods"][-1]["state"] == "pending"
    missed = run(book.rules[rid], checklist, {}, {"drills": [{"id": "R1", "date": "2023-09-15", "kind": k}]},
                 as_of="2023-10-01")
    assert missed.status == "不符合"  # nothing in the first half, which has ended


def test_each_half_needs_both_kinds(book, checklist):
    drills = [{"id": "R1", "date": "2023-03-15", "kind": "综合应急预案"},
              {"id": "R2", "date": "2023-09-20", "kind": "综合应急预案"},
              {"id": "R3", "date": "2023-04-10", "kind": "专项应急预案"}]
    got = {rid: run(book.rules[rid], checklist, {}, {"drills": drills}, as_of="2024-01-10").status
           for rid in DRILLS}
    assert got == {"MINE-7-COMPREHENSIVE-DRILL": "符合", "MINE-7-SPECIAL-PLAN-DRILL": "不符合"}


# ---- the monthly APP investigation -------------------------------------------------------------------

def test_monthly_app_investigation_over_the_campaign(book, checklist):
    rule = book.rules["MINE-2-MONTHLY-APP-INVESTIGATION"]
    months = [f"2023-{m:02d}-20" for m in range(5, 12)]
    recs = [{"id": f"A{i}", "date": d, "kind": "重大事故隐患排查", "via": "省非煤矿山安全风险监测预警系统APP"}
            for i, d in enumerate(months)]
    f = run(rule, checklist, {}, {"inspections": recs}, as_of="2023-12-10")
    assert f.status == "符合"  # December still open
    assert len(f.details["periods"]) == 8 and f.details["periods"][0]["period"].endswith("5月")
    paper = [dict(r, via="纸质台账") if r["id"] == "A3" else r for r in recs]
    assert run(rule, checklist, {}, {"inspections": paper}, as_of="2023-12-10").status == "不符合"
