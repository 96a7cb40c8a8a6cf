"""The floor: gongmao-2023 checks written by hand in plain Python, no rule engine at all.

It is what the native evaluator is measured against (benchmarks/run.py) and checked against
(tests/test_floor.py: same status per rule on generated data). Each function reads the
normalised Evidence directly and returns a status. PENDING lists the checklist's rules not yet
written here; the test fails for any rule that is in neither, so the floor cannot silently drift.
"""
from __future__ import annotations

import re
from datetime import date, datetime

PASS, FAIL, NA, INSUFFICIENT, NOT_DUE = "符合", "不符合", "不适用", "证据不足", "未到期"
WINDOW = (date(2023, 5, 19), date(2023, 12, 31))
MONTHLY_DOMAINS = {"金属冶炼", "粉尘涉爆", "涉氨制冷"}
PERMIT_KINDS = {"动火", "电气焊", "有限空间", "高处", "临时用电"}
CRITERIA_TOPIC = re.compile("判定标准|重点检查事项")


def _d(v):
    return v.date() if isinstance(v, datetime) else v


def _dt(v):
    return v if isinstance(v, datetime) or v is None else datetime(v.year, v.month, v.day)


def campaign_plan(ev, as_of):
    docs = ev.facts.get("documents")
    if docs is None:
        return INSUFFICIENT
    deadline = date(2023, 5, 31)
    if any(d.get("kind") == "排查整治方案" and d.get("date") and d["date"] <= deadline for d in docs):
        return PASS
    return NOT_DUE if as_of < deadline else FAIL


