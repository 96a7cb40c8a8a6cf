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
from yinhuan.evidence import from_document as evidence_from_document
from yinhuan.loader import Document, load_file
from yinhuan.validate import validate

from . import activity as activity_mod
from .activity import ActivityFile, Bureau, not_listed
from .hazards import LedgerSource, located


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


@dataclass(frozen=True, init=False, slots=True)
class Result:
    """One inspection's result as tally needs it (from a findings file).

    Compact, because a bureau tallies 100,000 of them: the rule ids are one tuple shared by every
    result of the same checklist, and the statuses one short string of codes beside it."""

    file: str            # the findings file
    index: int
    line: int | None
    evidence_file: str   # the evidence file the result was computed from
    credit_code: str
    name: str
    district: str
    date: date
    mode: str | None
    rules: tuple[str, ...]                              # every finding's rule, shared
    codes: str                                          # their statuses, one code each (STATUS_CODES)
    failures: tuple[tuple[str, tuple[str, ...]], ...]   # (rule, counters) of 不符合 findings

    def __init__(self, file, index, line, evidence_file, credit_code, name, district, date, mode,
                 rules=(), codes="", failures=(), statuses=None):
        """Either rules and codes, or statuses as (rule, status) pairs (as the store gives them)."""
        if statuses is not None:
            rules = tuple(r for r, _ in statuses)
            codes = "".join(STATUS_CODES[st] for _, st in statuses)
        values = dict(file=file, index=index, line=line, evidence_file=evidence_file, credit_code=credit_code,
                      name=name, district=_shared(district), date=date, mode=_shared(mode), rules=_shared(tuple(rules)),
                      codes=codes, failures=tuple(failures))
        for k, v in values.items():
            object.__setattr__(self, k, v)

    @property
    def where(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc} results[{self.index}]"

    @property
    def statuses(self) -> tuple[tuple[str, str], ...]:
        return tuple(zip(self.rules, (STATUSES[c] for c in self.codes)))

    def status_of(self, rule: str) -> str | None:
        i = _rule_index(self.rules).get(rule)
        return None if i is None else STATUSES[self.codes[i]]


STATUSES = {"a": "符合", "b": "不符合", "c": "不适用", "d": "证据不足", "e": "未到期"}
STATUS_CODES = {v: k for k, v in STATUSES.items()}
_SHARED: dict = {}   # one object per distinct rules tuple, district, counters tuple...


def _shared(value):
    return _SHARED.setdefault(value, value)


_INDEX: dict[tuple, dict[str, int]] = {}


def _rule_index(rules: tuple) -> dict[str, int]:
    index = _INDEX.get(rules)
    if index is None:
        index = _INDEX[rules] = {r: i for i, r in enumerate(rules)}
    return index


@dataclass(frozen=True)
class FindingsFile:
    file: str
    checklist: str
    results: tuple[Result, ...]


def findings_from_document(doc: Document) -> FindingsFile:
    validate(doc, "findings")
    out = [_result(doc, r, i) for i, r in enumerate(doc.data["results"])]
    return FindingsFile(file=doc.file, checklist=doc.data["checklist"]["id"], results=tuple(out))


def _result(doc: Document, r: dict, i: int, path: tuple | None = None) -> Result:
    """One validated result; `path` is where it sits in doc (results[i] unless streamed)."""
    path = ("results", i) if path is None else path
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
    rules, codes, failures = [], [], []
    for f in r["findings"]:
        rules.append(f["rule"])
        codes.append(STATUS_CODES[f["status"]])
        if f["status"] == "不符合":
            failures.append(_shared((f["rule"], tuple(f["counters"]))))
    return Result(file=doc.file, index=i, line=doc.line_of(path), evidence_file=r.get("file", ""),
                  credit_code=ent["credit_code"], name=ent["name"], district=_shared(ent["district"]),
                  date=day, mode=_shared(insp.get("mode")), rules=_shared(tuple(rules)), codes="".join(codes),
                  failures=tuple(failures))


# ---- findings files read as streams --------------------------------------------------------

_STREAM_HEADS = ('{"yinhuan_findings":1', ('{"yinhuan_result":1', '{"yinhuan_rules":1'))


