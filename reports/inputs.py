"""Tell inputs apart by what they contain, not by their names, and load each kind.

A bureau drops whatever it received into one command line: findings JSON from `yinhuan check`
(top-level `yinhuan_findings`), enterprises' evidence files (`enterprise`), its own activity file
(`activities` or the `city`/`districts` header; or a CSV whose header row names date, district,
kind). File names are unreliable (clerks rename files), content is not.

Every district named anywhere must be one of the bureau's 区市; the check is here, at loading,
so the error names the file and record rather than surfacing as a missing row later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from yinhuan import creditcode
from yinhuan.dates import BadDate, parse_date
from yinhuan.errors import InputError
from yinhuan.evidence import Evidence, from_document as evidence_from_document
from yinhuan.loader import Document, load_file
from yinhuan.validate import validate

from . import activity as activity_mod
from .activity import ActivityFile, Bureau, not_listed


def read_document(path: str | Path) -> Document:
    """Parse a YAML/JSON file, or an activity CSV, into a Document with line numbers."""
    p = Path(path)
    if p.suffix.lower() == ".csv" or _peek_csv(p):
        from yinhuan.csvtext import read_csv_text
        text = read_csv_text(p)
        if not activity_mod.looks_like_csv(text):
            raise InputError("CSV 文件应有表头行，含 date、district、kind 列（局工作记录）", str(path), 1)
        return activity_mod.parse_csv(text, str(path))
    return load_file(p)


def _peek_csv(p: Path) -> bool:
    try:
        from yinhuan.csvtext import decode
        head = decode(p.read_bytes()[:4096], str(p))[0]
    except (OSError, InputError):
        return False
    return activity_mod.looks_like_csv(head)


def kind_of(doc: Document) -> str:
    """findings | evidence | activity, from the top-level keys."""
    data = doc.data
    if isinstance(data, dict):
        if "yinhuan_findings" in data:
            return "findings"
        if "enterprise" in data:
            return "evidence"
        if "activities" in data or ("districts" in data and "city" in data):
            return "activity"
    raise InputError("无法识别的输入：应为检查结果 JSON（yinhuan_findings）、企业证据文件（enterprise）"
                     "或局工作记录（city、districts、activities）", doc.file, doc.line_of(()))


@dataclass(frozen=True)
class Result:
    """One inspection's result as tally needs it (from a findings JSON file)."""

    file: str            # the findings JSON
    index: int
    line: int | None
    evidence_file: str   # the evidence file the result was computed from
    credit_code: str
    name: str
    district: str
    date: date
    mode: str | None
    statuses: tuple[tuple[str, str], ...]               # (rule, status), every finding
    failures: tuple[tuple[str, tuple[str, ...]], ...]   # (rule, counters) of 不符合 findings

    @property
    def where(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc} results[{self.index}]"

    def status_of(self, rule: str) -> str | None:
        return dict(self.statuses).get(rule)


@dataclass(frozen=True)
class FindingsFile:
    file: str
    checklist: str
    results: tuple[Result, ...]


def findings_from_document(doc: Document) -> FindingsFile:
    validate(doc, "findings")
    out = []
    for i, r in enumerate(doc.data["results"]):
        path = ("results", i)
        ent = r["enterprise"]
        problem = creditcode.problem(ent["credit_code"])
        if problem:
            raise doc.error(problem, path + ("enterprise", "credit_code"))
        insp = r.get("inspection") or {}
        raw_date, where = (insp.get("date"), path + ("inspection", "date"))
        if raw_date is None:
            raw_date, where = r.get("as_of"), path + ("as_of",)
        if raw_date is None:
            raise doc.error("缺少检查日期（inspection.date 或 as_of）", path)
        try:
            day = parse_date(raw_date)
        except BadDate as exc:
            raise doc.error(str(exc), where) from None
        statuses, failures = [], []
        for f in r["findings"]:
            statuses.append((f["rule"], f["status"]))
            if f["status"] == "不符合":
                failures.append((f["rule"], tuple(f["counters"])))
        out.append(Result(file=doc.file, index=i, line=doc.line_of(path),
                          evidence_file=r.get("file", ""), credit_code=ent["credit_code"],
                          name=ent["name"], district=ent["district"], date=day,
                          mode=insp.get("mode"), statuses=tuple(statuses), failures=tuple(failures)))
    return FindingsFile(file=doc.file, checklist=doc.data["checklist"]["id"], results=tuple(out))


@dataclass
class Inputs:
    findings: list[FindingsFile] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    activities: list[ActivityFile] = field(default_factory=list)

    @property
    def results(self) -> list[Result]:
        return [r for f in self.findings for r in f.results]


def load_inputs(paths) -> Inputs:
    """Load every input, each by its content; the first bad input raises InputError."""
    inputs = Inputs()
    for p in paths:
        doc = read_document(p)
        kind = kind_of(doc)
        if kind == "findings":
            inputs.findings.append(findings_from_document(doc))
        elif kind == "evidence":
            inputs.evidence.append(evidence_from_document(doc))
        else:
            inputs.activities.append(activity_mod.from_document(doc))
    return inputs


def resolve_bureau(inputs: Inputs, districts_file: str | None = None, city: str | None = None) -> Bureau:
    """The bureau's city and 区市 list: from --districts, else the activity files' header.

    Several activity files must agree on the header, so one command never mixes two bureaus.
    """
    candidates: list[Bureau] = []
    if districts_file:
        doc = read_document(districts_file)
        candidates.append(activity_mod.from_document(doc).bureau)
    else:
        candidates = [a.bureau for a in inputs.activities]
    if not candidates:
        raise InputError("缺少区市名单：请提供含 city、districts 的局工作记录文件，或用 --districts 指定名单文件")
    first = candidates[0]
    for other in candidates[1:]:
        if (other.city, other.districts) != (first.city, first.districts):
            raise InputError(f"区市名单与 {first.file} 不一致（{first.city}：{'、'.join(first.districts)}）",
                             other.file, None, "districts")
    if city and city != first.city:
        raise InputError(f"--city {city} 与区市名单的 city “{first.city}” 不一致", first.file, None, "city")
    bureau = first
    # activity files checked their own records on load; check them against the chosen list too
    for af in inputs.activities:
        for a in af.activities:
            if a.district not in bureau.districts:
                raise InputError(not_listed(a.district, bureau),
                                 a.file, a.line, f"activities[{a.index}].district")
    for ff in inputs.findings:
        for r in ff.results:
            if r.district not in bureau.districts:
                raise InputError(not_listed(r.district, bureau),
                                 r.file, r.line, f"results[{r.index}].enterprise.district")
    for ev in inputs.evidence:
        d = ev.profile.get("district")
        if d not in bureau.districts:
            line = ev.doc.line_of(("enterprise", "district")) if ev.doc else None
            raise InputError(not_listed(d, bureau),
                             ev.file, line, "enterprise.district")
    return bureau
