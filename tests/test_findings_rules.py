"""Issue 9, the rule content: counters a rule's wording supports, the scopes of 安全总监 and of the
安全生产管理机构/专职人员, certificates matched to the work, the one due-date model, 不适用 reasons in
the enterprise's own terms, and 重点企业 computed from the profile.

Expected values are worked out by hand from the evidence written in each test (the comment beside
each says how), never copied from the program's output."""
from __future__ import annotations

import pytest

from yinhuan.dates import parse_date
from yinhuan.errors import InputError
from yinhuan.evaluate import compile_rule, evaluate
from yinhuan.evidence import from_data

from conftest import GM_PROFILE, MINE_PROFILE, shipped_book


@pytest.fixture(scope="module")
def book():
    return shipped_book(r"rules/|checklists/")


def finding(book, rule_id, records=None, as_of="2023-12-31", profile=None, answers=None):
    rule = book.rules[rule_id]
    base = MINE_PROFILE if rule.sector == "非煤矿山" else GM_PROFILE
    checklist = book.checklist("mine-2023" if rule.sector == "非煤矿山" else "gongmao-2023")
    ev = from_data({"enterprise": {**base, **(profile or {})}, "records": records or {},
                    "answers": answers or {}})
    return evaluate([compile_rule(rule, checklist)], ev, checklist, parse_date(as_of))[0]


# ---- the evidence format: 专职 vs 兼职 ---------------------------------------------------------

def test_full_time_staff_cannot_exceed_all_safety_staff():
    # 3 full-time out of 2 in all is impossible: the loader names the field
    with pytest.raises(InputError, match="专职安全生产管理人员 3 人多于专兼职合计 2 人"):
        from_data({"enterprise": {**GM_PROFILE, "safety_staff": 2, "safety_staff_full_time": 3}})
    ev = from_data({"enterprise": {**GM_PROFILE, "safety_staff": 2, "safety_staff_full_time": 1}})
    assert ev.profile["safety_staff_full_time"] == 1


# ---- counters the wording supports (issue 9, items 1–2) ----------------------------------------

PAPER_MONTHLY = [{"id": f"P{m}", "date": f"2023-{m:02d}-20", "kind": "重大事故隐患排查", "led_by": "主要负责人",
                  "via": "纸质记录"} for m in (5, 6, 7)]


def test_monthly_app_investigation_is_not_counted_as_principal_not_leading(book):
    # The principal led a check on paper in May, June and July; none went through the APP, so the
    # APP rule fails on 2023-07-31 (May, June, July each have 0 APP records) — and it counts toward
    # 制度措施不落实 only: the clause says 组织开展 through the APP, not that the principal leads it.
    f = finding(book, "MINE-2-MONTHLY-APP-INVESTIGATION", {"inspections": PAPER_MONTHLY}, as_of="2023-07-31")
    assert f.status == "不符合"
    assert f.counters == ["制度措施不落实（家）"]


def test_mine_all_staff_duty_list_is_not_a_deputy_list(book):
    # A complete list dated 2023-04-20, before the campaign (from 2023-05-01): not 修订 in the campaign,
    # so 不符合 — but counted like its 工贸 counterpart, not as 未制定分管负责人职责清单.
    roles = ["主要负责人", "其他负责人", "生产班组负责人", "技术人员", "现场作业人员"]
    docs = [{"id": "D1", "kind": "全员岗位责任清单", "date": "2023-04-20", "roles": roles}]
    f = finding(book, "MINE-1-DUTY-LIST-ALL-ROLES", {"documents": docs})
    assert f.status == "不符合"
    gm = book.rules["GM-2-DUTY-LIST-ALL-STAFF"]
    assert f.counters == list(gm.raw["counters"]) == ["制度措施不落实（家）"]


# ---- scopes of 安全总监 and of the safety body / 专职 staff (items 3–4) -----------------------------

