"""The floor: every rule of gongmao-2023 and mine-2023 written by hand in plain Python, no rule
engine at all.

It is what the native evaluator is measured against (benchmarks/run.py) and checked against
(tests/test_floor.py). Each function takes the normalised Evidence and the evaluation date and
returns (status, ids of the records the finding cites): the status and record ids native gives,
not its Chinese reason wording. The checklists' parameters and phase deadlines are constants
below, as a hand-written check would have them; the test fails if the rules or the checklists
change under them, and when a checklist has a rule FLOOR does not know.

Where a rule's meaning and the native engine differed, the floor followed the rule's meaning; the
one case found (`_cert_valid`) was fixed in the engine.
"""
from __future__ import annotations

from datetime import date, timedelta

PASS, FAIL, NA, INSUFFICIENT, NOT_DUE = "符合", "不符合", "不适用", "证据不足", "未到期"
NONE = ()
NOT_APPLICABLE = (NA, NONE)
NO_SECTION = (INSUFFICIENT, NONE)   # the records section the check reads was not provided
EMPTY = (None, "", [])              # what `is_set: false` means
EMPTY_OR_FALSE = EMPTY + (False,)   # `is_set: false` or `eq: false`

# ---- the checklists' windows and parameters (checklists/gongmao-2023.yaml, mine-2023.yaml) ----
YEAR = (date(2023, 1, 1), date(2023, 12, 31))                # within/window: year
GM_CAMPAIGN = (date(2023, 5, 19), date(2023, 12, 31))        # gongmao-2023 window
GM_CAMPAIGN_FROM = GM_CAMPAIGN[0]                            # campaign.from
MINE_CAMPAIGN = (date(2023, 5, 1), date(2023, 12, 31))       # mine-2023 window
SELF_CHECK_END = date(2023, 7, 31)                           # phase.self_check.to
ENFORCEMENT_END = date(2023, 11, 30)  # phase.enforcement.to: campaign items without a date (docs/rules.md)
MINE_CONTRACTOR_CHECKED_SINCE = date(2023, 5, 1)             # mine_contractor_checked_since

HIGH_RISK_DOMAINS = frozenset({"金属冶炼", "粉尘涉爆", "涉氨制冷"})
GM_PERMIT_KINDS = frozenset({"动火", "电气焊", "有限空间", "高处", "临时用电"})
MINE_PERMIT_KINDS = GM_PERMIT_KINDS | {"吊装"}
OPEN_HAZARD = frozenset({"未整改", "整改中"})
FIVE_IN_PLACE = ("responsible", "measures", "funds", "deadline", "emergency_plan")
MINE_STOPPED = "停产停建（无人作业）"


# ---- small predicates with the engine's meaning of absent values ---------------------------
# A comparison on an absent or null field is false, and so is its negation.

def _contains(v, x) -> bool:
    return isinstance(v, list) and x in v


def _contains_all(v, xs: frozenset) -> bool:
    return isinstance(v, list) and xs.issubset(v)


def _contains_any(v, xs: frozenset) -> bool:
    return isinstance(v, list) and not xs.isdisjoint(v)


def _has_text(v, *parts) -> bool:
    """`matches: a|b` for plain alternatives: v is a string containing one of the parts."""
    return isinstance(v, str) and any(p in v for p in parts)


def _on_or_after(v, day) -> bool:
    return v is not None and v >= day


def _not_after(a, b) -> bool:
    return a is not None and b is not None and a <= b


def _may(r, key, test) -> bool:
    """A filter on a field the schema does not require: it holds, or the field is not written at
    all (then the record might match: docs/rules.md, 缺失不等于否定). A written null is a value."""
    return key not in r or test(r[key])


def kind_is(kind):
    return lambda r: r.get("kind") == kind


def kind_or_covers_possible(kind, topic):
    return lambda r: r.get("kind") == kind or _may(r, "covers", _covers(topic))


def may_kind(test):
    """`kind` of an inspection (not required there) possibly passing `test`."""
    return lambda r: _may(r, "kind", test)


def kind_or_covers(kind, topic):
    """A system (制度) on file either as its own document or as a topic another document covers."""
    return lambda r: r.get("kind") == kind or _contains(r.get("covers"), topic)


def _flag(profile, name) -> bool:
    flags = profile.get("flags")
    return isinstance(flags, dict) and flags.get(name) is True


def unknown_filter(build, match, possible, fact):
    """The check `build(match)`, whose verdict must hold whether or not the records that only
    possibly match (a filter field not written) are counted; if counting them changes it, 证据不足
    citing them — except that 未到期 stands when nothing fails either way."""
    sure, wide = build(match), build(lambda r: match(r) or possible(r))

    def check(ev, as_of):
        v = sure(ev, as_of)
        if v[0] == INSUFFICIENT:
            return v
        extra = [r["id"] for r in ev.facts.get(fact) or () if not match(r) and possible(r)]
        if not extra:
            return v
        other = wide(ev, as_of)[0]
        if other == v[0] or v[0] == NOT_DUE and other != FAIL:
            return v
        return INSUFFICIENT, extra
    return check


def _flag_unwritten(profile, name) -> bool:
    flags = profile.get("flags")
    return not isinstance(flags, dict) or name not in flags


def flag_may(name):
    """A flag `eq: true` that is true or not written (then the rule may apply)."""
    return lambda p: _flag_unwritten(p, name) or _flag(p, name)


def only_if(applies, check, possibly=None):
    """The rule's `applies`: unless applies(profile), 不适用 — or 证据不足 when `possibly(profile)`
    (the profile leaves out a field that could bring the enterprise in scope)."""
    def run(ev, as_of):
        if applies(ev.profile):
            return check(ev, as_of)
        return (INSUFFICIENT, NONE) if possibly and possibly(ev.profile) else NOT_APPLICABLE
    return run


# ---- the check kinds, as a hand-coder would share them ---------------------------------------

