"""The two national major-hazard standards as data: rules/catalogue/*.yaml, one file per standard.

Why a catalogue apart from the rules: the ledger's 判定依据 column, the findings and the lint all
need the same answers — which items exist, how each is cited, whom it applies to, since when, and
whether our entry has been checked against the text. Keeping those facts in one validated data file
(schemas/catalogue.schema.json) means a citation is typed once and never re-typed by hand.

An entry's `summary` is our paraphrase. Everything user-facing labels it 摘要, and anything that
rests on an entry marked `unconfirmed` says 条文待核实.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from .dates import parse_date
from .errors import InputError
from .loader import load_file
from .resources import rules_dir
from .validate import validate

UNCONFIRMED = "条文待核实"


@dataclass(frozen=True)
class Entry:
    id: str
    citation: str
    article: str
    item: str
    scope: str
    applies: dict
    effective: date
    unconfirmed: bool
    summary: str
    source_url: str
    standard: "Standard" = field(repr=False, compare=False)

    @property
    def clause(self) -> str:
        """The citation without the standard's title: what a rule's source.clause holds."""
        return self.citation[len(self.standard.short_title):]

    @property
    def summary_text(self) -> str:
        """The summary as users see it: labelled, and flagged when unconfirmed."""
        return f"摘要：{self.summary}" + (f"（{UNCONFIRMED}）" if self.unconfirmed else "")


@dataclass
class Standard:
    catalogue: str
    title: str
    short_title: str
    number: str
    effective: date
    rule_document: str
    sector: str
    file: str
    outside_scope: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    not_covered: str = ""
    example_entry: str = ""


@dataclass
class Catalogues:
    standards: list[Standard]
    by_id: dict[str, Entry]
    by_citation: dict[str, Entry]

    def standard_of_document(self, rule_document: str) -> Standard | None:
        return next((s for s in self.standards if s.rule_document == rule_document), None)

    def entry(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    def narrower(self, text: str) -> list[Entry]:
        """The items numbered under a citation that names only their article (一（一） → 一（一）1–5;
        第十二条 → 第十二条第（一）项…): the standards are cited at the granularity they number."""
        t = normalise_citation(text, self.standards)
        if not t or t in self.by_citation:
            return []
        return [e for c, e in self.by_citation.items() if c.startswith(t) and c[len(t):len(t) + 1] in "0123456789第"]

    def for_citation(self, text: str) -> Entry | None:
        """The entry a 判定依据 names: its citation (in the forms ledgers write) or its id."""
        t = normalise_citation(text, self.standards)
        return self.by_citation.get(t) or self.by_id.get(t)


def load_catalogue_file(path: Path) -> Standard:
    doc = load_file(path, aliases=True)
    validate(doc, "catalogue")
    d = doc.data
    s = d["standard"]
    std = Standard(catalogue=d["catalogue"], title=s["title"], short_title=s["short_title"],
                   number=s["number"], effective=parse_date(s["effective"]),
                   rule_document=s["rule_document"], sector=s["sector"], file=str(path),
                   outside_scope=(d.get("outside_scope") or {}).get("regimes", []),
                   not_covered=s.get("not_covered", ""), example_entry=s.get("example_entry", ""))
    for i, e in enumerate(d["entries"]):
        if not e["citation"].startswith(std.short_title):
            raise doc.error(f"citation 应以 {std.short_title} 开头", ("entries", i, "citation"))
        std.entries.append(Entry(id=e["id"], citation=e["citation"], article=e["article"],
                                 item=e.get("item", ""), scope=e["scope"], applies=e["applies"],
                                 effective=parse_date(e["effective"]), unconfirmed=e["unconfirmed"],
                                 summary=e["summary"], source_url=e["source_url"], standard=std))
    return std


def load_catalogues(root: Path | None = None) -> Catalogues:
    """Every catalogue under rules/catalogue/ (or root); duplicate ids or citations are errors."""
    return _load(str(Path(root) if root else Path(rules_dir()) / "catalogue"))


@lru_cache(maxsize=8)
def _load(root: str) -> Catalogues:
    standards, by_id, by_cit = [], {}, {}
    for path in sorted(Path(root).glob("*.yaml")):
        std = load_catalogue_file(path)
        standards.append(std)
        for e in std.entries:
            if e.id in by_id or e.citation in by_cit:
                raise InputError(f"判定标准目录中条目 {e.id}（{e.citation}）重复", str(path))
            by_id[e.id] = e
            by_cit[e.citation] = e
    return Catalogues(standards, by_id, by_cit)


# ---- citations -------------------------------------------------------------------------------

_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", "[": "〔", "]": "〕"})


def normalise_citation(text: str, standards: list[Standard]) -> str:
    """Accept the forms a ledger writes: half-width brackets, spaces, the document number after
    the title (《…》（矿安〔2022〕88号）一（一）1), and our own 条文待核实 mark."""
    t = re.sub(r"\s+", "", str(text)).translate(_HALF_TO_FULL)
    t = t.replace(f"（{UNCONFIRMED}）", "")
    for s in standards:
        for form in (f"{s.short_title}（{s.number}）", f"{s.short_title}{s.number}"):
            if t.startswith(form):
                t = s.short_title + t[len(form):]
    return t


# ---- applicability ---------------------------------------------------------------------------

FLAG_WORDS = {"confined_space_toxic": "存在硫化氢、一氧化碳等中毒风险的有限空间作业"}


def describe_applies(entry: Entry) -> str:
    a = entry.applies
    parts = []
    if a.get("industries"):
        parts.append("、".join(a["industries"]) + "企业")
    if a.get("domains"):
        parts.append("涉及" + "、".join(a["domains"]) + "的企业")
    if a.get("flags"):
        parts.append("、".join(FLAG_WORDS.get(f, f) for f in a["flags"]) + "的企业")
    if a.get("mine_types"):
        parts.append("、".join(a["mine_types"]) + ("" if a["mine_types"] == ["尾矿库"] else "矿山"))
    return "；".join(parts) or f"全部{entry.standard.sector}企业"


def applies_problem(entry: Entry, profile: dict) -> str | None:
    """None when the entry applies to the enterprise; otherwise why not, in Chinese."""
    a = entry.applies
    std = entry.standard
    if profile.get("sector") != std.sector:
        return f"{std.short_title}适用于{std.sector}企业，本企业为{profile.get('sector') or '未填写行业类别'}"
    if a.get("industries") and profile.get("industry") not in a["industries"]:
        return f"该项适用于{describe_applies(entry)}，本企业行业为{profile.get('industry') or '未填写'}"
    if a.get("domains") and not set(a["domains"]) & set(profile.get("domains") or []):
        return f"该项适用于{describe_applies(entry)}，本企业画像未列该领域"
    flags = profile.get("flags") or {}
    if a.get("flags") and not all(flags.get(f) is True for f in a["flags"]):
        return f"该项适用于{describe_applies(entry)}，本企业画像未标明"
    if a.get("mine_types") and not set(a["mine_types"]) & set(profile.get("mine_types") or []):
        have = "、".join(profile.get("mine_types") or []) or "未填写"
        return f"该项适用于{describe_applies(entry)}，本企业矿山类型为{have}"
    return None


def basis_problem(citation: str, profile: dict, found_on: date | None = None,
                  root: Path | None = None) -> str | None:
    """Why a ledger row's 判定依据 cannot stand, or None.

    Used by `yinhuan ledger check` (as its basis_validator): the citation must name a catalogue
    item, the item must apply to the enterprise's sector, industry, domains or mine type, and,
    when the discovery date is given, the standard must have been in force on it."""
    if not citation or not str(citation).strip():
        return "判定依据未填写"
    cats = load_catalogues(root)
    entry = cats.for_citation(citation)
    if entry is None:
        narrower = cats.narrower(citation)
        if narrower:
            return (f"判定依据“{citation}”只写到上一级，标准在其下分列 {len(narrower)} 项，须写到项（分项）："
                    + "、".join(e.citation[len(e.standard.short_title):] for e in narrower))
        examples = "或 ".join(cats.entry(s.example_entry).citation for s in cats.standards if cats.entry(s.example_entry))
        return f"判定依据“{citation}”不在判定标准目录中（须为目录所收条项，写到项/分项，如 {examples}）"
    why = applies_problem(entry, profile)
    if why:
        return f"判定依据“{entry.citation}”不适用于本企业：{why}"
    if found_on is not None and found_on < entry.effective:
        return not_in_force_text(entry.standard, entry.effective)
    return None


def ledger_basis(basis: str, row) -> str | None:
    """`basis_validator` for reports' `ledger check`: basis_problem on the profile a ledger row
    carries. A row read from evidence knows the enterprise (row.hazard); a row of a ledger file
    only has the 行业 and 领域 columns, so 领域 “有限空间” stands for 第十三条's H₂S/CO confined-space
    work there (the ledger has no finer column)."""
    h = getattr(row, "hazard", None)
    if h is not None:
        profile = {"sector": h.sector, "industry": h.industry, "domains": list(h.domains),
                   "mine_types": list(h.mine_types)}
    else:
        v = row.values
        mine = v.get("行业") == "非煤矿山"
        field_ = [x for x in str(v.get("领域", "")).replace("，", "、").split("、") if x]
        profile = {"sector": "非煤矿山" if mine else "工贸", "industry": None if mine else v.get("行业"),
                   "domains": [] if mine else field_, "mine_types": field_ if mine else []}
    if "有限空间" in profile["domains"]:
        profile["flags"] = {"confined_space_toxic": True}
    return basis_problem(basis, profile, getattr(row, "found_on", None))


# ---- effective dates -------------------------------------------------------------------------

def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def not_in_force_text(std: Standard, effective: date) -> str:
    return f"评估日早于{std.short_title}施行日期（{cn_date(effective)}），本目录不覆盖该日期"


def in_force_from(rule, root: Path | None = None) -> tuple[date, str] | None:
    """(effective date, the reason given before it) for a rule citing a catalogued standard;
    None for the campaign's duty rules. Worked out once per rule.

    Before a standard took effect its predecessor (the 2017 versions) was in force; we do not
    catalogue those, so the honest answer then is 不适用 with this reason, not a pass."""
    memo = rule.__dict__.setdefault("_in_force", {})
    if root not in memo:
        memo[root] = _in_force_from(rule, root)
    return memo[root]


def _in_force_from(rule, root: Path | None):
    doc = rule.source.get("document")
    if doc not in ("工贸判定标准", "矿山判定标准"):
        return None
    cats = load_catalogues(root)
    entry = cats.entry(rule.raw.get("criterion", "")) if rule.raw.get("criterion") else None
    std = entry.standard if entry else cats.standard_of_document(doc)
    if std is None:
        return None
    effective = entry.effective if entry else std.effective
    return effective, not_in_force_text(std, effective)


# ---- lint ------------------------------------------------------------------------------------

def lint_problems(book, root: Path | None = None) -> list[InputError]:
    """Catalogue coverage for `yinhuan rules lint`: every item has a rule; every criterion rule
    names a catalogue item of its own standard and cites it with the catalogue's words; no
    criterion rule quotes our summary as if it were the text."""
    try:
        cats = load_catalogues(root)
    except InputError as exc:
        return [exc]
    problems = []
    covered = set()
    for rule in book.rules.values():
        cid = rule.raw.get("criterion")
        doc = rule.source["document"]
        if not cid:
            if doc in ("工贸判定标准", "矿山判定标准") and rule.kind != "notice":
                problems.append(rule.doc.error(f"规则 {rule.id} 的依据为{doc}，却未指明 criterion（目录条目 id）",
                                               rule.path + ("source",)))
            continue
        entry = cats.entry(cid)
        if entry is None:
            problems.append(rule.doc.error(f"规则 {rule.id} 的 criterion “{cid}” 不在判定标准目录中",
                                           rule.path + ("criterion",)))
            continue
        covered.add(cid)
        if doc != entry.standard.rule_document:
            problems.append(rule.doc.error(
                f"规则 {rule.id} 的 source.document 应为 {entry.standard.rule_document}（{cid} 属于{entry.standard.short_title}）",
                rule.path + ("source", "document")))
        if rule.source["clause"] != entry.clause:
            problems.append(rule.doc.error(
                f"规则 {rule.id} 的 source.clause “{rule.source['clause']}” 与目录 {cid} 的引用不一致（应为 “{entry.clause}”）",
                rule.path + ("source", "clause")))
        want = applies_condition(entry)
        if rule.raw.get("applies") != want:
            problems.append(rule.doc.error(
                f"规则 {rule.id} 的 applies 与目录 {cid} 的适用范围（{describe_applies(entry)}）不一致，应为 {want}",
                rule.path + ("applies",)))
        if rule.source.get("text"):
            problems.append(rule.doc.error(
                f"规则 {rule.id} 不应在 source.text 中写条文：目录只有摘要，摘要不得当作原文展示",
                rule.path + ("source", "text")))
    for std in cats.standards:
        for e in std.entries:
            if e.id not in covered:
                problems.append(InputError(f"判定标准目录条目 {e.id}（{e.citation}）没有对应的规则", std.file))
    return problems


def applies_condition(entry: Entry) -> dict | None:
    """The rule-language `applies:` that selects exactly the enterprises the entry applies to.

    Criterion rules carry it so that checklists select criteria by profile the same way as every
    other rule; lint checks each rule's `applies` equals this, so rule and catalogue cannot drift."""
    a = entry.applies
    parts = []
    if a.get("industries"):
        parts.append({"profile": "industry", "in": list(a["industries"])})
    if a.get("domains"):
        parts.append({"profile": "domains", "contains_any": list(a["domains"])})
    for f in a.get("flags", []):
        parts.append({"profile": f"flags.{f}", "eq": True})
    if a.get("mine_types"):
        parts.append({"profile": "mine_types", "contains_any": list(a["mine_types"])})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"all": parts}
