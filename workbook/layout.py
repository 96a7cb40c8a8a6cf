"""What a checklist's self-check workbook holds, worked out from the compiled rules and the evidence
schema — no hand-kept list of sheets.

- The record sheets are the records sections the checklist's rules read: the fact types of their
  selections and of every `exists` inside their conditions (a mine checklist reads no 涉氨
  observations, so its workbook has no sheet for them). Observations get one sheet per observation
  kind the rules select, since each kind has its own fields; certificates get their own sheet
  (they sit inside workers in the evidence file), keyed by the holder's worker id.
- The columns of a sheet are every field the schema gives that section, in schema order, so a
  clerk records a whole record and not only what today's rules happen to read.
- The profile rows are every enterprise field, except those labels.yaml lists as the other sector's
  only (a mine workbook does not ask for 工贸行业 or 液氨储量), and the inspection's date, mode,
  agency and inspectors.
- The judgement items are the checklist's `judgement` rules, with their clause and question.

Pure data: nothing here imports openpyxl, so the layout is cheap to compute and test.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from yinhuan import checks
from yinhuan import conditions as C
from yinhuan.errors import InputError
from yinhuan.evidence import FACT_TYPES
from yinhuan.resources import schema

FORMAT = 1                    # the workbook layout version this module writes and reads
SECTION_DEFS = {"documents": "document", "meetings": "meeting", "inspections": "self_inspection",
                "trainings": "training", "drills": "drill", "permits": "permit", "workers": "worker",
                "contractors": "contractor", "equipment": "equipment", "hazards": "hazard",
                "observations": "observation"}
OBS_PREFIX = "观察-"
NONE_VALUE = "无"    # a cell saying "none": an empty list, or null where the schema allows it
# column kinds: text, date, datetime, number, integer, boolean, text_or_number; `enum` restricts a
# text column (or each item of a list column) to a closed vocabulary
LIST_SEPARATORS = "、,，;；\n"


@dataclass(frozen=True)
class Column:
    path: tuple          # the field inside the record (('five_in_place', 'deadline'))
    label: str           # the Chinese header
    kind: str
    is_list: bool = False
    enum: tuple | None = None
    required: bool = False
    hint: str = ""       # the schema's description
    nullable: bool = False   # the schema allows null (safety_director: 未配备), written 无
    aliases: tuple = ()      # (synonym, value) pairs the vocabulary declares (动火作业 -> 动火)

    @property
    def key(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Sheet:
    name: str
    section: str                 # records section, or 'certificates'
    obs_kind: str | None
    columns: tuple
    description: str = ""

    def column(self, label: str) -> Column | None:
        return next((c for c in self.columns if c.label == label), None)


@dataclass(frozen=True)
class Judgement:
    rule: str
    source: str          # 工贸方案 二（一）1
    text: str            # the clause, word for word where the rule has it
    title: str
    question: str
    guidance: str


@dataclass(frozen=True)
class Layout:
    checklist: str
    title: str
    sector: str
    version: str         # the rules' digest (rulebook_version)
    profile: tuple       # Columns whose path starts with 'enterprise' or 'inspection'
    sheets: tuple
    judgements: tuple

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)

    @property
    def digest(self) -> str:
        """A digest of what a clerk fills: the sheets, their columns and vocabularies, the profile
        rows and the judgement items. Rules can change without changing it."""
        parts = (self.checklist, self.profile, self.sheets, self.judgements)
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]


# ---- labels and vocabularies ----------------------------------------------------------------------

@lru_cache(maxsize=None)
def labels() -> dict:
    return yaml.safe_load((Path(__file__).parent / "labels.yaml").read_text(encoding="utf-8"))


def label_of(scope: str, key: str, description: str = "") -> str:
    """The Chinese header of a field. A field added to the schema before labels.yaml names it gets
    its description's first phrase (tests/test_workbook.py insists on a proper label)."""
    fields = labels()["fields"]
    for k in (f"{scope}.{key}", key):
        if k in fields:
            return fields[k]
    return re.split(r"[，,（(；;：: ]", description, maxsplit=1)[0] or key


def unlabelled() -> list[str]:
    """Fields of the evidence schema that labels.yaml does not name."""
    fields = labels()["fields"]
    cols = [("profile", c) for c in _columns("profile", _defs()["enterprise"])]
    cols += [("inspection", c) for c in _columns("inspection", _defs()["inspection"])]
    for sheet in all_record_sheets().values():
        cols += [(sheet.section, c) for c in sheet.columns]
    return sorted({f"{scope}.{c.key}" for scope, c in cols
                   if f"{scope}.{c.key}" not in fields and c.key not in fields})


def sheet_name(section: str, obs_kind: str | None = None) -> str:
    if obs_kind is not None:
        return (OBS_PREFIX + obs_kind)[:31]
    return labels()["sheets"][section]


def _defs() -> dict:
    return schema("evidence")["$defs"]