def streamed_findings(path: str | Path) -> FindingsFile | None:
    """A findings file written by `yinhuan check` (json: one result per line between its header
    and its tail; jsonl: one result per line), read line by line so its size is not a limit and
    only the compact Results are kept. None when the file is not in that layout."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            first = fh.readline(1 << 16)
    except OSError:
        return None
    try:
        head = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if head.startswith(_STREAM_HEADS[0]) and head.rstrip().endswith('"results":['):
        layout = "json"
    elif head.startswith(_STREAM_HEADS[1]):
        layout = "jsonl"
    else:
        return None
    file = str(path)
    checklist, results = None, []
    with p.open("r", encoding="utf-8-sig") as fh:
        pending: list[str] = []      # the lines of a result written with --indent
        for n, text in enumerate(fh, 1):
            if layout == "json":
                if n == 1:
                    data = _parse_line(text.rstrip()[:-len('"results":[')] + '"results":[]}', file, n)
                    checklist = _validated(data, file, n, "findings")["checklist"]["id"]
                    continue
                if pending or text.rstrip() == "{":
                    pending.append(text)
                    if not text.startswith("}"):
                        continue
                    n, text = n - len(pending) + 1, "".join(pending)
                    pending = []
                elif text.startswith("]"):
                    break
                text = text.rstrip().rstrip(",")
            elif not text.strip():
                continue
            data = _parse_line(text, file, n)
            if layout == "jsonl":
                if n == 1 and isinstance(data, dict) and data.get("yinhuan_rules") == 1:
                    checklist = data.get("checklist")   # each rule's fixed fields: not tallied
                    continue
                if not isinstance(data, dict) or data.get("yinhuan_result") != 1:
                    raise InputError("jsonl 检查结果的每一行都应是一家企业的结果（yinhuan_result: 1）", file, n)
                cid = data.get("checklist")
                if checklist is None:
                    checklist = cid
                elif cid != checklist:
                    raise InputError(f"同一文件中的结果来自不同的检查清单（{checklist}、{cid}）", file, n, "checklist")
            doc = Document(data={"yinhuan_findings": 1, "checklist": {"id": str(checklist)}, "results": [data]},
                           file=file, lines={(): n})
            if _findings_look_right(data.get("findings")):   # then the rest of the result by the schema
                _validated(dict(doc.data, results=[dict(data, findings=[])]), file, n, "findings", index=len(results))
            else:   # the schema finds and words what is wrong
                _validated(doc.data, file, n, "findings", index=len(results))
            results.append(_result(doc, data, len(results), ("results", 0)))
    if checklist is None:
        raise InputError("检查结果文件中没有任何结果", file, 1)
    return FindingsFile(file=file, checklist=checklist, results=tuple(results))


def _findings_look_right(findings) -> bool:
    """The findings schema's `finding` (rule, status, counters; title a string if given), checked
    inline: a streamed file of 100,000 results holds millions of findings, and the schema's
    generated validator costs ten times as much per finding. False sends the result to it."""
    if type(findings) is not list:
        return False
    for f in findings:
        if type(f) is not dict:
            return False
        rule, counters = f.get("rule"), f.get("counters")
        if type(rule) is not str or not rule or f.get("status") not in STATUS_CODES or type(counters) is not list:
            return False
        if "title" in f and type(f["title"]) is not str:
            return False
        for c in counters:
            if type(c) is not str:
                return False
    return True


def _parse_line(text: str, file: str, n: int):
    import json
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"不是合法的 JSON：{exc}", file, n) from None


def _validated(data, file: str, n: int, schema: str, index: int | None = None):
    try:
        validate(Document(data=data, file=file, lines={(): n}), schema)
    except InputError as exc:
        if index is not None and exc.field and exc.field.startswith("results[0]"):
            exc.field = f"results[{index}]" + exc.field[len("results[0]"):]
        raise
    return data


@dataclass
class Inputs:
    findings: list[FindingsFile] = field(default_factory=list)
    evidence: list[LedgerSource] = field(default_factory=list)   # profile and ledger of each
    activities: list[ActivityFile] = field(default_factory=list)

    @property
    def results(self) -> list[Result]:
        return [r for f in self.findings for r in f.results]


def load_inputs(paths) -> Inputs:
    """Load every input, each by its content; the first bad input raises InputError."""
    inputs = Inputs()
    for p in paths:
        streamed = streamed_findings(p)
        if streamed is not None:
            inputs.findings.append(streamed)
            continue
        doc = read_document(p)
        kind = kind_of(doc)
        if kind == "findings":
            inputs.findings.append(findings_from_document(doc))
        elif kind == "evidence":   # only its profile and ledger are kept
            inputs.evidence.append(LedgerSource(evidence_from_document(doc)))
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
            raise located(ev, not_listed(d, bureau), ("enterprise", "district"))
    return bureau