@pytest.mark.parametrize("profile,expected", [
    # 80 employees, not 金属冶炼, not a 危险物品 unit: Shandong's rules do not require a director
    ({"employees": 80, "domains": [], "flags": {"dangerous_goods": False}, "safety_director": None}, "不适用"),
    # the same without saying whether it is a 危险物品 unit: cannot tell whether one is required
    ({"employees": 80, "domains": [], "safety_director": None}, "证据不足"),
    # 350 ≥ 300 employees: required, none appointed
    ({"employees": 350, "safety_director": None}, "不符合"),
    # 金属冶炼 is a high-risk unit whatever its size
    ({"domains": ["金属冶炼"], "employees": 40, "safety_director": None}, "不符合"),
    ({"flags": {"dangerous_goods": True}, "employees": 40, "safety_director": "赵六"}, "符合"),
])
def test_safety_director_only_where_the_rules_require_one(book, profile, expected):
    assert finding(book, "GM-2-SAFETY-DIRECTOR", profile=profile).status == expected


@pytest.mark.parametrize("profile,expected", [
    # 60 employees, one 兼职 officer: enough under 第二十四条 (≤ 100, not high-risk)
    ({"employees": 60, "safety_body": False, "safety_staff": 1, "safety_staff_full_time": 0}, "符合"),
    # 150 > 100 employees with only 兼职 officers: needs a body or a 专职 officer
    ({"employees": 150, "safety_body": False, "safety_staff": 3, "safety_staff_full_time": 0}, "不符合"),
    ({"employees": 150, "safety_body": False, "safety_staff": 3, "safety_staff_full_time": 1}, "符合"),
    # 金属冶炼 with 40 employees and one 兼职 officer: high-risk, so 不符合
    ({"domains": ["金属冶炼"], "employees": 40, "safety_body": False, "safety_staff": 1,
      "safety_staff_full_time": 0}, "不符合"),
    ({"domains": ["金属冶炼"], "employees": 40, "safety_body": True, "safety_staff": 1}, "符合"),
])
def test_safety_body_or_full_time_staff_per_article_24(book, profile, expected):
    assert finding(book, "GM-2-SAFETY-BODY-OR-STAFF", profile=profile).status == expected


# ---- certificates matched to the work (items 5–6) ---------------------------------------------

WELDER_WITH_ELECTRICIAN_CERT = {"id": "W1", "name": "张三", "special_operation": "电焊", "certificates": [
    {"type": "特种作业操作证（低压电工作业）", "operation": "电工", "valid_from": "2021-01-01", "valid_until": "2027-01-01"}]}
WELD_PERMIT = {"id": "P1", "kind": "电气焊", "work_start": "2023-06-06 09:00", "workers": ["W1"]}


@pytest.mark.parametrize("rule_id,records", [
    ("GM-3-SPECIAL-OPS-CERTIFIED", {"workers": [WELDER_WITH_ELECTRICIAN_CERT], "permits": [WELD_PERMIT]}),
    ("MINE-3-SPECIAL-OPS-CERTIFIED", {"workers": [WELDER_WITH_ELECTRICIAN_CERT], "permits": [WELD_PERMIT]}),
    ("MINE-3-SPECIAL-POSTS-HOLD-CERTIFICATES", {"workers": [WELDER_WITH_ELECTRICIAN_CERT]}),
    ("GM-3-SPECIAL-POSTS-HOLD-CERTIFICATES", {"workers": [WELDER_WITH_ELECTRICIAN_CERT]}),
    ("CRIT-GM-3-2", {"workers": [WELDER_WITH_ELECTRICIAN_CERT]}),
])
def test_a_welder_with_an_electricians_certificate_is_uncertified(book, rule_id, records):
    # the only certificate is for 电工; the post is 电焊: no certificate 相应 to the work
    f = finding(book, rule_id, records, as_of="2023-08-01")
    assert f.status == "不符合" and ("W1" in f.reason or "P1" in f.reason)


def test_gongmao_checks_special_operations_workers_not_named_on_any_permit(book):
    # W1 welds but appears on no permit and holds no welding certificate: the permit rule sees
    # nothing, the roster rule reports him
    records = {"workers": [WELDER_WITH_ELECTRICIAN_CERT], "permits": []}
    assert finding(book, "GM-3-SPECIAL-OPS-CERTIFIED", records).status == "符合"
    assert finding(book, "GM-3-SPECIAL-POSTS-HOLD-CERTIFICATES", records).status == "不符合"
    assert book.checklist("gongmao-2023").rule_ids.count("GM-3-SPECIAL-POSTS-HOLD-CERTIFICATES") == 1


