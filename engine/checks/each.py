"""each: every record of a kind satisfies a condition.

Examples: each hot-work permit approved before the work began and naming a guardian; each
contractor with a safety agreement and a briefing; each open major hazard with all of 五到位.
The violating records are the evidence, so the inspector can point at them.

**Absent is not false.** `require` is read as a list of requirements: the items of its top-level
`all` (or the one condition). Each is matched on its own (selection `req<i>`, by either
evaluator), so a finding says which requirement each record failed. A record that fails a
requirement while a field that requirement reads on the record is absent (the key is not written
at all) is not a violation but missing evidence: 证据不足, naming the record and the field. Only a
present value that fails — false, an empty list, a late date, or an explicit null ("写了，但为空")
— is 不符合. One proven violation makes the rule 不符合; records that could not be judged are
listed beside it.

**Deadline.** With `due` (a campaign action such as 纳入管理体系 by 11月30日, docs/rules.md 期限模型),
before that date a record not yet meeting a requirement — proven or undetermined — is 未到期: the
enterprise still has time. `standing: [i, ...]` names requirements (by position) that are standing
duties judged on the evaluation date all the same (电气焊设备不带病运行). Without `due` every
requirement is a standing duty.
"""
from __future__ import annotations

from .. import conditions as C
from ..dates import chinese_form
from ..evidence import field_labels, field_types
from ..findings import FAIL, INSUFFICIENT, NA, NOT_DUE, PASS
from .context import section_check


def requirements(rule) -> list:
    """The rule's requirements: the items of require's top-level `all`, or require itself."""
    req = rule.conditions["require"]
    return list(req.items) if isinstance(req, C.All) and req.items else [req]


def selections(rule):
    c = rule.check
    where = rule.conditions.get("where")
    out = {"subjects": (c["fact"], where, c.get("as"))}
    for i, req in enumerate(requirements(rule)):
        out[f"req{i}"] = (c["fact"], C.All([x for x in (where, req) if x is not None]), c.get("as"))
    return out


def refinements(rule):
    """For an evaluator that can narrow a selection it already has: each `req<i>` is `subjects`
    filtered by that requirement (one pass over the subjects per requirement, not over all)."""
    return {f"req{i}": ("subjects", req) for i, req in enumerate(requirements(rule))}


def reads(node, alias: str | None) -> tuple:
    """The fields of the subject record (paths) and of the profile (('profile',) + path) that a
    requirement reads: `field:` outside any nested exists, and `var: <alias>.x` anywhere."""
    out: dict = {}

    def visit(n, depth):
        if isinstance(n, (C.All, C.Any_)):
            for i in n.items:
                visit(i, depth)
        elif isinstance(n, C.Not):
            visit(n.item, depth)
        elif isinstance(n, C.Exists):
            visit(n.where, depth + 1)
        elif isinstance(n, C.Cmp):
            for ref in (n.left, n.right):
                if not isinstance(ref, C.Ref):
                    continue
                if ref.root == "field" and depth == 0 or ref.root == "var" and ref.alias == alias and alias:
                    out[tuple(ref.path)] = None
                elif ref.root == "profile":
                    out[("profile",) + tuple(ref.path)] = None
    visit(node, 0)
    return tuple(out)


def absent(fact: dict, path: tuple, profile: dict) -> bool:
    """Is the field not written at all (its key, or a key on the way to it, missing)?"""
    obj = fact
    if path[0] == "profile":
        obj, path = profile, path[1:]
    for p in path:
        if not isinstance(obj, dict) or p not in obj:
            return True
        obj = obj[p]
    return False


def prepare(rule, plan):
    c = rule.check
    what, requirement = c["what"], c["requirement"]
    fact, missing = section_check(c["fact"], what)
    status = c.get("if_none", NA)
    due = plan.date_value(c["due"]) if "due" in c else None
    standing = frozenset(c.get("standing", ()))
    nothing = (status, f"无{what}" + ("，本项不适用" if status == NA else ""), (), None)
    labels = field_labels().get(c["fact"], {})
    reqs = requirements(rule)
    names = [f"req{i}" for i in range(len(reqs))]
    kinds = field_types().get(c["fact"], {})
    # a {param: ...} is worded by its value in this checklist, never by the parameter's name
    wording = c.get("requirements") or [phrase(C.resolve_params(r, plan.checklist.params, ""), labels, kinds)
                                        for r in reqs]
    # per requirement: (its wording, the fields it reads on the record, those fields' labels)
    plan_ = [(wording[i], reads(r, c.get("as")), labels) for i, r in enumerate(reqs)]

    def decide(sel, evidence, as_of):
        if fact not in evidence.present:
            return missing
        subjects = sel["subjects"]
        if not subjects:
            return nothing
        n = len(subjects)
        failing = [i for i, name in enumerate(names) if len(sel[name]) != n]
        if not failing:
            ids = [f["id"] for f in subjects]
            return PASS, (_all_meet, what, requirement, ids), ids, (_checked, ids)
        profile = evidence.profile
        pending = {}
        if due is not None and as_of < due:   # the requirements not yet due wait
            for i in failing:
                if i not in standing:
                    ok = {id(f) for f in sel[names[i]]}
                    for f in subjects:
                        if id(f) not in ok:
                            pending.setdefault(f["id"], []).append(i)
            failing = [i for i in failing if i in standing]
        violated, unknown = {}, {}   # record id -> [requirement index] / [(index, absent fields)]
        for i in failing:
            ok = {id(f) for f in sel[names[i]]}
            fields = plan_[i][1]
            for f in subjects:
                if id(f) in ok:
                    continue
                gone = [p for p in fields if absent(f, p, profile)]
                if gone:
                    unknown.setdefault(f["id"], []).append((i, gone))
                else:
                    violated.setdefault(f["id"], []).append(i)
        for rid in violated:   # a proven violation makes the record's other gaps secondary
            unknown.pop(rid, None)
        order = [f["id"] for f in subjects]
        cited = [i for i in order if i in violated or i in unknown]
        details = (_failures, violated, unknown, plan_, n)
        if not violated and not unknown:
            later = [i for i in order if i in pending]
            return NOT_DUE, (_not_yet, what, plan_, pending, n, due), later, None
        if violated:
            return FAIL, (_violated, what, plan_, violated, unknown, subjects, n), cited, details
        return INSUFFICIENT, (_undetermined, what, requirement, plan_, unknown, n), cited, details
    return decide