def exists(fact, match, within=None, by=None):
    """A matching record; with a window and/or deadline, one dated inside it. A deadline still
    ahead with nothing on file is 未到期; a failure cites the matching records out of time."""
    dated = within is not None or by is not None
    lo, hi = within or (date.min, date.max)
    if by is not None:
        hi = min(hi, by)

    def check(ev, as_of):
        recs = ev.facts.get(fact)
        if recs is None:
            return NO_SECTION
        found = [r for r in recs if match(r)]
        if not dated:
            return (PASS, [r["id"] for r in found]) if found else (FAIL, NONE)
        ok = [r["id"] for r in found if (d := r.get("date")) is not None and lo <= d <= hi]
        if ok:
            return PASS, ok
        if by is not None and as_of < by:
            return NOT_DUE, NONE
        undated = [r["id"] for r in found if r.get("date") is None]   # may be inside: not known
        if undated:
            return INSUFFICIENT, undated
        return FAIL, [r["id"] for r in found]
    return check


def _written(r, dotted: str) -> bool:
    """Is the field written at all (every key on its path present, whatever the value)?"""
    for k in dotted.split("."):
        if not isinstance(r, dict) or k not in r:
            return False
        r = r[k]
    return True


def each(fact, require, where=None, if_none=NA, due=None, standing=()):
    """Every record (matching `where`) satisfies every requirement; `require` is a list of
    (predicate, the record's fields it reads). A record failing a requirement whose fields are all
    written violates it (不符合); one failing only where a field is not written at all cannot be
    judged (证据不足). Violators and undetermined records are the evidence. Before `due`, the
    requirements not in `standing` (their positions) wait: failing only those is 未到期."""
    empty = (if_none, NONE)
    if callable(require):   # one requirement reading no field that may be absent
        require = [(require, ())]

    def check(ev, as_of):
        recs = ev.facts.get(fact)
        if recs is None:
            return NO_SECTION
        subjects = recs if where is None else [r for r in recs if where(r)]
        if not subjects:
            return empty
        violated, unknown, later = [], [], []
        early = due is not None and as_of < due
        for r in subjects:
            failed_all = [(i, fields) for i, (pred, fields) in enumerate(require) if not pred(r)]
            failed = [fields for i, fields in failed_all if not early or i in standing]
            if len(failed) < len(failed_all):
                later.append(r["id"])
            if not failed:
                continue
            if any(all(_written(r, f) for f in fields) for fields in failed):
                violated.append(r["id"])
            else:
                unknown.append(r["id"])
        if violated:
            return FAIL, violated + unknown
        if unknown:
            return INSUFFICIENT, unknown
        if later:
            return NOT_DUE, later
        return PASS, [r["id"] for r in subjects]
    return check


def none_of(fact, match):
    """No record matches; the matches are the violations."""
    def check(ev, as_of):
        recs = ev.facts.get(fact)
        if recs is None:
            return NO_SECTION
        bad = [r["id"] for r in recs if match(r)]
        return (FAIL, bad) if bad else (PASS, NONE)
    return check


def all_staff_attended(match, within, due=None):
    """Every worker on the roster attended a matching training dated within the window; before
    `due`, someone not yet covered is 未到期."""
    lo, hi = within

    def check(ev, as_of):
        workers, trainings = ev.facts.get("workers"), ev.facts.get("trainings")
        if workers is None or trainings is None:
            return NO_SECTION
        members = {w["id"] for w in workers}
        if not members:
            return NOT_APPLICABLE
        covered, used = set(), []
        for t in trainings:
            d = t.get("date")
            if d is None or not lo <= d <= hi or not match(t):
                continue
            a = t.get("attendees")
            hit = members.intersection(a if isinstance(a, list) else (a,))
            if hit:
                covered |= hit
                used.append(t["id"])
        missing = members - covered
        if missing and due is not None and as_of < due:
            return NOT_DUE, used
        return (FAIL, used + list(missing)) if missing else (PASS, used)
    return check


def _periods(lo: date, hi: date, months: int) -> tuple:
    """(start, end) of every calendar month/quarter/half/year (months = 1/3/6/12) overlapping [lo, hi],
    except a first one the window cuts short when later ones follow (docs/rules.md, due-date model)."""
    out, y, m = [], lo.year, (lo.month - 1) // months * months + 1
    while date(y, m, 1) <= hi:
        ny, nm = (y + 1, 1) if m + months > 12 else (y, m + months)
        out.append((date(y, m, 1), date(ny, nm, 1) - timedelta(days=1)))
        y, m = ny, nm
    if len(out) > 1 and out[0][0] < lo:   # a cut first period is not judged, unless it is the only one
        out = out[1:]
    return tuple(out)


def every(fact, match, within, months, high_risk_months=None):
    """At least one matching record in every period overlapping the window, up to as_of. The
    period containing as_of is 未到期 unless it already has one (then, or if an earlier period
    passed, 符合). `high_risk_months`: the override for 金属冶炼/粉尘涉爆/涉氨制冷 enterprises."""
    lo, hi = within
    usual = _periods(lo, hi, months)
    high_risk = _periods(lo, hi, high_risk_months) if high_risk_months else usual

    def check(ev, as_of):
        recs = ev.facts.get(fact)
        if recs is None:
            return NO_SECTION
        if as_of < lo:
            return NOT_DUE, NONE
        top = min(hi, as_of)
        days, used = [], []
        for r in recs:
            d = r.get("date")
            if d is not None and lo <= d <= top and match(r):
                days.append(d)
                used.append(r["id"])
        periods = high_risk if _contains_any(ev.profile.get("domains"), HIGH_RISK_DOMAINS) else usual
        if not periods or periods[0][0] > as_of:   # the first period has not begun
            return NOT_DUE, NONE
        first = periods[0][0]
        used = [rid for rid, d in zip(used, days) if d >= first]   # records of a skipped partial period
        met = False
        for start, end in periods:
            if start > as_of:
                break
            if any(start <= d <= end for d in days):
                met = True
            elif as_of >= end:   # as_of is the end of that day: a period ending on it is over
                return FAIL, used
            else:   # the period containing as_of, the last one judged
                return (PASS if met else NOT_DUE), used
        return PASS, used
    return check