def test_a_certificate_without_valid_from_is_not_invalid_for_that_reason(book):
    # valid_until 2027-01-01 is after the work day 2023-06-06; no valid_from given
    worker = {"id": "W1", "name": "张三", "special_operation": "电焊", "certificates": [
        {"type": "特种作业操作证（焊接与热切割作业）", "operation": "电焊", "valid_until": "2027-01-01"}]}
    for rule_id in ("GM-3-SPECIAL-OPS-CERTIFIED", "MINE-3-SPECIAL-OPS-CERTIFIED"):
        f = finding(book, rule_id, {"workers": [worker], "permits": [WELD_PERMIT]})
        assert f.status == "符合", (rule_id, f.reason)


# ---- 重点企业 from the profile (工贸方案 三（三）1; 矿山方案 五（二）4) ---------------------------------

from yinhuan.key_enterprise import key_enterprise  # noqa: E402


@pytest.mark.parametrize("profile,key,reasons", [
    # each 工贸 criterion on its own, at and just below its threshold (以上 includes the number)
    ({"risk_class": "D"}, True, ("分类分级D级",)),
    ({"risk_class": "C"}, True, ("分类分级C级",)),
    ({"risk_class": "B"}, False, ()),
    ({"risk_class": "A", "key_enterprise_types": ["钢铁"]}, True, ("钢铁",)),
    ({"risk_class": "A", "key_enterprise_types": ["深井铸造"]}, True, ("深井铸造",)),
    ({"risk_class": "B", "domains": ["涉氨制冷"], "ammonia_tonnage": 10}, True, ("液氨储量10吨的涉氨制冷企业",)),
    ({"risk_class": "B", "domains": ["涉氨制冷"], "ammonia_tonnage": 9.5}, False, ()),
    ({"risk_class": "B", "domains": ["粉尘涉爆"], "dust_workers": 10}, True, ("作业场所10人的涉爆粉尘企业",)),
    ({"risk_class": "B", "domains": ["粉尘涉爆"], "dust_workers": 9}, False, ()),
    # 18.5 t of ammonia but 30 t is not needed: tonnage alone without the 涉氨制冷 domain is not a criterion
    ({"risk_class": "B", "ammonia_tonnage": 18.5}, False, ()),
    # no risk class and nothing else: cannot say it is not key
    ({}, None, ()),
    ({"risk_class": "B", "domains": ["涉氨制冷"]}, None, ()),
])
def test_gongmao_key_enterprise_criteria(profile, key, reasons):
    got = key_enterprise({**GM_PROFILE, **profile})
    assert (got.key, got.reasons) == (key, reasons)


@pytest.mark.parametrize("profile,key,reasons", [
    ({"risk_class": "D"}, True, ("D级风险矿山",)),
    ({"risk_class": "C"}, False, ()),                      # the mine plan names only D级
    ({"risk_class": "B", "mine_types": ["尾矿库"]}, True, ("尾矿库",)),
    ({"risk_class": "B", "key_enterprise_types": ["重点矿山"]}, True, ("重点矿山",)),
])
def test_mine_key_enterprise_criteria(profile, key, reasons):
    got = key_enterprise({**MINE_PROFILE, "mine_types": ["地下"], **profile})
    assert (got.key, got.reasons) == (key, reasons)


def test_key_enterprise_is_on_every_result_table_and_json(tmp_path):
    import json
    from click.testing import CliRunner
    from yinhuan.cli import main
    from conftest import EXAMPLES
    # gm-ammonia-seafood: risk_class C, 涉氨制冷 with 18.5 t of ammonia -> key for two reasons;
    # gm-machinery: risk_class B, no domains, not 钢铁/深井铸造 -> not key
    files = [str(EXAMPLES / "gm-ammonia-seafood.yaml"), str(EXAMPLES / "gm-machinery.yaml")]
    table = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", *files]).output
    assert "重点企业（分类分级C级、液氨储量18.5吨的涉氨制冷企业）" in table and "非重点企业" in table
    out = tmp_path / "f.json"
    CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", "--format", "json", "--out", str(out), *files])
    results = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert [r["enterprise"]["key_enterprise"]["key"] for r in results] == [True, False]


# ---- reasons in the inspector's words (item 5 of the brief: 不适用 states the enterprise's value) ----

import re  # noqa: E402

from yinhuan.loader import load_file  # noqa: E402
from yinhuan.ruletest import example_evidence  # noqa: E402

