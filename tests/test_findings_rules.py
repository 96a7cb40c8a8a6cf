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