def judged(rule_id, fail_on):
    """An inspector's answer: unanswered 证据不足, 不适用, or the answer that fails the rule."""
    def check(ev, as_of):
        ans = ev.answers.get(rule_id)
        if not ans:
            return NO_SECTION
        if ans["answer"] == "不适用":
            return NOT_APPLICABLE
        return (FAIL if ans["answer"] == fail_on else PASS), NONE
    return check


def judgements(fail_on: dict) -> dict:
    return {rid: judged(rid, answer) for rid, answer in fail_on.items()}


# ---- checks both sectors share -------------------------------------------------------------

def permit_approved_guarded(kinds):
    return each("permits", where=lambda p: p.get("kind") in kinds,
                require=[(lambda p: _not_after(p.get("approved_at"), p.get("work_start")), ("approved_at", "work_start")),
                         (lambda p: p.get("guardian") not in EMPTY, ("guardian",)),
                         (lambda p: p.get("measures_checked") is True, ("measures_checked",))])


def _cert_valid(c, day, op, maybe=False) -> bool:
    # Plain meaning: a certificate for the worker's own operation, valid from valid_from (optional:
    # no start date does not make it invalid) through valid_until, both days included (the engine
    # compares a date with a date-time by the day, so both agree). With maybe, an operation or
    # valid_until the certificate does not write may hold (docs/rules.md, Filters: joined records).
    vf = c.get("valid_from")
    if maybe:
        return (_unwritten(c, "operation") or c["operation"] == op) and (vf is None or vf <= day) and \
            (_unwritten(c, "valid_until") or c["valid_until"] is not None and day <= c["valid_until"])
    vu = c.get("valid_until")
    return c.get("operation") == op and vu is not None and (vf is None or vf <= day) and day <= vu


def _unwritten(rec, key) -> bool:
    return key not in rec


def _certificates_by_worker(ev) -> dict:
    certs = {}
    for c in ev.facts.get("certificates", NONE):
        certs.setdefault(c["worker"], []).append(c)
    return certs


def _none_three_valued(surely_bad, maybe_bad):
    """A none check whose pattern joins records that may leave a field unwritten: the surely
    matching records fail it; else records that possibly match make it 证据不足."""
    if surely_bad:
        return FAIL, surely_bad
    return (INSUFFICIENT, maybe_bad) if maybe_bad else (PASS, NONE)


def special_ops_certified(ev, as_of):
    """No permit names a special-operations worker without a certificate for that operation valid
    on the work date."""
    permits = ev.facts.get("permits")
    if permits is None:
        return NO_SECTION
    special = {w["id"]: w["special_operation"] for w in ev.facts.get("workers", NONE)
               if w.get("special_operation") not in EMPTY}
    certs = _certificates_by_worker(ev)
    surely, maybe = [], []
    for p in permits:
        names = p.get("workers")
        if not names or special.keys().isdisjoint(names):
            continue
        start = p.get("work_start")
        day = start.date() if start is not None else None

        def uncovered(w, possibly):
            return w in special and not (day and any(_cert_valid(c, day, special[w], possibly)
                                                     for c in certs.get(w, NONE)))
        if any(uncovered(w, True) for w in names):
            surely.append(p["id"])
        elif any(uncovered(w, False) for w in names):
            maybe.append(p["id"])
    return _none_three_valued(surely, maybe)


def uncertified_special_posts(ev, as_of):
    """No worker in a special-operations post without a certificate for that operation on file."""
    workers = ev.facts.get("workers")
    if workers is None:
        return NO_SECTION
    certs = _certificates_by_worker(ev)
    surely, maybe = [], []
    for w in workers:
        op = w.get("special_operation")
        if op in EMPTY:
            continue
        mine = certs.get(w["id"], NONE)
        if not any(_unwritten(c, "operation") or c["operation"] == op for c in mine):
            surely.append(w["id"])
        elif not any(c.get("operation") == op for c in mine):
            maybe.append(w["id"])
    return _none_three_valued(surely, maybe)


def _five_set(key):
    def test(h) -> bool:
        fip = h.get("five_in_place")
        return isinstance(fip, dict) and fip.get(key) not in EMPTY
    return test


five_in_place = [(_five_set(k), (f"five_in_place.{k}",)) for k in FIVE_IN_PLACE]


def zero_pledge_possible(d) -> bool:
    return d.get("kind") == "清零承诺" and _may(d, "public", lambda v: v is True)


def zero_pledge(d) -> bool:
    return d.get("kind") == "清零承诺" and d.get("public") is True


def _knows_escape_routes_set(w) -> bool:
    return w.get("knows_escape_routes") not in EMPTY


TRAINING_RECORDED = [(lambda t: t.get("recorded") is True, ("recorded",)),
                     (lambda t: t.get("attendees") not in EMPTY, ("attendees",))]
STAFF_KNOW_ESCAPE_ROUTES = each("workers", where=_knows_escape_routes_set,
                                require=[(lambda w: w.get("knows_escape_routes") is True, ("knows_escape_routes",))],
                                if_none=INSUFFICIENT)
MORNING_MEETING = kind_or_covers("晨会制度", "晨会")
FIRST_LESSON = kind_or_covers("开工第一课制度", "开工第一课")
WARNING_EDUCATION = kind_or_covers("事故警示教育制度", "事故警示教育")


# ---- gongmao-2023 ----------------------------------------------------------------------------

GM_ALL_ROLES = frozenset({"主要负责人", "其他负责人", "职能部门负责人", "车间负责人", "班组长", "一线从业人员"})
GM_WORK_SYSTEM_COVERS = frozenset({"动火", "有限空间", "高处", "临时用电"})


def _has_director(profile) -> bool:
    return profile.get("safety_director") not in EMPTY


def _has_contractors(profile) -> bool:
    return _flag(profile, "has_contractors")


def only_if_contractors(check):
    """Contractor rules: has_contractors (derived from records.contractors when not written)."""
    return only_if(_has_contractors, check, flag_may("has_contractors"))