FIELD_PATH = re.compile(r"[A-Za-z_]+\.[A-Za-z_]+")        # flags.has_contractors, records.workers
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")    # safety_staff, gongmao_min_safety_staff
MISSING = re.compile(r"缺少[^；。]*")                          # "P2 缺少 审批时间（approved_at）"


def _all_reasons(book):
    """(where, status, reason) of every finding over the bundled examples: every example enterprise
    through every shipped checklist of its sector, and every rule's own examples."""
    from yinhuan.evidence import load_evidence
    from yinhuan.evaluate import compile_checklist
    from conftest import REPO
    compiled = {cid: (book.checklist(cid), compile_checklist(book, book.checklist(cid))) for cid in book.checklists}
    files = sorted((REPO / "examples" / "enterprises").glob("*.yaml")) + sorted((REPO / "examples" / "criteria").glob("*.yaml"))
    for path in files:
        ev = load_evidence(path)
        for cid, (cl, rules) in compiled.items():
            if cl.sector != ev.profile["sector"]:
                continue
            for as_of in (ev.inspection.get("date") or cl.window[1], cl.window[1]):
                for f in evaluate(rules, ev, cl, as_of):
                    yield f"{path.name} {cid} {f.rule}", f.status, f.reason
    for rule in book.rules.values():
        cid = "mine-full-2023" if rule.sector == "非煤矿山" else "gongmao-full-2023"
        cl = book.checklist(cid)
        for ex in rule.examples:
            ev = from_data(example_evidence(rule, ex))
            when = parse_date(ex["as_of"]) if ex.get("as_of") else cl.window[1]
            f = evaluate([compile_rule(rule, cl)], ev, cl, when)[0]
            yield f"{rule.id} 示例“{ex.get('name')}”", f.status, f.reason


def test_no_reason_shows_a_field_path_or_a_parameter_name(book):
    params = {p for cl in book.checklists.values() for p in cl.params}
    seen, bad = set(), []
    for where, status, reason in _all_reasons(book):
        seen.add(status)
        if any(p in reason for p in params):
            bad.append((where, status, reason))
        # missing evidence must name the missing field and record (issue 9): 证据不足, and the
        # "缺少 …" part of any reason, may show a field; nothing else may
        elif status != "证据不足" and (FIELD_PATH.search(told := MISSING.sub("", reason))
                                       or IDENTIFIER.search(told)):
            bad.append((where, status, reason))
    assert {"不适用", "符合", "不符合", "未到期", "证据不足"} <= seen   # the scan saw every status
    assert not bad, "\n".join(f"{w}: {s}：{r}" for w, s, r in bad[:30]) + f"\n共 {len(bad)} 处"


def test_not_applicable_states_the_enterprises_own_value(book):
    # no contractors on file, flag false: the reason is the enterprise's own fact
    f = finding(book, "GM-4-OUTSOURCING-REVIEW", {"inspections": []}, profile={"flags": {"has_contractors": False}})
    assert (f.status, f.reason) == ("不适用", "企业未登记外包外租单位（含委托、合作）")
    # 80 employees, no high-risk domain, not a 危险物品 unit: all three stated, no condition shown
    f = finding(book, "GM-2-SAFETY-DIRECTOR", profile={"employees": 80, "domains": ["有限空间"],
                                                       "flags": {"dangerous_goods": False}})
    assert f.status == "不适用"
    assert f.reason == "涉及的领域：有限空间；企业不属危险物品的生产、经营、储存、装卸单位；从业人员 80 人"
    # the 危险物品 flag not written: a 危险物品 unit needs a director whatever its size, so it is
    # unknown whether the rule applies — 证据不足 naming the field, the known values beside it
    f = finding(book, "GM-2-SAFETY-DIRECTOR", profile={"employees": 80, "domains": ["有限空间"]})
    assert f.status == "证据不足"
    assert f.reason == ("企业画像未登记是否属危险物品的生产、经营、储存、装卸单位（flags.dangerous_goods），"
                        "无法判定本规则是否适用（涉及的领域：有限空间；从业人员 80 人）")
    # a mine that stopped with no one working: its status, once
    f = finding(book, "MINE-2-CAMPAIGN-PLAN", {"documents": []}, profile={"mine_status": "停产停建（无人作业）"})
    assert (f.status, f.reason) == ("不适用", "矿山状态：停产停建（无人作业）")


# ---- the one due-date model (docs/rules.md) -----------------------------------------------------

