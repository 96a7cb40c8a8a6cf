"""The evidence form, generated from the published evidence schema: never written field by field.

`form_spec()` reads engine/schemas/evidence.schema.json: the profile and inspection become fields,
each records section an editable table (a column per field; nested objects such as 五到位 become
dotted columns, a worker's certificates their own table joined by the worker id, observations one
table per kind the schema knows). An `enum` is a drop-down, an array of enums a set of check boxes, a
date a text field accepting every form engine/dates.py accepts. When the schema's vocabulary grows
(new enums), the form follows with no change here.

`evidence_from_form()` turns the submitted fields back into an evidence document; the engine
then validates it exactly as it validates a file. `form_from_evidence()` is the inverse, used to
pre-fill from an enterprise's last evidence or an uploaded file: what the form has no field for is
kept aside (`extra`) and merged back, so nothing uploaded is dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from yinhuan.resources import schema

SECTIONS = ("documents", "meetings", "inspections", "trainings", "drills", "permits", "workers",
            "certificates", "contractors", "equipment", "hazards")
SECTION_DEF = {"documents": "document", "meetings": "meeting", "inspections": "self_inspection",
               "trainings": "training", "drills": "drill", "permits": "permit", "workers": "worker",
               "contractors": "contractor", "equipment": "equipment", "hazards": "hazard"}
SECTION_TITLE = {"documents": "文件（方案、制度、清单、报告）", "meetings": "会议与学习", "inspections": "企业自查记录",
                 "trainings": "培训", "drills": "应急演练", "permits": "危险作业审批", "workers": "从业人员",
                 "certificates": "从业人员证书", "contractors": "外包外租单位", "equipment": "设备",
                 "hazards": "重大事故隐患台账", "observations": "现场观察"}
ID_PREFIX = {"documents": "D", "meetings": "M", "inspections": "I", "trainings": "T", "drills": "R",
             "permits": "P", "workers": "W", "contractors": "C", "equipment": "E", "hazards": "H"}
_SPLIT = re.compile(r"[,，、;；\s]+")
YES, NO = "是", "否"


@dataclass
class Field:
    name: str                 # dotted path inside the object (e.g. five_in_place.deadline)
    label: str
    kind: str                 # text, date, datetime, number, integer, bool, enum, multi, list
    options: list = field(default_factory=list)
    suggestions: list = field(default_factory=list)
    required: bool = False
    help: str = ""


@dataclass
class Table:
    key: str                  # form key: a records section, or obs:<kind>
    title: str
    columns: list[Field]
    section: str              # records section the rows go to
    kind: str | None = None   # observation kind


def _ref_name(prop: dict) -> str:
    return prop.get("$ref", "").rsplit("/", 1)[-1]


def _suggestions(desc: str) -> list[str]:
    """"如 A、B、C" in a description: offered as suggestions while the value is still free text."""
    m = re.search(r"如\s*(.+)$", desc or "")
    if not m:
        return []
    return [s.strip(" ）)") for s in re.split(r"[、,，]", m.group(1)) if 0 < len(s.strip()) <= 16]


# column names for fields the schema describes only by example ("如 …") or not at all
NAME_LABELS = {"id": "编号", "date": "日期", "kind": "类别", "note": "说明", "name": "姓名/名称", "title": "标题",
               "topic": "主题", "subject": "主题类别", "location": "位置", "role": "岗位", "type": "类别", "operation": "作业",
               "number": "证号", "regime": "适用其他规定", "attendees": "参加人员", "participants": "参加人员",
               "leader": "带队人", "plan": "预案", "via": "方式", "chaired_by": "主持人岗位", "organized_by": "组织者岗位",
               "approved_by": "审批人", "work_end": "作业结束时间", "employment": "用工形式", "valid_from": "有效期起",
               "valid_until": "有效期至", "relation": "关系", "status": "状态", "five_in_place": "五到位",
               "signed_off_on": "销号日期", "sector": "行业类别", "domains": "重点领域", "mine_status": "矿山状态",
               "third_party": "第三方出具", "hazards_found": "发现隐患数", "responsible": "责任人", "measures": "措施",
               "funds": "资金", "deadline": "期限", "emergency_plan": "应急预案", "inspectors": "检查人员"}


def _label(name: str, desc: str) -> str:
    label = desc.split("，")[0].split("（")[0].split("；")[0].split("：")[0].strip() if desc else ""
    if not label or label.startswith("如") or len(label) > 24:
        return NAME_LABELS.get(name, label or name)
    return label


def _field(name: str, prop: dict, defs: dict, required: bool) -> list[Field]:
    ref = _ref_name(prop)
    desc = prop.get("description", "")
    label = _label(name, desc)
    target = defs.get(ref, {})
    if ref in ("date",):
        return [Field(name, label or "日期", "date", required=required, help=desc)]
    if ref == "datetime":
        return [Field(name, label or "时间", "datetime", required=required, help=desc)]
    if ref in ("ids", "names"):
        return [Field(name, label, "list", required=required, help=desc + "（多个用、分隔）")]
    if ref == "role" or (ref == "id"):
        base = target
        if "enum" in base:
            return [Field(name, label or name, "enum", list(base["enum"]), required=required, help=desc)]
        return [Field(name, label or name, "text", suggestions=_suggestions(base.get("description", "")),
                      required=required, help=desc or base.get("description", ""))]
    if ref and target.get("type") == "object":
        out = []
        for sub, sp in target.get("properties", {}).items():
            for f in _field(sub, sp, defs, False):
                f.name = f"{name}.{f.name}"
                f.label = f"{label}·{f.label}"
                out.append(f)
        return out
    if "enum" in prop:
        return [Field(name, label, "enum", list(prop["enum"]), required=required, help=desc)]
    t = prop.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if t == "array":
        items = prop.get("items", {})
        item_target = defs.get(_ref_name(items), items)
        if "enum" in item_target:
            return [Field(name, label, "multi", list(item_target["enum"]), required=required, help=desc)]
        if item_target.get("type") == "object":
            return []   # arrays of objects get their own table (certificates)
        return [Field(name, label, "list", suggestions=_suggestions(item_target.get("description", "") or desc),
                      required=required, help=desc + "（多个用、分隔）")]
    if t == "boolean":
        return [Field(name, label, "bool", [YES, NO], required=required, help=desc)]
    if t in ("integer", "number"):
        return [Field(name, label, t, required=required, help=desc)]
    if t == "object":
        out = []
        for sub, sp in prop.get("properties", {}).items():
            for f in _field(sub, sp, defs, False):
                f.name = f"{name}.{f.name}"
                out.append(f)
        return out
    return [Field(name, label, "text", suggestions=_suggestions(desc), required=required, help=desc)]


def _fields_of(defn: dict, defs: dict, skip=()) -> list[Field]:
    req = set(defn.get("required", []))
    out = []
    for name, prop in defn.get("properties", {}).items():
        if name in skip or prop is True:
            continue
        out.extend(_field(name, prop, defs, name in req))
    return out


@dataclass
class FormSpec:
    profile: list[Field]
    inspection: list[Field]
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@lru_cache(maxsize=1)
def form_spec() -> FormSpec:
    s = schema("evidence")
    defs = s["$defs"]
    profile = _fields_of(defs["enterprise"], defs)
    inspection = _fields_of(defs["inspection"], defs)
    tables = []
    for section in SECTIONS:
        if section == "certificates":
            cert = defs["worker"]["properties"]["certificates"]["items"]
            cols = [Field("worker", "持证人（从业人员 id）", "text", required=True)] + _fields_of(cert, defs)
            tables.append(Table("certificates", SECTION_TITLE["certificates"], cols, "workers"))
            continue
        cols = _fields_of(defs[SECTION_DEF[section]], defs)
        tables.append(Table(section, SECTION_TITLE[section], cols, section))
    obs = defs["observation"]
    base = _fields_of(obs, defs, skip=("kind",))
    for branch in obs.get("allOf", []):
        kind = branch["if"]["properties"]["kind"]["const"]
        target = defs[_ref_name(branch["then"])]
        own = _fields_of(target, defs, skip=("kind",))
        tables.append(Table(f"obs:{kind}", f"现场观察：{kind}", base + own, "observations", kind))
    return FormSpec(profile, inspection, tables)


# ---- values -------------------------------------------------------------------------------------

class FormProblem(ValueError):
    def __init__(self, message: str, name: str):
        super().__init__(message)
        self.name = name


def _coerce(f: Field, raw, name: str):
    """A submitted value as the evidence format wants it; None when left empty."""
    if f.kind == "multi":
        vals = [v for v in (raw if isinstance(raw, list) else [raw]) if v]
        return vals or None
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    text = (raw or "").strip()
    if not text:
        return None
    if f.kind == "bool":
        if text in (YES, "true", "1"):
            return True
        if text in (NO, "false", "0"):
            return False
        raise FormProblem(f"{f.label}：应为 是 或 否", name)
    if f.kind in ("integer", "number"):
        try:
            num = float(text)
        except ValueError:
            raise FormProblem(f"{f.label}：应为数字，得到 “{text}”", name) from None
        if f.kind == "integer" or num.is_integer():
            if not num.is_integer():
                raise FormProblem(f"{f.label}：应为整数，得到 “{text}”", name)
            return int(num)
        return num
    if f.kind == "list":
        return [v for v in _SPLIT.split(text) if v]
    return text     # text, enum, date, datetime: dates are parsed (and refused) by the engine


def _put(obj: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    for p in parts[:-1]:
        obj = obj.setdefault(p, {})
    obj[parts[-1]] = value


def _get(obj: dict, dotted: str):
    for p in dotted.split("."):
        if not isinstance(obj, dict) or p not in obj:
            return None
        obj = obj[p]
    return obj


def _shown(f: Field, value) -> str | list:
    if value is None:
        return [] if f.kind == "multi" else ""
    if f.kind == "multi":
        return [str(v) for v in (value if isinstance(value, list) else [value])]
    if f.kind == "bool" or isinstance(value, bool):
        return YES if value else NO
    if f.kind == "list" and isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def rows_of(form: dict, key: str) -> list[int]:
    """Row numbers present in the form for one table, in order."""
    prefix = f"r.{key}."
    rows = {int(n.split(".")[2]) for n in form if n.startswith(prefix) and n.split(".")[2].isdigit()}
    return sorted(rows)


def evidence_from_form(form: dict, extra: dict | None = None, where: dict | None = None
                       ) -> tuple[dict, list[FormProblem]]:
    """The evidence document a form describes, and the values that could not be read as their field
    wants (the engine reports the rest: dates, enums, ids, references). `where`, when given, is
    filled with {(section, index in the document): form row prefix}, so the engine's complaint
    about records.meetings[3] can point at the row the clerk typed."""
    where = {} if where is None else where
    spec = form_spec()
    problems: list[FormProblem] = []

    def read(f: Field, name: str, into: dict):
        raw = form.get(name)
        if raw is None:
            return
        try:
            v = _coerce(f, raw, name)
        except FormProblem as exc:
            problems.append(exc)
            return
        if v is not None:
            _put(into, f.name, v)

    ent: dict = {}
    for f in spec.profile:
        read(f, f"p.{f.name}", ent)
    insp: dict = {}
    for f in spec.inspection:
        read(f, f"i.{f.name}", insp)
    records: dict[str, list] = {}
    certs: list[tuple[str, dict]] = []
    for t in spec.tables:
        rows = []
        for n in rows_of(form, t.key):
            obj: dict = {}
            for f in t.columns:
                read(f, f"r.{t.key}.{n}.{f.name}", obj)
            if obj:
                rows.append(obj)
                if t.key != "certificates":
                    where[(t.section, len(records.get(t.section, [])) + len(rows) - 1)] = f"r.{t.key}.{n}"
        if t.key == "certificates":
            certs = [(r.pop("worker", ""), r) for r in rows]
            continue
        if t.kind:
            for r in rows:
                r["kind"] = t.kind
        if rows or form.get(f"s.{t.section}") or (t.section in records):
            records.setdefault(t.section, []).extend(rows)
    _assign_ids(records)
    workers = {w.get("id"): w for w in records.get("workers", [])}
    for wid, cert in certs:
        w = workers.get(wid)
        if w is None:
            problems.append(FormProblem(f"证书的持证人 “{wid or '（空）'}” 不是从业人员表中的 id", "r.certificates"))
            continue
        w.setdefault("certificates", []).append(cert)
    answers = {}
    for name, value in form.items():
        if name.startswith("a.") and name.endswith(".answer"):
            rid = name[2:-len(".answer")]
            v = value[-1] if isinstance(value, list) else value
            if v:
                ans = {"answer": v}
                note = form.get(f"a.{rid}.note")
                note = note[-1] if isinstance(note, list) else note
                if note and note.strip():
                    ans["note"] = note.strip()
                answers[rid] = ans
    doc: dict = {"yinhuan_evidence": 1, "enterprise": ent}
    if insp:
        doc["inspection"] = insp
    for section, rows in (extra or {}).get("records", {}).items():
        records.setdefault(section, []).extend(rows)
    if records:
        doc["records"] = records
    if answers:
        doc["answers"] = answers
    return doc, problems


def _assign_ids(records: dict) -> None:
    """Rows typed without an id get one (D1, D2, … per section), never reusing one that is taken."""
    taken = {r["id"] for rows in records.values() for r in rows if r.get("id")}
    for section, rows in records.items():
        prefix = ID_PREFIX.get(section, "O")
        n = 0
        for r in rows:
            if r.get("id"):
                continue
            n += 1
            while f"{prefix}{n}" in taken:
                n += 1
            r["id"] = f"{prefix}{n}"
            taken.add(r["id"])
        # keep id first, as a clerk would write it
        for i, r in enumerate(rows):
            rows[i] = {"id": r["id"], **{k: v for k, v in r.items() if k != "id"}}


def form_from_evidence(data: dict) -> tuple[dict, dict]:
    """(form fields, extra): the inverse of evidence_from_form for a loaded evidence document."""
    spec = form_spec()
    form: dict = {}
    ent = data.get("enterprise") or {}
    for f in spec.profile:
        v = _get(ent, f.name)
        if v is not None:
            form[f"p.{f.name}"] = _shown(f, v)
    insp = data.get("inspection") or {}
    for f in spec.inspection:
        v = _get(insp, f.name)
        if v is not None:
            form[f"i.{f.name}"] = _shown(f, v)
    records = data.get("records") or {}
    extra_records: dict[str, list] = {}
    tables = {t.key: t for t in spec.tables}
    obs_tables = {t.kind: t for t in spec.tables if t.kind}
    counters: dict[str, int] = {}

    def put_row(t: Table, obj: dict):
        n = counters.get(t.key, 0)
        counters[t.key] = n + 1
        for f in t.columns:
            v = _get(obj, f.name)
            if v is not None:
                form[f"r.{t.key}.{n}.{f.name}"] = _shown(f, v)

    for section, rows in records.items():
        form[f"s.{section}"] = "1"
        for row in rows or []:
            if section == "observations":
                t = obs_tables.get(row.get("kind"))
                if t is None or set(row) - {c.name.split(".")[0] for c in t.columns} - {"kind"}:
                    extra_records.setdefault("observations", []).append(row)
                    continue
                put_row(t, row)
                continue
            if section == "workers":
                for c in row.get("certificates") or []:
                    put_row(tables["certificates"], {**c, "worker": row.get("id")})
            if section in tables:
                put_row(tables[section], row)
            else:
                extra_records.setdefault(section, []).append(row)
    for rid, ans in (data.get("answers") or {}).items():
        form[f"a.{rid}.answer"] = ans.get("answer", "")
        if ans.get("note"):
            form[f"a.{rid}.note"] = ans["note"]
    return form, ({"records": extra_records} if extra_records else {})


def form_from_request(multi: dict[str, list[str]]) -> dict:
    """request.form as lists -> the stored form: one value per field, lists for check boxes."""
    spec = form_spec()
    multis = {f"p.{f.name}" for f in spec.profile if f.kind == "multi"}
    for t in spec.tables:
        multis.update(f".{f.name}" for f in t.columns if f.kind == "multi")
    out = {}
    for name, values in multi.items():
        if name in ("csrf_token", "revision", "deadline"):
            continue
        if name in multis or any(name.startswith("r.") and name.endswith(m) for m in multis if m.startswith(".")):
            out[name] = [v for v in values if v]
        else:
            out[name] = values[-1] if values else ""
    return out