def _statutory_high_risk(p) -> bool:
    """安全生产法 第二十四条's first group among 工贸 enterprises: 金属冶炼, 危险物品 units."""
    return _contains(p.get("domains"), "金属冶炼") or _flag(p, "dangerous_goods")


def gm_safety_director(ev, as_of):
    p = ev.profile
    employees = p.get("employees")
    if not (_statutory_high_risk(p) or (employees is not None and employees >= 300)):
        maybe = ("domains" not in p or flag_may("dangerous_goods")(p) or "employees" not in p)
        return (INSUFFICIENT, NONE) if maybe else NOT_APPLICABLE
    if _has_director(p):
        return PASS, NONE
    return (FAIL if "safety_director" in p else INSUFFICIENT), NONE


def gm_safety_body_or_staff(ev, as_of):
    """A body or a 专职 officer; a 兼职 one suffices only at most 100 employees outside 金属冶炼/危险物品."""
    p = ev.profile
    full, staff, employees = p.get("safety_staff_full_time"), p.get("safety_staff"), p.get("employees")
    if p.get("safety_body") is True or (full is not None and full >= 1):
        return PASS, NONE
    if (staff is not None and staff >= 1 and employees is not None and employees <= 100
            and not _contains(p.get("domains"), "金属冶炼") and not _flag(p, "dangerous_goods")):
        return PASS, NONE
    read = ("safety_body", "safety_staff_full_time", "safety_staff", "employees")
    return (INSUFFICIENT if any(k not in p for k in read) else FAIL), NONE


def _is(value):
    return lambda v: v == value


CRITERIA_SUBJECTS = ("判定标准", "重点检查事项")   # trainings/meetings.subject: the closed field rules read (topic is free text)


def _in(values):
    return lambda v: v in values


def _has(*parts):
    return lambda v: _has_text(v, *parts)


def _covers(topic):
    return lambda v: _contains(v, topic)


def gm_learn_criteria_possible(m) -> bool:
    return _may(m, "chaired_by", _is("主要负责人")) and (
        _has_text(m.get("kind"), "学习", "研究") or _may(m, "subject", _in(CRITERIA_SUBJECTS)))


def gm_learn_criteria(m) -> bool:
    return m.get("chaired_by") == "主要负责人" and (
        _has_text(m.get("kind"), "学习", "研究") or m.get("subject") in CRITERIA_SUBJECTS)


gm_hazard_ledger = [(lambda h: h.get("basis") not in EMPTY or h.get("criterion") not in EMPTY, ("basis", "criterion")),
                    (lambda h: h.get("status") not in EMPTY, ("status",)),
                    (lambda h: h.get("status") not in (None, "已整改") or h.get("rectified_on") not in EMPTY,
                     ("status", "rectified_on"))]


gm_sign_off = [(lambda h: _contains(h.get("signed_off_by"), "主要负责人"), ("signed_off_by",)),
               (lambda h: _contains(h.get("signed_off_by"), "安全总监") or _contains(h.get("signed_off_by"), "分管负责人"),
                ("signed_off_by",)),
               (lambda h: h.get("signed_off_on") not in EMPTY, ("signed_off_on",))]


def gm_dual_prevention(ev, as_of):
    docs = ev.facts.get("documents")
    if docs is None:
        return NO_SECTION
    if not any(d.get("kind") == "风险分级管控清单" for d in docs):
        return FAIL, NONE
    found = [d["id"] for d in docs if d.get("kind") == "双重预防机制"]
    return (PASS, found) if found else (FAIL, NONE)


def gm_morning_meeting_systems(morning, morning_may):
    """The 晨会 system on file, with the other two systems beside it. A document that does not say
    what it covers may be any of the three (the nested patterns are read three-valued too): if
    counting such documents changes the verdict, 证据不足 citing the 晨会 candidates."""
    first_may = kind_or_covers_possible("开工第一课制度", "开工第一课")
    warn_may = kind_or_covers_possible("事故警示教育制度", "事故警示教育")

    def check(ev, as_of):
        docs = ev.facts.get("documents")
        if docs is None:
            return NO_SECTION
        sure = [d["id"] for d in docs if morning(d)] \
            if any(FIRST_LESSON(d) for d in docs) and any(WARNING_EDUCATION(d) for d in docs) else []
        wide = [d["id"] for d in docs if morning(d) or morning_may(d)] \
            if any(FIRST_LESSON(d) or first_may(d) for d in docs) and \
            any(WARNING_EDUCATION(d) or warn_may(d) for d in docs) else []
        v = (PASS, sure) if sure else (FAIL, NONE)
        if len(wide) == len(sure) or (PASS if wide else FAIL) == v[0]:
            return v
        return INSUFFICIENT, [i for i in wide if i not in sure]
    return check


def _exit(place):
    return lambda o: o.get("kind") == "疏散出口" and o.get("place") == place \
        and o.get("marked") is True and o.get("clear") is True


def _welding(e) -> bool:
    return _has_text(e.get("kind"), "焊", "割")


def documents_of_kind(kinds: dict) -> dict:
    """{rule id: exists check on documents of that kind} for the rules that only ask for one."""
    return {rid: exists("documents", kind_is(kind)) for rid, kind in kinds.items()}


DISPATCHED = ("劳务派遣", "灵活用工")


def _work_system(covers):
    """A 危险作业管理制度 covering every kind of work (covers not written: maybe)."""
    return unknown_filter(
        lambda m: exists("documents", m),
        lambda d: d.get("kind") == "危险作业管理制度" and _contains_all(d.get("covers"), covers),
        lambda d: d.get("kind") == "危险作业管理制度" and _may(d, "covers", lambda v: _contains_all(v, covers)),
        "documents")


def _exit_possible(place):
    return lambda o: o.get("kind") == "疏散出口" and _may(o, "place", _is(place)) \
        and _may(o, "marked", lambda v: v is True) and _may(o, "clear", lambda v: v is True)


def _exit_blocked_possible(o) -> bool:
    return o.get("kind") == "疏散出口" and any(_may(o, k, lambda v: v is False) for k in ("marked", "clear", "adequate"))