# campaign items without a date in the notice: the same words in both plans, one deadline
SAME_WORDS = [("GM-3-KEY-POSTS-REVIEW", "MINE-3-KEY-POST-CHECK"),
              ("GM-4-OUTSOURCING-REVIEW", "MINE-4-OUTSOURCING-INSPECTION"),
              ("GM-1-LEARN-CRITERIA", "MINE-2-PRINCIPAL-STUDY-CRITERIA"),
              ("GM-5-TRAINING-SELF-CHECK", "MINE-5-TRAINING-SELF-CHECK"),
              ("GM-2-DIRECTOR-REPORT", "MINE-1-SAFETY-DIRECTOR-REPORT"),
              ("GM-2-DUTY-LIST-ALL-STAFF", "MINE-1-DUTY-LIST-ALL-ROLES"),
              ("GM-1-CAMPAIGN-PLAN", "MINE-2-CAMPAIGN-PLAN"),
              ("GM-1-ZERO-PLEDGE", "MINE-2-ZEROING-PLEDGE"),
              ("GM-5-CRITERIA-TRAINING-ALL-STAFF", "MINE-5-CRITERIA-TRAINING-ALL-STAFF")]
CAMPAIGN_ITEMS = [r for pair in SAME_WORDS for r in pair] + [
    "GM-2-CAMPAIGN-WORK-LIST", "GM-2-DEPUTY-DUTY-LIST", "GM-3-WARNING-EDUCATION", "GM-5-TRAINING-ALL-STAFF",
    "MINE-2-SELF-CHECK-DEPLOYED", "MINE-2-SIGNED-REPORT"]


def _deadline(book, rule_id):
    rule = book.rules[rule_id]
    cl = book.checklist("mine-2023" if rule.sector == "非煤矿山" else "gongmao-2023")
    spec = rule.check.get("due") if rule.kind == "coverage" else rule.check.get("by")
    return parse_date(cl.params[spec["param"]] if isinstance(spec, dict) else spec) if spec else None


@pytest.mark.parametrize("gm,mine", SAME_WORDS)
def test_the_same_words_in_both_plans_have_the_same_deadline(book, gm, mine):
    # both are due at the end of 部门精准执法: 2023-11-30 (the phases of both checklists)
    assert _deadline(book, gm) == _deadline(book, mine) == parse_date("2023-11-30")


EMPTY_RECORDS = {"documents": [], "meetings": [], "inspections": [], "trainings": [],
                 "workers": [{"id": "W1", "name": "张三"}]}


@pytest.mark.parametrize("rule_id", CAMPAIGN_ITEMS)
def test_campaign_items_are_due_at_the_end_of_november(book, rule_id):
    # nothing on file (W1 on the roster never trained): 未到期 through 11-29; as_of means the end
    # of that day, so on 11-30 the deadline has passed and the item is 不符合
    profile = {"safety_director": "赵六", "flags": {"has_contractors": True}}
    assert finding(book, rule_id, EMPTY_RECORDS, as_of="2023-06-20", profile=profile).status == "未到期"
    assert finding(book, rule_id, EMPTY_RECORDS, as_of="2023-11-29", profile=profile).status == "未到期"
    assert finding(book, rule_id, EMPTY_RECORDS, as_of="2023-11-30", profile=profile).status == "不符合"


def test_no_enterprise_item_is_due_on_may_31(book):
    # 5月31日前 is written to 各级应急管理部门 (动员部署), never to enterprises
    ids = book.checklist("gongmao-2023").rule_ids + book.checklist("mine-2023").rule_ids
    assert all(_deadline(book, r) != parse_date("2023-05-31") for r in ids)


@pytest.mark.parametrize("rule_id,records", [
    ("GM-7-DRILL", {"drills": []}),
    ("GM-6-SAFETY-DIAGNOSIS", {"documents": []}),
    ("MINE-6-HIDDEN-HAZARD-SURVEY-YEARLY", {"inspections": []}),
    ("MINE-7-COMPREHENSIVE-DRILL", {"drills": [{"id": "D1", "date": "2023-03-10", "kind": "综合应急预案"}]}),
    ("GM-2-DIRECTOR-REPORT", {"meetings": []}),
])
def test_yearly_and_half_yearly_items_are_judged_on_the_last_day(book, rule_id, records):
    # on 2023-12-31 (the window's last day, also the default for a file without a date) the year and
    # the second half-year have ended: nothing in them is 不符合, not 未到期 (the March drill covers
    # only the first half)
    f = finding(book, rule_id, records, as_of="2023-12-31", profile={"safety_director": "赵六"})
    assert f.status == "不符合", f.reason