def _months(lo, hi, span):
    y, m = lo.year, ((lo.month - 1) // span) * span + 1
    while date(y, m, 1) <= hi:
        ny, nm = (y + 1, 1) if m + span > 12 else (y, m + span)
        yield date(y, m, 1), date.fromordinal(date(ny, nm, 1).toordinal() - 1)
        y, m = ny, nm


def principal_leads_inspection(ev, as_of):
    insp = ev.facts.get("inspections")
    if insp is None:
        return INSUFFICIENT
    lo, hi = WINDOW
    if as_of < lo:
        return NOT_DUE
    span = 1 if MONTHLY_DOMAINS.intersection(ev.profile.get("domains") or ()) else 3
    dates = [i["date"] for i in insp if i.get("led_by") == "主要负责人" and i.get("kind") == "重大事故隐患排查"
             and lo <= i["date"] <= hi and i["date"] <= as_of]
    met = pending = missed = 0
    for start, end in _months(lo, hi, span):
        if start > as_of:
            break
        if any(start <= d <= end for d in dates):
            met += 1
        elif as_of <= end:
            pending += 1
        else:
            missed += 1
    if missed:
        return FAIL
    return NOT_DUE if pending and not met else PASS


def safety_director(ev, as_of):
    p = ev.profile
    if p.get("safety_director") not in (None, ""):
        return PASS
    return INSUFFICIENT if "safety_director" not in p else FAIL


def permit_approval_guardian(ev, as_of):
    permits = ev.facts.get("permits")
    if permits is None:
        return INSUFFICIENT
    subjects = [p for p in permits if p.get("kind") in PERMIT_KINDS]
    if not subjects:
        return NA
    for p in subjects:
        a, w = p.get("approved_at"), p.get("work_start")
        if a is None or w is None or _dt(a) > _dt(w) or p.get("guardian") in (None, "") \
                or p.get("measures_checked") is not True:
            return FAIL
    return PASS


def special_ops_certified(ev, as_of):
    permits = ev.facts.get("permits")
    if permits is None:
        return INSUFFICIENT
    workers = {w["id"]: w for w in ev.facts.get("workers", ())}
    certs = {}
    for c in ev.facts.get("certificates", ()):
        certs.setdefault(c["worker"], []).append(c)
    for p in permits:
        start = p.get("work_start")
        for wid in p.get("workers") or ():
            w = workers.get(wid)
            if w is None or w.get("special_operation") in (None, ""):
                continue
            if not any(c.get("valid_from") and c.get("valid_until") and start is not None
                       and _dt(c["valid_from"]) <= start <= _dt(c["valid_until"]) for c in certs.get(wid, ())):
                return FAIL
    return PASS


def criteria_training_all_staff(ev, as_of):
    workers, trainings = ev.facts.get("workers"), ev.facts.get("trainings")
    if workers is None or trainings is None:
        return INSUFFICIENT
    members = {w["id"] for w in workers}
    if not members:
        return NA
    lo, hi = WINDOW
    covered = set()
    for t in trainings:
        if isinstance(t.get("topic"), str) and CRITERIA_TOPIC.search(t["topic"]) and t.get("date") \
                and lo <= _d(t["date"]) <= hi:
            covered.update(t.get("attendees") or ())
    return FAIL if members - covered else PASS


def no_paper_only(ev, as_of):
    ans = ev.answers.get("GM-6-NO-PAPER-ONLY")
    if not ans:
        return INSUFFICIENT
    return NA if ans["answer"] == "不适用" else FAIL if ans["answer"] == "是" else PASS


FLOOR = {
    "GM-1-CAMPAIGN-PLAN": campaign_plan,
    "GM-1-PRINCIPAL-LEADS-INSPECTION": principal_leads_inspection,
    "GM-2-SAFETY-DIRECTOR": safety_director,
    "GM-3-PERMIT-APPROVAL-GUARDIAN": permit_approval_guardian,
    "GM-3-SPECIAL-OPS-CERTIFIED": special_ops_certified,
    "GM-5-CRITERIA-TRAINING-ALL-STAFF": criteria_training_all_staff,
    "GM-6-NO-PAPER-ONLY": no_paper_only,
}

# Rules of gongmao-2023 not yet written by hand: one per check kind is covered above; the
# rest are the same shapes with other literals. Listed so a new rule is noticed (test_floor.py).
PENDING = {
    "GM-1-ACCIDENT-LESSONS", "GM-1-HAZARD-FIVE-IN-PLACE", "GM-1-HAZARD-IMMEDIATE", "GM-1-HAZARD-LEDGER",
    "GM-1-HAZARD-REPORTED", "GM-1-HAZARD-SIGN-OFF", "GM-1-HAZARD-SYSTEM", "GM-1-LEARN-CRITERIA",
    "GM-1-ZERO-PLEDGE", "GM-2-CAMPAIGN-WORK-LIST", "GM-2-DEPUTY-DUTY-LIST", "GM-2-DIRECTOR-DUTY-LIST",
    "GM-2-DIRECTOR-REPORT", "GM-2-DUTY-LIST-ALL-STAFF", "GM-2-EXPERTS", "GM-2-FIRST-RESPONSIBLE",
    "GM-2-REWARD-PENALTY", "GM-2-SAFETY-BODY-OR-STAFF", "GM-3-HAZARDOUS-WORK-SYSTEM",
    "GM-3-KEY-POSTS-REVIEW", "GM-3-NO-OBSOLETE-WELDING", "GM-3-PERMIT-REPORTED",
    "GM-3-UNLICENSED-LIABILITY", "GM-3-WARNING-EDUCATION", "GM-3-WELDING-EQUIPMENT-CHECKED",
    "GM-6-MORNING-MEETING-SYSTEMS", "GM-4-CONTRACTOR-AGREEMENT", "GM-4-CONTRACTOR-FOLLOW-UP",
    "GM-4-CONTRACTOR-MANAGED", "GM-4-CONTRACTOR-QUALIFIED", "GM-4-OUTSOURCING-REVIEW", "GM-5-NO-FORMALITY",
    "GM-5-TRAINING-ALL-STAFF", "GM-5-TRAINING-CONTENT", "GM-5-TRAINING-PLAN", "GM-5-TRAINING-RECORDS",
    "GM-5-TRAINING-SELF-CHECK", "GM-6-DISPATCHED-WORKERS", "GM-6-DUAL-PREVENTION", "GM-6-OTHER-MEASURES",
    "GM-6-REPORT-BOARD", "GM-6-REPORT-FUND", "GM-6-REPORT-REWARD-SYSTEM", "GM-6-SAFETY-DIAGNOSIS",
    "GM-6-THIRD-PARTY-DIAGNOSIS", "GM-7-DRILL", "GM-7-ESCAPE-SKILLS", "GM-7-EXITS-CLEAR",
    "GM-7-EXITS-DORMITORY", "GM-7-EXITS-WORKPLACE", "GM-7-STAFF-KNOW-EXITS", "GM-S-SELF-CHECK",
}


def run_floor(ev, as_of) -> dict:
    if ev.profile.get("sector") != "工贸":
        return {rid: NA for rid in FLOOR}
    return {rid: fn(ev, as_of) for rid, fn in FLOOR.items()}