GONGMAO = {
    "GM-1-CAMPAIGN-PLAN": exists("documents", kind_is("排查整治方案"), by=ENFORCEMENT_END),
    "GM-1-HAZARD-FIVE-IN-PLACE": unknown_filter(
        lambda w: each("hazards", five_in_place, where=w), lambda h: h.get("status") in OPEN_HAZARD,
        lambda h: _may(h, "status", lambda v: v in OPEN_HAZARD), "hazards"),
    "GM-1-HAZARD-IMMEDIATE": unknown_filter(
        lambda w: each("hazards", where=w, require=[(lambda h: h.get("status") == "已整改", ("status",)),
                                                    (lambda h: _not_after(h.get("rectified_on"), h.get("found_on")),
                                                     ("rectified_on", "found_on"))]),
        lambda h: h.get("immediate") is True, lambda h: _may(h, "immediate", lambda v: v is True), "hazards"),
    "GM-1-HAZARD-LEDGER": each("hazards", gm_hazard_ledger, if_none=PASS),
    "GM-1-HAZARD-REPORTED": each("hazards", where=lambda h: h.get("found_by") == "自查",
                                 require=[(lambda h: h.get("reported_on") not in EMPTY, ("reported_on",)),
                                          (lambda h: _not_after(h.get("found_on"), h.get("reported_on")),
                                           ("reported_on", "found_on"))]),
    "GM-1-HAZARD-SIGN-OFF": unknown_filter(
        lambda w: each("hazards", gm_sign_off, where=w), lambda h: h.get("status") == "已整改",
        lambda h: _may(h, "status", _is("已整改")), "hazards"),
    "GM-1-LEARN-CRITERIA": unknown_filter(lambda m: exists("meetings", m, by=ENFORCEMENT_END),
                                          gm_learn_criteria, gm_learn_criteria_possible, "meetings"),
    "GM-1-PRINCIPAL-LEADS-INSPECTION": unknown_filter(
        lambda m: every("inspections", m, GM_CAMPAIGN, 3, high_risk_months=1),
        lambda i: i.get("led_by") == "主要负责人" and i.get("kind") == "重大事故隐患排查",
        lambda i: _may(i, "led_by", _is("主要负责人")) and _may(i, "kind", _is("重大事故隐患排查")), "inspections"),
    "GM-1-ZERO-PLEDGE": unknown_filter(lambda m: exists("documents", m, by=ENFORCEMENT_END), zero_pledge,
                                       zero_pledge_possible, "documents"),
    "GM-2-CAMPAIGN-WORK-LIST": exists("documents", kind_is("专项行动工作清单"), by=ENFORCEMENT_END),
    "GM-2-DEPUTY-DUTY-LIST": exists("documents", kind_is("分管负责人职责清单"), by=ENFORCEMENT_END),
    "GM-2-DIRECTOR-DUTY-LIST": only_if(_has_director, exists("documents", kind_is("安全总监职责清单"),
                                                             by=ENFORCEMENT_END)),
    "GM-2-DIRECTOR-REPORT": only_if(_has_director, exists("meetings", kind_is("专项述职"),
                                                          within=GM_CAMPAIGN, by=ENFORCEMENT_END)),
    "GM-2-DUTY-LIST-ALL-STAFF": unknown_filter(
        lambda m: exists("documents", m, within=GM_CAMPAIGN, by=ENFORCEMENT_END),
        lambda d: d.get("kind") == "全员岗位责任清单" and _contains_all(d.get("roles"), GM_ALL_ROLES),
        lambda d: d.get("kind") == "全员岗位责任清单" and _may(d, "roles", lambda v: _contains_all(v, GM_ALL_ROLES)),
        "documents"),
    "GM-2-SAFETY-BODY-OR-STAFF": gm_safety_body_or_staff,
    "GM-2-SAFETY-DIRECTOR": gm_safety_director,
    "GM-3-HAZARDOUS-WORK-SYSTEM": _work_system(GM_WORK_SYSTEM_COVERS),
    "GM-3-KEY-POSTS-REVIEW": unknown_filter(
        lambda m: exists("inspections", m, within=GM_CAMPAIGN, by=ENFORCEMENT_END), kind_is("关键岗位排查"),
        may_kind(_is("关键岗位排查")), "inspections"),
    "GM-3-NO-OBSOLETE-WELDING": unknown_filter(
        lambda m: none_of("equipment", m), lambda e: _welding(e) and e.get("obsolete") is True,
        lambda e: _welding(e) and _may(e, "obsolete", lambda v: v is True), "equipment"),
    "GM-3-PERMIT-APPROVAL-GUARDIAN": permit_approved_guarded(GM_PERMIT_KINDS),
    "GM-3-PERMIT-REPORTED": each("permits", where=lambda p: p.get("kind") in GM_PERMIT_KINDS,
                                 require=[(lambda p: p.get("reported") is True, ("reported",))]),
    "GM-3-SPECIAL-OPS-CERTIFIED": special_ops_certified,
    "GM-3-SPECIAL-POSTS-HOLD-CERTIFICATES": uncertified_special_posts,
    "GM-3-UNLICENSED-LIABILITY": unknown_filter(
        lambda m: exists("documents", m), kind_or_covers("无证人员招请责任制度", "谁招请无证人员谁负责任"),
        kind_or_covers_possible("无证人员招请责任制度", "谁招请无证人员谁负责任"), "documents"),
    "GM-3-WARNING-EDUCATION": unknown_filter(
        lambda m: all_staff_attended(m, GM_CAMPAIGN, due=ENFORCEMENT_END),
        lambda t: t.get("subject") == "警示教育", lambda t: _may(t, "subject", _is("警示教育")), "trainings"),
    "GM-3-WELDING-EQUIPMENT-CHECKED": each(
        "equipment", where=_welding,
        require=[(lambda e: _on_or_after(e.get("checked_on"), GM_CAMPAIGN_FROM), ("checked_on",)),
                 (lambda e: e.get("defective") in EMPTY_OR_FALSE, ("defective",))],
        due=ENFORCEMENT_END, standing=(1,)),
    "GM-4-CONTRACTOR-AGREEMENT": only_if_contractors(each(
        "contractors", [(lambda c: c.get("agreement_signed_on") not in EMPTY, ("agreement_signed_on",)),
                        (lambda c: c.get("duties_defined") is True, ("duties_defined",)),
                        (lambda c: c.get("briefing_on") not in EMPTY, ("briefing_on",))], if_none=INSUFFICIENT)),
    "GM-4-CONTRACTOR-MANAGED": only_if_contractors(each(
        "contractors", [(lambda c: c.get("in_management_system") is True, ("in_management_system",)),
                        (lambda c: _on_or_after(c.get("last_checked_on"), GM_CAMPAIGN_FROM), ("last_checked_on",))],
        if_none=INSUFFICIENT, due=ENFORCEMENT_END)),
    "GM-4-CONTRACTOR-QUALIFIED": only_if_contractors(each(
        "contractors", [(lambda c: c.get("qualified") is True, ("qualified",))], if_none=INSUFFICIENT)),
    "GM-4-OUTSOURCING-REVIEW": only_if_contractors(unknown_filter(
        lambda m: exists("inspections", m, within=GM_CAMPAIGN, by=ENFORCEMENT_END),
        lambda i: i.get("kind") == "外包外租排查" and i.get("led_by") == "主要负责人",
        lambda i: _may(i, "kind", _is("外包外租排查")) and _may(i, "led_by", _is("主要负责人")), "inspections")),
    "GM-5-CRITERIA-TRAINING-ALL-STAFF": unknown_filter(
        lambda m: all_staff_attended(m, GM_CAMPAIGN, due=ENFORCEMENT_END),
        lambda t: t.get("subject") in CRITERIA_SUBJECTS, lambda t: _may(t, "subject", _in(CRITERIA_SUBJECTS)),
        "trainings"),
    "GM-5-TRAINING-ALL-STAFF": all_staff_attended(lambda t: True, YEAR, due=ENFORCEMENT_END),
    "GM-5-TRAINING-PLAN": exists("documents", kind_is("安全教育培训计划"), within=YEAR),
    "GM-5-TRAINING-RECORDS": each("trainings", where=lambda t: _on_or_after(t.get("date"), GM_CAMPAIGN_FROM),
                                  require=TRAINING_RECORDED),
    "GM-5-TRAINING-SELF-CHECK": unknown_filter(
        lambda m: exists("inspections", m, within=GM_CAMPAIGN, by=ENFORCEMENT_END), kind_is("培训自查"),
        may_kind(_is("培训自查")), "inspections"),
    "GM-6-DISPATCHED-WORKERS": unknown_filter(
        lambda w: each("workers", where=w, require=[(lambda x: x.get("in_unified_management") is True,
                                                     ("in_unified_management",))]),
        lambda w: w.get("employment") in DISPATCHED, lambda w: _may(w, "employment", lambda v: v in DISPATCHED),
        "workers"),
    "GM-6-DUAL-PREVENTION": gm_dual_prevention,
    "GM-6-MORNING-MEETING-SYSTEMS": gm_morning_meeting_systems(MORNING_MEETING,
                                                               kind_or_covers_possible("晨会制度", "晨会")),
    "GM-6-REPORT-BOARD": exists("observations", kind_is("有奖举报公告牌")),
    "GM-6-SAFETY-DIAGNOSIS": every("documents", kind_is("诊断报告"), YEAR, 12),
    "GM-6-THIRD-PARTY-DIAGNOSIS": only_if(
        lambda p: _contains_any(p.get("domains"), HIGH_RISK_DOMAINS),
        unknown_filter(lambda m: exists("documents", m, within=GM_CAMPAIGN, by=SELF_CHECK_END),
                       lambda d: d.get("kind") == "诊断报告" and d.get("third_party") is True,
                       lambda d: d.get("kind") == "诊断报告" and _may(d, "third_party", lambda v: v is True),
                       "documents"), lambda p: "domains" not in p),
    "GM-7-DRILL": every("drills", lambda d: d.get("kind") in ("综合应急预案", "专项应急预案"), YEAR, 12,
                        high_risk_months=6),
    "GM-7-EXITS-CLEAR": unknown_filter(
        lambda m: none_of("observations", m), lambda o: o.get("kind") == "疏散出口" and (
            o.get("marked") is False or o.get("clear") is False or o.get("adequate") is False),
        _exit_blocked_possible, "observations"),
    "GM-7-EXITS-DORMITORY": only_if(lambda p: _flag(p, "has_dormitory"), unknown_filter(
        lambda m: exists("observations", m), _exit("员工宿舍"), _exit_possible("员工宿舍"), "observations"),
        flag_may("has_dormitory")),
    "GM-7-EXITS-WORKPLACE": unknown_filter(lambda m: exists("observations", m), _exit("生产经营场所"),
                                           _exit_possible("生产经营场所"), "observations"),
    "GM-7-STAFF-KNOW-EXITS": STAFF_KNOW_ESCAPE_ROUTES,
    "GM-S-SELF-CHECK": unknown_filter(
        lambda m: exists("inspections", m, within=GM_CAMPAIGN, by=SELF_CHECK_END), kind_is("重大事故隐患排查"),
        may_kind(_is("重大事故隐患排查")), "inspections"),
    **documents_of_kind({"GM-1-HAZARD-SYSTEM": "隐患排查治理制度",                          "GM-2-REWARD-PENALTY": "考核奖惩制度", "GM-6-REPORT-FUND": "有奖举报专项资金",
                         "GM-6-REPORT-REWARD-SYSTEM": "有奖举报制度"}),
    **judgements({"GM-1-ACCIDENT-LESSONS": "否", "GM-2-EXPERTS": "否", "GM-2-FIRST-RESPONSIBLE": "否",
                  "GM-5-NO-FORMALITY": "是", "GM-5-TRAINING-CONTENT": "否", "GM-6-NO-PAPER-ONLY": "是",
                  "GM-6-OTHER-MEASURES": "否", "GM-7-ESCAPE-SKILLS": "否"}),
    "GM-4-CONTRACTOR-FOLLOW-UP": only_if_contractors(judged("GM-4-CONTRACTOR-FOLLOW-UP", "否")),
}


