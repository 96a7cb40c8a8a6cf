"""Load one enterprise's evidence file: validate it, then normalise it into flat facts.

Normalising means:
- dates in any accepted form become datetime.date (date-time fields become datetime);
- nested certificates are lifted out of workers into their own `certificates` facts, each with
  `worker` naming its holder, so both evaluators see flat facts and join on ids;
- ids are checked for uniqueness and every reference (attendees, permit workers) must name a
  worker that exists.

A records section that is absent stays absent (the checks report 证据不足); an empty list means
"provided, and there are none".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import creditcode, vocabulary
from .dates import BadDate, parse_date
from .derived import derive_flags
from .loader import Document, load_file, parse_text
from .resources import schema
from .validate import validate

FACT_TYPES = ("documents", "meetings", "inspections", "trainings", "drills", "permits", "workers",
              "certificates", "contractors", "equipment", "hazards", "observations")
# which records section each fact type comes from (certificates live inside workers)
SECTION_OF = {t: t for t in FACT_TYPES} | {"certificates": "workers"}
_DEF_OF = {"documents": "document", "meetings": "meeting", "inspections": "self_inspection",
           "trainings": "training", "drills": "drill", "permits": "permit", "workers": "worker",
           "contractors": "contractor", "equipment": "equipment", "hazards": "hazard",
           "observations": "observation"}


@dataclass
class Evidence:
    """One enterprise's evidence, ready for evaluation."""

    file: str
    profile: dict
    facts: dict[str, list[dict]]           # only the sections that were provided
    answers: dict[str, dict]
    inspection: dict
    doc: Document | None = None
    by_id: dict[str, dict] = field(default_factory=dict)
    # the fact types whose records section the file gives (certificates come with workers), worked
    # out once: every check asks it for every rule
    present: frozenset = field(init=False, repr=False)

    def __post_init__(self):
        self.present = frozenset(t for t, section in SECTION_OF.items() if t in self.facts or section in self.facts)

    @property
    def name(self) -> str:
        return self.profile.get("name", "")

    def provided(self, fact_type: str) -> bool:
        return fact_type in self.present


# ---- field types, read from the published schema -------------------------------------------------

@lru_cache(maxsize=None)
def field_types() -> dict[str, dict[str, str]]:
    """{fact type or 'profile': {dotted field: kind}} where kind is date, datetime, list, number,
    integer, string, boolean, object or any. Used to parse dates and by lint to reject conditions
    on fields the evidence format does not have."""
    s = schema("evidence")
    defs = s["$defs"]

    def kind_of(prop: dict) -> str:
        ref = prop.get("$ref", "")
        if ref.endswith("/datetime"):
            return "datetime"
        if ref.endswith("/date"):
            return "date"
        if ref.endswith("/ids") or ref.endswith("/names"):
            return "list"
        if ref:
            return "object"
        if "enum" in prop:
            return "string"
        t = prop.get("type", "any")
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), "any")
        return {"array": "list"}.get(t, t)

    def fields(defn: dict, prefix: str = "") -> dict[str, str]:
        out = {}
        for name, prop in defn.get("properties", {}).items():
            ref = prop.get("$ref", "")
            target = defs.get(ref.rsplit("/", 1)[-1]) if ref.startswith("#/$defs/") else None
            k = kind_of(prop)
            out[prefix + name] = k
            if k == "object":
                sub = target or prop
                out.update(fields(sub, prefix + name + "."))
            elif prop.get("type") == "object":
                out[prefix + name] = "object"
                out.update(fields(prop, prefix + name + "."))
        return out

    result = {"profile": fields(defs["enterprise"])}
    for t, d in _DEF_OF.items():
        result[t] = fields(defs[d])
    worker = defs["worker"]["properties"]["certificates"]["items"]
    result["certificates"] = fields(worker) | {"id": "string", "worker": "string", "held_from": "date"}
    result["workers"].pop("certificates", None)
    return result


@lru_cache(maxsize=None)
def field_labels() -> dict[str, dict[str, str]]:
    """{fact type or 'profile': {dotted field: its Chinese label}}: the schema's `description` of
    each field (the text before the first '，' or '（'), so findings name a field as an inspector
    reads it."""
    defs = schema("evidence")["$defs"]

    def short(text: str) -> str:
        for sep in ("，", "（", "；", "：", "。"):
            text = text.split(sep)[0]
        return text.strip()

    def labels(defn: dict, prefix: str = "") -> dict[str, str]:
        out = {}
        for name, prop in defn.get("properties", {}).items():
            if not isinstance(prop, dict):   # `true`: a field another branch describes
                continue
            if prop.get("description"):
                out[prefix + name] = short(prop["description"])
            ref = prop.get("$ref", "")
            target = defs.get(ref.rsplit("/", 1)[-1]) if ref.startswith("#/$defs/") else None
            sub = prop if prop.get("type") == "object" else target if target and "properties" in target else None
            if sub is not None:
                out.update(labels(sub, prefix + name + "."))
        return out

    result = {"profile": labels(defs["enterprise"])}
    for t, d in _DEF_OF.items():
        result[t] = labels(defs[d])
    result["certificates"] = labels(defs["worker"]["properties"]["certificates"]["items"])
    for name, d in defs.items():   # each observation kind's own fields (the first wording of a name wins)
        if name.startswith("obs_"):
            result["observations"] = labels(d) | result["observations"]
    return result