def _resolve(prop: dict) -> dict:
    ref = prop.get("$ref", "")
    if ref.startswith("#/$defs/"):
        target = dict(_defs()[ref.rsplit("/", 1)[-1]])
        return {**target, **{k: v for k, v in prop.items() if k != "$ref"}}
    return prop


def vocabulary(prop: dict) -> tuple | None:
    """The closed vocabulary of a field (or of each item of a list field), as the evidence schema
    publishes it. The one place the workbook learns allowed values from: when the schema's enums
    change (they are generated from the rules), drop-downs and reading follow."""
    p = _resolve(prop)
    if "enum" in p:
        return tuple(p["enum"])
    if p.get("type") == "array" and isinstance(p.get("items"), dict):
        return vocabulary(p["items"])
    return None


def _aliases(scope: str, name: str, prop: dict) -> tuple:
    """The synonyms the evidence schema's vocabulary table declares for this field, if any."""
    table = schema("evidence").get("x-vocabulary") or {}
    role = "#/$defs/role"
    key = "role" if role in (prop.get("$ref"), (prop.get("items") or {}).get("$ref")) else f"{scope}.{name}"
    return tuple(sorted((table.get(key) or {}).get("aliases", {}).items()))


def _column(scope: str, path: tuple, prop: dict, required: bool) -> Column:
    ref = prop.get("$ref", "")
    p = _resolve(prop)
    t = p.get("type")
    is_list = t == "array"
    if ref.endswith("/datetime"):
        kind = "datetime"
    elif ref.endswith("/date"):
        kind = "date"
    elif isinstance(t, list) and "number" in t and "string" in t:
        kind = "text_or_number"
    elif t in ("integer", "number", "boolean"):
        kind = t
    elif isinstance(t, list) and "string" in t:
        kind = "text"          # e.g. safety_director: string or null
    else:
        kind = "text"
    if is_list and isinstance(p.get("items"), dict):
        item = _resolve(p["items"])
        if item.get("type") in ("integer", "number"):
            kind = item["type"]
    label = label_of(scope, ".".join(path), prop.get("description") or p.get("description", ""))
    return Column(path=path, label=label, kind=kind, is_list=is_list, enum=vocabulary(prop),
                  required=required, hint=prop.get("description") or p.get("description", ""),
                  nullable=isinstance(t, list) and "null" in t, aliases=_aliases(scope, path[0], prop))


def _columns(scope: str, definition: dict, skip: set = frozenset()) -> list[Column]:
    out = []
    required = set(definition.get("required", []))
    for name, prop in definition.get("properties", {}).items():
        if name in skip or prop is True:
            continue
        p = _resolve(prop)
        if p.get("type") == "object" and "properties" in p:   # five_in_place: one column per part
            out.extend(_column(scope, (name, sub), sp, False) for sub, sp in p["properties"].items())
            continue
        out.append(_column(scope, (name,), prop, name in required))
    return out


def section_columns(section: str, obs_kind: str | None = None) -> tuple:
    defs = _defs()
    if section == "certificates":
        cert = defs["worker"]["properties"]["certificates"]["items"]
        holder = Column(path=("worker",), label=label_of("certificates", "worker"), kind="text",
                        required=True, hint="持证人在“从业人员”表中的编号")
        return (holder,) + tuple(_columns("certificates", cert))
    if section == "observations":
        base = defs["observation"]
        if obs_kind is None:     # a kind the schema does not know: the common fields and the kind
            return tuple(_columns("observations", base))
        target = defs[_obs_def(obs_kind)]
        common = [c for c in _columns("observations", base) if c.key != "kind"]
        own = [c for c in _columns("observations", target) if c.key not in {x.key for x in common} | {"kind"}]
        return tuple(common + own)
    skip = {"certificates"} if section == "workers" else set()
    return tuple(_columns(section, defs[SECTION_DEFS[section]], skip))


@lru_cache(maxsize=None)
def _obs_defs() -> dict:
    defs = _defs()
    return {b["if"]["properties"]["kind"]["const"]: b["then"]["$ref"].rsplit("/", 1)[-1]
            for b in defs["observation"].get("allOf", [])}


def _obs_def(kind: str) -> str:
    return _obs_defs()[kind]


def _section_description(section: str) -> str:
    return labels()["notes"].get(section) or _defs()[SECTION_DEFS[section]].get("description", "")


def known_obs_kinds() -> tuple:
    return tuple(_obs_defs())


def obs_description(kind: str) -> str:
    return _defs()[_obs_def(kind)].get("description", "")


def profile_columns(sector: str, other_sector_only: set) -> tuple:
    defs = _defs()
    cols = [c for c in _columns("profile", defs["enterprise"]) if c.key not in other_sector_only]
    cols = [replace(c, path=("enterprise",) + c.path) for c in cols]
    insp = [replace(c, path=("inspection",) + c.path, required=False) for c in _columns("inspection", defs["inspection"])]
    return tuple(cols + insp)