# ---- mine-2023 -------------------------------------------------------------------------------
# Every mine rule applies only to a mine not 停产停建（无人作业）; run_floor checks that once.

MINE_ALL_ROLES = frozenset({"主要负责人", "其他负责人", "生产班组负责人", "技术人员", "现场作业人员"})
MINE_WORK_SYSTEM_COVERS = frozenset({"动火", "高处", "临时用电"})


def _underground(profile) -> bool:
    return _contains(profile.get("mine_types"), "地下")


def _mine_types_unwritten(profile) -> bool:
    return "mine_types" not in profile


def _principal_meeting(m, *kinds) -> bool:
    return m.get("chaired_by") == "主要负责人" and _has_text(m.get("kind"), *kinds)


def mine_study_criteria_possible(m) -> bool:
    return _may(m, "chaired_by", _is("主要负责人")) and _has_text(m.get("kind"), "学习", "研究") and (
        _has_text(m.get("kind"), "判定标准") or _may(m, "subject", _is("判定标准")))


def mine_study_criteria(m) -> bool:
    return _principal_meeting(m, "学习", "研究") and (
        _has_text(m.get("kind"), "判定标准") or m.get("subject") == "判定标准")


def mine_closed_loop(h) -> bool:
    status = h.get("status")
    return status in OPEN_HAZARD or (status == "已整改" and h.get("rectified_on") not in EMPTY)