CERTIFICATE_NO_START = date(1, 1, 1)   # held_from of a certificate that gives no valid_from


OPEN_FACT_TYPES = {"observations"}  # observations carry any fields their kind needs


@lru_cache(maxsize=None)
def required_fields() -> dict[str, frozenset]:
    """{fact type: the fields every record of it writes} (the schema's `required`; for
    observations the ones every kind requires): a filter on them is never unknown."""
    defs = schema("evidence")["$defs"]
    out = {t: frozenset(defs[d].get("required", ())) for t, d in _DEF_OF.items()}
    out["certificates"] = frozenset(defs["worker"]["properties"]["certificates"]["items"].get("required", ())) | {
        "id", "worker", "held_from"}   # held_from is filled in on reading (valid_from or the earliest day)
    return out


@lru_cache(maxsize=None)
def observation_fields() -> dict[str, frozenset]:
    """{observation kind: the fields the schema allows it} for the kinds the schema knows, so lint
    can reject a rule that reads a field its observation kind does not have."""
    defs = schema("evidence")["$defs"]
    out = {}
    for branch in defs["observation"].get("allOf", []):
        kind = branch["if"]["properties"]["kind"]["const"]
        target = defs[branch["then"]["$ref"].rsplit("/", 1)[-1]]
        out[kind] = frozenset(target["properties"])
    return out


# ---- loading -------------------------------------------------------------------------------

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb")


def load_evidence(path: str | Path) -> Evidence:
    """An evidence file: YAML/JSON, or a filled self-check workbook (yinhuan.workbook, imported
    only when one is given, so the engine's own imports stay free of openpyxl)."""
    if str(path).lower().endswith(WORKBOOK_SUFFIXES):
        from .workbook.read import load
        return load(path)
    return from_document(load_file(path))


def from_text(text: str, file: str = "<evidence>") -> Evidence:
    return from_document(parse_text(text, file))


def from_data(data: dict, file: str = "<evidence>") -> Evidence:
    """Evidence from an already-parsed dict (rule examples, generated benchmark data)."""
    return from_document(Document(data=data, file=file, lines={}))


def from_document(doc: Document) -> Evidence:
    vocabulary.normalise(doc)   # aliases replaced, unknown values named with the nearest known ones
    validate(doc, "evidence")
    data = doc.data
    types = field_types()
    profile = _normalise(dict(data["enterprise"]), types["profile"], doc, ("enterprise",))
    problem = creditcode.problem(profile["credit_code"])
    if problem:
        raise doc.error(problem, ("enterprise", "credit_code"))
    full, total = profile.get("safety_staff_full_time"), profile.get("safety_staff")
    if full is not None and total is not None and full > total:
        raise doc.error(f"专职安全生产管理人员 {full} 人多于专兼职合计 {total} 人（safety_staff 是专职与兼职之和）",
                        ("enterprise", "safety_staff_full_time"))
    if total == 0:   # no safety staff at all: none of them is full-time
        profile.setdefault("safety_staff_full_time", 0)
    profile.setdefault("domains", [])
    profile.setdefault("mine_types", [])
    profile.setdefault("flags", {})
    inspection = _normalise(dict(data.get("inspection") or {}), {"date": "date"}, doc, ("inspection",))

    facts: dict[str, list[dict]] = {}
    by_id: dict[str, dict] = {}
    records = data.get("records") or {}
    for section, items in records.items():
        out = facts.setdefault(section, [])
        for i, raw in enumerate(items):
            path = ("records", section, i)
            fact = dict(raw)
            certs = fact.pop("certificates", None) if section == "workers" else None
            fact = _normalise(fact, types[section], doc, path)
            _register(by_id, fact["id"], fact, doc, path)
            fact["_type"] = section
            out.append(fact)
            if certs is not None:
                for j, c in enumerate(certs):
                    cert = _normalise(dict(c), types["certificates"], doc, path + ("certificates", j))
                    cert["id"] = f"{fact['id']}#证书{j + 1}"
                    cert["worker"] = fact["id"]
                    # valid_from is optional: a certificate without it is not invalid for that reason,
                    # so rules compare `held_from`, its start date or, when none is given, the earliest day
                    cert["held_from"] = cert.get("valid_from") or CERTIFICATE_NO_START
                    cert["_type"] = "certificates"
                    facts.setdefault("certificates", []).append(cert)
                    by_id[cert["id"]] = cert
        if section == "workers":
            facts.setdefault("certificates", [])
    _check_references(facts, doc)
    derive_flags(profile, facts, doc)

    answers = {}
    for rule_id, ans in (data.get("answers") or {}).items():   # ~100 per enterprise: only `at` is a date
        answers[rule_id] = (dict(ans) if ans.get("at") is None
                            else _normalise(dict(ans), {"at": "date"}, doc, ("answers", rule_id)))
    return Evidence(file=doc.file, profile=profile, facts=facts, answers=answers,
                    inspection=inspection, doc=doc, by_id=by_id)