def test_partial_first_month_of_the_gongmao_campaign_is_not_judged(book):
    # 涉氨制冷: monthly. Checks led by the principal on the 10th of June … December, none in May.
    # The campaign starts 2023-05-19, so 5月19–31 is not a period; June–December each have one.
    recs = [{"id": f"I{m}", "date": f"2023-{m:02d}-10", "kind": "重大事故隐患排查", "led_by": "主要负责人"}
            for m in range(6, 13)]
    f = finding(book, "GM-1-PRINCIPAL-LEADS-INSPECTION", {"inspections": recs}, profile={"domains": ["涉氨制冷"]})
    assert f.status == "符合"
    assert [p["period"] for p in f.details["periods"]][0] == "2023年6月" and len(f.details["periods"]) == 7
    # the mine plan names May (整治时间 2023年5月份至12月份): a mine with no May APP check fails May
    app = [{"id": f"A{m}", "date": f"2023-{m:02d}-10", "kind": "重大事故隐患排查", "via": "APP"} for m in range(6, 13)]
    f = finding(book, "MINE-2-MONTHLY-APP-INVESTIGATION", {"inspections": app})
    assert f.status == "不符合" and "2023年5月" in f.reason


def test_every_rule_note_says_where_its_deadline_or_frequency_comes_from(book):
    ids = book.checklist("gongmao-2023").rule_ids + book.checklist("mine-2023").rule_ids
    missing = [r for r in ids if not any(w in (book.rules[r].raw.get("note") or "") for w in ("期限：", "频次："))]
    assert not missing


# ---- each rules follow the due-date model too (gap 3) ----------------------------------------------

UNCHECKED = {"contractors": [{"id": "C1", "name": "某建安公司", "in_management_system": True,
                              "last_checked_on": "2022-11-10"}]}


@pytest.mark.parametrize("rule_id", ["GM-4-CONTRACTOR-MANAGED", "MINE-4-CONTRACTOR-IN-SYSTEM"])
def test_contractors_checked_during_the_campaign_are_due_on_november_30(book, rule_id):
    # last checked 2022-11-10, before either plan's campaign began: not yet done. "During the
    # campaign" with no date is due at the end of 部门精准执法 (11-30) in both plans: 未到期 on 09-30
    # and 11-29; as_of is the end of that day, so on 11-30 the deadline is over: 不符合.
    profile = {"flags": {"has_contractors": True}}
    assert finding(book, rule_id, UNCHECKED, as_of="2023-09-30", profile=profile).status == "未到期"
    assert finding(book, rule_id, UNCHECKED, as_of="2023-11-29", profile=profile).status == "未到期"
    assert finding(book, rule_id, UNCHECKED, as_of="2023-11-30", profile=profile).status == "不符合"


def test_welding_sets_not_yet_checked_wait_but_a_defective_one_fails_now(book):
    unchecked = {"equipment": [{"id": "E1", "kind": "电焊机", "checked_on": "2022-12-01", "defective": False}]}
    f = finding(book, "GM-3-WELDING-EQUIPMENT-CHECKED", unchecked, as_of="2023-09-30")
    assert f.status == "未到期" and list(f.evidence_ids) == ["E1"]
    assert "2023年11月30日" in f.reason
    # running defective is a standing duty: 不符合 on 09-30 already, citing E2 only
    defective = {"equipment": [unchecked["equipment"][0], {"id": "E2", "kind": "电焊机", "defective": True}]}
    f = finding(book, "GM-3-WELDING-EQUIPMENT-CHECKED", defective, as_of="2023-09-30")
    assert f.status == "不符合" and list(f.evidence_ids) == ["E2"]


def test_every_each_rule_says_where_its_deadline_comes_from(book):
    for rule in book.rules.values():
        if rule.kind == "each" and rule.sector in ("工贸", "非煤矿山") and not rule.id.startswith("CRIT"):
            assert "期限" in (rule.raw.get("note") or ""), rule.id
            if "due" in rule.check:
                assert "11月30日" in rule.raw["note"], rule.id