# ---- wording -----------------------------------------------------------------------------------

def label(path: tuple, labels: dict) -> str:
    """A field as an inspector reads it: its Chinese label from the evidence schema, with the
    field name in brackets so the file can be corrected (审批时间（approved_at）)."""
    name = ".".join(path)
    if path[0] == "profile":
        name = ".".join(path[1:])
        return f"企业画像 {name}"
    text = labels.get(name)
    return f"{text}（{name}）" if text else name


_DATE_WORDS = {"lt": "早于", "le": "不晚于", "gt": "晚于", "ge": "不早于"}
_NUMBER_WORDS = {"lt": "小于", "le": "不大于", "gt": "大于", "ge": "不小于"}


def phrase(node, labels: dict, kinds: dict | None = None) -> str:
    """A requirement in Chinese, fields named by their labels (used when the rule does not word
    its requirements itself with `requirements:`)."""
    def ref(r):
        if isinstance(r, C.Ref) and r.root == "field":
            return labels.get(".".join(r.path)) or ".".join(r.path)
        return r.text() if isinstance(r, C.Ref) else None

    if isinstance(node, C.Cmp):
        left = ref(node.left)
        if node.op == "is_set":
            return f"{left}{'已填写' if node.right.value else '未填写'}"
        right = ref(node.right)
        if right is None:
            v = node.right.value if isinstance(node.right, C.Lit) else f"参数{node.right.name}"
            right = C._lit(v)
        words = C.OP_WORDS[node.op]
        if node.op in _DATE_WORDS:
            kind = (kinds or {}).get(".".join(node.left.path)) if node.left.root == "field" else None
            words = (_DATE_WORDS if kind in ("date", "datetime") else _NUMBER_WORDS)[node.op]
        return f"{left}{words}{right}"
    if isinstance(node, C.All):
        return "且".join(phrase(i, labels, kinds) for i in node.items)
    if isinstance(node, C.Any_):
        return "（" + "或".join(phrase(i, labels, kinds) for i in node.items) + "）"
    return C.describe(node)


def _value(v) -> str:
    if v is None:
        return "空"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, list):
        return "、".join(map(str, v)) if v else "空"
    if hasattr(v, "year") and not hasattr(v, "hour"):
        return chinese_form(v)
    if hasattr(v, "hour"):
        return f"{chinese_form(v.date())} {v:%H:%M}"
    return str(v)


def _shown(fact: dict, fields: tuple, labels: dict, profile: dict) -> str:
    parts = []
    for p in fields:
        if p[0] == "profile":
            continue
        obj = fact
        for k in p:
            obj = obj.get(k) if isinstance(obj, dict) else None
        parts.append(f"{labels.get('.'.join(p)) or '.'.join(p)}：{_value(obj)}")
    return f"（{'，'.join(parts)}）" if parts else ""


def _gaps(plan_, unknown) -> str:
    out = []
    for rid, items in unknown.items():
        gone = list(dict.fromkeys(p for _, ps in items for p in ps))
        out.append(f"{rid} 缺少 {'、'.join(label(p, plan_[0][2]) for p in gone)}")
    return "；".join(out)


def _violated(what, plan_, violated, unknown, subjects, n):
    by_id = {f["id"]: f for f in subjects}
    lines = []
    for rid, idx in violated.items():
        f = by_id[rid]
        reqs = "、".join(f"“{plan_[i][0]}”" for i in idx)
        fields = tuple(dict.fromkeys(p for i in idx for p in plan_[i][1]))
        lines.append(f"{rid} 未满足{reqs}{_shown(f, fields, plan_[0][2], {})}")
    text = f"{len(violated)}/{n} 条{what}不符合要求：" + "；".join(lines)
    if unknown:
        text += f"。另有记录缺少字段、无法判定：{_gaps(plan_, unknown)}"
    return text


def _undetermined(what, requirement, plan_, unknown, n):
    return (f"{len(unknown)}/{n} 条{what}缺少核查“{requirement}”所需的字段：{_gaps(plan_, unknown)}"
            "（未填写不等于不符合；如记录上确实为空，请写明 null、false 或空列表）")


def _not_yet(what, plan_, pending, n, due):
    lines = [f"{rid} 尚未“{'、'.join(plan_[i][0] for i in idx)}”" for rid, idx in pending.items()]
    return f"{len(pending)}/{n} 条{what}尚未做到：" + "；".join(lines) + f"（期限 {chinese_form(due)} 未到）"


def _all_meet(what, requirement, subjects):
    return f"{len(subjects)} 条{what}均符合“{requirement}”"


def _failures(violated, unknown, plan_, n):
    out = {"checked": n, "violations": list(violated),
           "failed": {rid: [plan_[i][0] for i in idx] for rid, idx in violated.items()}}
    if unknown:
        out["undetermined"] = {rid: sorted({".".join(p) for _, ps in items for p in ps})
                               for rid, items in unknown.items()}
    return out


def _checked(subjects):
    return {"checked": len(subjects)}