def _normalise(obj: dict, types: dict[str, str], doc: Document, path: tuple, prefix: str = "") -> dict:
    for key, value in list(obj.items()):
        kind = types.get(prefix + key)
        if kind in ("date", "datetime") and value is not None:
            obj[key] = _parse(value, kind, doc, path + (key,))
        elif kind == "object" and isinstance(value, dict):
            obj[key] = _normalise(dict(value), types, doc, path + (key,), prefix + key + ".")
    return obj


def _parse(value: Any, kind: str, doc: Document, path: tuple):
    try:
        if kind == "datetime":
            return parse_datetime(value)
        return parse_date(value)
    except BadDate as exc:
        raise doc.error(str(exc), path) from None


def parse_datetime(value: Any) -> datetime:
    """'2023-06-06 08:30' (or a bare date, taken as 00:00) -> datetime."""
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    day, _, clock = text.partition(" ")
    if "T" in day and not clock:
        day, _, clock = day.partition("T")
    d = parse_date(day)
    if not clock:
        return datetime(d.year, d.month, d.day)
    try:
        hh, mm = (int(x) for x in clock.strip().split(":")[:2])
        return datetime(d.year, d.month, d.day, hh, mm)
    except ValueError:
        raise BadDate(f"无法识别的时间 “{value}”，应为 2023-06-06 08:30") from None


def _register(by_id: dict, rid: str, fact: dict, doc: Document, path: tuple) -> None:
    if rid in by_id:
        raise doc.error(f"记录 id “{rid}” 重复（id 在一个证据文件内须唯一）", path + ("id",))
    by_id[rid] = fact


def _observation_refs() -> dict[str, dict[str, str]]:
    """{observation kind: {field: kind of the observation it names}} from the schema's x-ref-kind."""
    defs = schema("evidence")["$defs"]
    out = {}
    for branch in defs["observation"].get("allOf", []):
        kind = branch["if"]["properties"]["kind"]["const"]
        d = defs[branch["then"]["$ref"].rsplit("/", 1)[-1]]
        refs = {f: v["x-ref-kind"] for f, v in d["properties"].items() if isinstance(v, dict) and "x-ref-kind" in v}
        if refs:
            out[kind] = refs
    return out


def _check_observation_refs(facts: dict, doc: Document) -> None:
    """An observation that names another (速冻装置.room -> 作业间) must name one of the right kind:
    a dangling id would make a fact-pattern join silently find nothing, i.e. pass."""
    obs = facts.get("observations") or []
    kinds = {o["id"]: o.get("kind") for o in obs}
    refs = _observation_refs()
    for i, o in enumerate(obs):
        for field_, want in refs.get(o.get("kind"), {}).items():
            target = o.get(field_)
            if target is None:
                continue
            if kinds.get(target) != want:
                got = f"（该 id 为{kinds[target]}）" if target in kinds else ""
                raise doc.error(f"{field_} 应为一条“{want}”观察记录的 id，“{target}” 不是{got}",
                                ("records", "observations", i, field_))


def _check_references(facts: dict, doc: Document) -> None:
    """attendees / participants / permit workers must name workers of this file, when a roster is given."""
    _check_observation_refs(facts, doc)
    if "workers" not in facts:
        return
    roster = {w["id"] for w in facts["workers"]}
    refs = (("trainings", "attendees"), ("permits", "workers"), ("drills", "participants"),
            ("meetings", "attendees"))
    for section, key in refs:
        for i, fact in enumerate(facts.get(section, [])):
            for j, wid in enumerate(fact.get(key) or []):
                if wid not in roster:
                    raise doc.error(f"引用了不存在的从业人员 id “{wid}”（应为 records.workers 中的 id）",
                                    ("records", section, i, key, j))


def as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value