def _mine_self_check(kind_parts):
    """An inspection of that kind within the campaign, by the end of 部门精准执法 (an inspection
    without a kind might be one)."""
    return unknown_filter(lambda m: exists("inspections", m, within=MINE_CAMPAIGN, by=ENFORCEMENT_END),
                          lambda i: _has_text(i.get("kind"), *kind_parts), may_kind(_has(*kind_parts)),
                          "inspections")


def _system(kind, topic):
    """A system on file as its own document or as a topic another covers (covers not written: maybe)."""
    return unknown_filter(lambda m: exists("documents", m), kind_or_covers(kind, topic),
                          kind_or_covers_possible(kind, topic), "documents")


def _drills(kind):
    """Every half-year of 2023 (mine_drill_window: year) at least one drill of the plan kind."""
    return every("drills", kind_is(kind), YEAR, 6)


CONTRACTOR_OK = [(lambda c: c.get("qualified") is True, ("qualified",)),
                 (lambda c: c.get("agreement_signed_on") not in EMPTY, ("agreement_signed_on",)),
                 (lambda c: c.get("duties_defined") is True, ("duties_defined",)),
                 (lambda c: c.get("briefing_on") not in EMPTY, ("briefing_on",))]


MINE = {
    "MINE-1-DUTY-LIST-ALL-ROLES": unknown_filter(
        lambda m: exists("documents", m, within=MINE_CAMPAIGN, by=ENFORCEMENT_END),
        lambda d: d.get("kind") == "全员岗位责任清单" and _contains_all(d.get("roles"), MINE_ALL_ROLES),
        lambda d: d.get("kind") == "全员岗位责任清单" and _may(d, "roles", lambda v: _contains_all(v, MINE_ALL_ROLES)),
        "documents"),
    "MINE-1-SAFETY-DIRECTOR-REPORT": unknown_filter(
        lambda m: exists("meetings", m, within=MINE_CAMPAIGN, by=ENFORCEMENT_END),
        lambda m: _has_text(m.get("kind"), "述职") and m.get("chaired_by") == "安全总监",
        lambda m: _has_text(m.get("kind"), "述职") and _may(m, "chaired_by", _is("安全总监")), "meetings"),
    "MINE-2-CAMPAIGN-PLAN": exists("documents", kind_is("排查整治方案"), by=ENFORCEMENT_END),
    "MINE-2-CLOSED-LOOP": each("hazards", [(mine_closed_loop, ("status", "rectified_on"))]),
    "MINE-2-FIVE-IN-PLACE": each("hazards", five_in_place,
                                 where=lambda h: h.get("status") in OPEN_HAZARD or h.get("status") in EMPTY),
    "MINE-2-MONTHLY-APP-INVESTIGATION": unknown_filter(
        lambda m: every("inspections", m, MINE_CAMPAIGN, 1),
        lambda i: i.get("kind") == "重大事故隐患排查" and _has_text(i.get("via"), "APP"),
        lambda i: _may(i, "kind", _is("重大事故隐患排查")) and _may(i, "via", _has("APP")), "inspections"),
    "MINE-2-PRINCIPAL-STUDY-CRITERIA": unknown_filter(lambda m: exists("meetings", m, by=ENFORCEMENT_END),
                                                      mine_study_criteria, mine_study_criteria_possible, "meetings"),
    "MINE-2-SELF-CHECK-DEPLOYED": unknown_filter(
        lambda m: exists("meetings", m, within=MINE_CAMPAIGN, by=ENFORCEMENT_END),
        lambda m: _principal_meeting(m, "部署"),
        lambda m: _may(m, "chaired_by", _is("主要负责人")) and _has_text(m.get("kind"), "部署"), "meetings"),
    "MINE-2-SIGNED-REPORT": exists(
        "documents", lambda d: d.get("kind") == "排查治理报告" and d.get("signed_by") not in EMPTY,
        within=MINE_CAMPAIGN, by=ENFORCEMENT_END),
    "MINE-2-ZEROING-PLEDGE": unknown_filter(lambda m: exists("documents", m, by=ENFORCEMENT_END), zero_pledge,
                                            zero_pledge_possible, "documents"),
    "MINE-3-HAZARDOUS-WORK-SYSTEM": _work_system(MINE_WORK_SYSTEM_COVERS),
    "MINE-3-KEY-POST-CHECK": _mine_self_check(("关键岗位", "危险作业人员")),
    "MINE-3-PERMIT-APPROVAL-GUARDIAN": permit_approved_guarded(MINE_PERMIT_KINDS),
    "MINE-3-SPECIAL-OPS-CERTIFIED": special_ops_certified,
    "MINE-3-SPECIAL-POSTS-HOLD-CERTIFICATES": uncertified_special_posts,
    "MINE-3-WHO-HIRES-RESPONSIBLE": unknown_filter(
        lambda m: exists("documents", m),
        lambda d: d.get("kind") == "无证人员招请责任制度" or _contains(d.get("covers"), "谁招请无证人员，谁负责任"),
        lambda d: d.get("kind") == "无证人员招请责任制度" or _may(d, "covers", _covers("谁招请无证人员，谁负责任")),
        "documents"),
    "MINE-4-CONTRACTOR-IN-SYSTEM": only_if_contractors(each(
        "contractors", [(lambda c: c.get("in_management_system") is True, ("in_management_system",)),
                        (lambda c: _on_or_after(c.get("last_checked_on"), MINE_CONTRACTOR_CHECKED_SINCE),
                         ("last_checked_on",))], due=ENFORCEMENT_END)),
    "MINE-4-CONTRACTOR-QUALIFIED-AGREEMENT": only_if_contractors(each("contractors", CONTRACTOR_OK)),
    "MINE-4-OUTSOURCING-INSPECTION": only_if_contractors(unknown_filter(
        lambda m: exists("inspections", m, within=MINE_CAMPAIGN, by=ENFORCEMENT_END),
        lambda i: _has_text(i.get("kind"), "外包") and i.get("led_by") == "主要负责人",
        lambda i: _may(i, "kind", _has("外包")) and _may(i, "led_by", _is("主要负责人")), "inspections")),
    "MINE-5-CRITERIA-TRAINING-ALL-STAFF": unknown_filter(
        lambda m: all_staff_attended(m, MINE_CAMPAIGN, due=ENFORCEMENT_END),
        lambda t: t.get("subject") in CRITERIA_SUBJECTS and t.get("organized_by") == "主要负责人",
        lambda t: _may(t, "subject", _in(CRITERIA_SUBJECTS)) and _may(t, "organized_by", _is("主要负责人")),
        "trainings"),
    "MINE-5-TRAINING-PLAN": exists("documents", lambda d: _has_text(d.get("kind"), "培训计划"), within=YEAR),
    "MINE-5-TRAINING-RECORDED": each(
        "trainings", TRAINING_RECORDED),
    "MINE-5-TRAINING-SELF-CHECK": _mine_self_check(("培训自查", "培训情况自查")),
    "MINE-6-FIRST-LESSON-SYSTEM": _system("开工第一课制度", "开工第一课"),
    "MINE-6-HIDDEN-HAZARD-SURVEY-YEARLY": unknown_filter(
        lambda m: every("inspections", m, YEAR, 12), lambda i: _has_text(i.get("kind"), "隐蔽致灾因素普查"),
        may_kind(_has("隐蔽致灾因素普查")), "inspections"),
    "MINE-6-MORNING-MEETING-SYSTEM": _system("晨会制度", "晨会"),
    "MINE-6-ONE-POND-ONE-PLAN": only_if(
        lambda p: _contains(p.get("mine_types"), "尾矿库") or _flag(p, "has_tailings_pond"),
        exists("documents", kind_is("一库一策方案")),
        lambda p: "mine_types" not in p or flag_may("has_tailings_pond")(p)),
    "MINE-6-ONE-PROJECT-ONE-DESIGN": only_if(_underground, _system("一工程一设计和安全确认制度", "一工程一设计"),
                                             _mine_types_unwritten),
    "MINE-6-WARNING-EDUCATION-SYSTEM": _system("事故警示教育制度", "事故警示教育"),
    "MINE-7-COMPREHENSIVE-DRILL": _drills("综合应急预案"),
    "MINE-7-ESCAPE-ROUTES-KNOWN": STAFF_KNOW_ESCAPE_ROUTES,
    "MINE-7-SPECIAL-PLAN-DRILL": _drills("专项应急预案"),
    "MINE-7-STOP-EVACUATE-SYSTEM": _system("停产撤人制度", "停产撤人"),
    **documents_of_kind({"MINE-1-REWARD-PENALTY-SYSTEM": "考核奖惩制度",
                         "MINE-2-INVESTIGATION-SYSTEM": "隐患排查治理制度",
                         "MINE-6-HIDDEN-HAZARD-SURVEY-SYSTEM": "隐蔽致灾因素普查治理制度"}),
    **judgements({"MINE-1-EXPERTS-AS-NEEDED": "是", "MINE-1-PRINCIPAL-FIRST-RESPONSIBILITY": "否",
                  "MINE-4-CONTRACTOR-CLEANUP": "否", "MINE-5-NO-BOX-TICKING": "是",
                  "MINE-5-TRAINING-CONTENT-TARGETED": "否", "MINE-6-NO-PAPER-ONLY": "是",
                  "MINE-7-SELF-RESCUE-ABILITY": "否"}),
    "MINE-4-CONTRACTOR-ISSUES-RECTIFIED": only_if_contractors(judged("MINE-4-CONTRACTOR-ISSUES-RECTIFIED", "否")),
    "MINE-6-ONE-CHANGE-ONE-MEASURE": only_if(_underground, judged("MINE-6-ONE-CHANGE-ONE-MEASURE", "否"),
                                             _mine_types_unwritten),
}


FLOOR = {"gongmao-2023": GONGMAO, "mine-2023": MINE}
SECTOR = {"gongmao-2023": "工贸", "mine-2023": "非煤矿山"}


def run_floor(ev, as_of, checklist: str = "gongmao-2023") -> dict:
    """{rule id: (status, evidence ids)} for every rule of the checklist."""
    rules = FLOOR[checklist]
    if ev.profile.get("sector") != SECTOR[checklist] or (
            checklist == "mine-2023" and ev.profile.get("mine_status") == MINE_STOPPED):
        return dict.fromkeys(rules, NOT_APPLICABLE)
    return {rid: fn(ev, as_of) for rid, fn in rules.items()}