# ---- what the rules read --------------------------------------------------------------------------

def _kinds_selected(cond, fact) -> set | None:
    """The observation kinds a condition on observations restricts to; None when it names none."""
    kinds: set = set()
    for node, current, _ in C.walk_scoped(cond, fact, {}):
        if (isinstance(node, C.Cmp) and current == "observations" and node.left.root == "field"
                and node.left.path == ("kind",) and node.op in ("eq", "in") and isinstance(node.right, C.Lit)):
            v = node.right.value
            kinds.update(map(str, v if isinstance(v, list) else [v]))
    return kinds or None


def rules_read(rules) -> tuple[set, set, bool, set]:
    """(fact types, observation kinds, whether some observation selection names no kind, profile
    fields) that the rules read."""
    facts, obs, profile = set(), set(), set()
    any_kind = False
    for rule in rules:
        for fact, cond, _alias in checks.selections(rule).values():
            scoped = [(fact, cond)]
            for node, current, _b in C.walk_scoped(cond, None if fact == "profile" else fact, {}):
                if isinstance(node, C.Exists):
                    scoped.append((node.fact, node.where))
                if isinstance(node, C.Cmp):
                    for ref in (node.left, node.right):
                        if isinstance(ref, C.Ref) and ref.root == "profile":
                            profile.add(".".join(ref.path))
            for f, c in scoped:
                if f == "profile":
                    continue
                facts.add(f)
                if f == "observations":
                    kinds = _kinds_selected(c, f)
                    if kinds is None:
                        any_kind = True
                    else:
                        obs |= kinds
    return facts, obs, any_kind, profile


def rulebook_version(book, checklist) -> str:
    """The rulebook's content digest, as the findings JSON records it (yinhuan.rulebook_choice)."""
    from yinhuan.rulebook_choice import rulebook_digest
    return rulebook_digest(book).removeprefix("sha256:")[:16]


def layout_for(checklist_id: str, book=None) -> Layout:
    from yinhuan.rulebook import shipped_rulebook
    book = book or shipped_rulebook()
    cl = book.checklist(checklist_id)
    rules = book.rules_of(cl)
    facts, obs, any_kind, profile_read = rules_read(rules)
    other_only = {f for sector, fs in labels()["sector_only"].items() if sector != cl.sector for f in fs}
    other_only -= profile_read      # never hide what this checklist's rules read
    if "certificates" in facts:
        facts.add("workers")
    unknown = facts - set(FACT_TYPES)
    if unknown:
        raise InputError(f"规则读取了未知的记录类型 {'、'.join(sorted(unknown))}")
    sheets = []
    for section in FACT_TYPES:
        if section not in facts:
            continue
        if section == "observations":
            known = [k for k in known_obs_kinds() if k in obs]
            for kind in known:
                sheets.append(Sheet(sheet_name("observations", kind), "observations", kind,
                                    section_columns("observations", kind), obs_description(kind)))
            if any_kind or obs - set(known):
                sheets.append(Sheet(sheet_name("observations", "其他"), "observations", None,
                                    section_columns("observations"), "其他类别的现场观察（类别自填）"))
            continue
        sheets.append(Sheet(sheet_name(section), section, None, section_columns(section),
                            _section_description(section)))
    judgements = tuple(_judgement(r) for r in rules if r.kind == "judgement")
    return Layout(checklist=cl.id, title=cl.title, sector=cl.sector, version=rulebook_version(book, cl),
                  profile=profile_columns(cl.sector, other_only), sheets=tuple(sheets), judgements=judgements)


def _judgement(rule) -> Judgement:
    """A judgement item with its clause: the notice's words where the rule quotes them; for a
    判定标准 item, the catalogue's citation and summary, labelled as a summary (never as the law)."""
    from yinhuan.findings import finding_static
    static = finding_static(rule)
    text = rule.source.get("text", "")
    summary = static.get("basis_summary")
    if not text and summary:
        text = (summary if summary.startswith("摘要") else f"摘要：{summary}") + "（非条文原文，以原文为准）"
        if static.get("unconfirmed"):
            text += "（条文待核实）"
    return Judgement(rule=rule.id, source=static.get("source") or rule.source_text, text=text, title=rule.title,
                     question=rule.check.get("question", ""), guidance=rule.check.get("guidance", ""))


def all_record_sheets() -> dict:
    """{sheet name: Sheet} for every records section and observation kind the schema knows: a
    workbook is read by these, whichever checklist it was made for."""
    out = {}
    for section in FACT_TYPES:
        if section == "observations":
            for kind in known_obs_kinds():
                out[sheet_name(section, kind)] = Sheet(sheet_name(section, kind), section, kind,
                                                       section_columns(section, kind))
            out[sheet_name(section, "其他")] = Sheet(sheet_name(section, "其他"), section, None,
                                                    section_columns(section))
        else:
            out[sheet_name(section)] = Sheet(sheet_name(section), section, None, section_columns(section))
    return out
