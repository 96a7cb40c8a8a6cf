"""An inspection in the browser: the form's evidence run through the engine, as the CLI runs it.

No rule logic here: `findings_for` loads the evidence with the engine's own loader (the same
validation as `yinhuan check`), runs the checklist with `session.open_runner`, and only groups the
findings for display (by clause, 不符合 first).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from yinhuan.errors import InputError, InputErrors
from yinhuan.evidence import from_data, from_document
from yinhuan.findings import FAIL
from yinhuan.loader import parse_text
from yinhuan.session import open_runner

from .forms import evidence_from_form

STATUS_ORDER = {"不符合": 0, "证据不足": 1, "未到期": 2, "符合": 3, "不适用": 4}
MAX_UPLOAD = 2 * 1024 * 1024


@dataclass
class Outcome:
    """What the page shows under the form: the findings, grouped, or what keeps them from running."""
    problems: list[dict] = field(default_factory=list)    # {message, field}
    groups: list[dict] = field(default_factory=list)      # {clause, findings: [finding json], worst}
    summary: dict = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)
    as_of: str = ""
    evidence: dict | None = None


def checklists_for(sector: str) -> list[tuple[str, str]]:
    from yinhuan.rulebook import shipped_rulebook
    book = shipped_rulebook()
    return [(c.id, c.title) for c in book.checklists.values() if c.sector == sector]


def judgement_items(checklist_id: str) -> list[dict]:
    """The checklist's judgement items (question, clause, what fails), in checklist order."""
    from yinhuan.rulebook import shipped_rulebook
    book = shipped_rulebook()
    out = []
    for r in book.rules_of(book.checklist(checklist_id)):
        if r.kind == "judgement":
            out.append({"rule": r.id, "title": r.title, "question": r.check.get("question", r.title),
                        "clause": r.source_text, "guidance": r.check.get("guidance", "")})
    return out


_RECORD = re.compile(r"^records\.(\w+)\[(\d+)\](?:\.(.+))?$")


def _field_name(err: InputError, where: dict) -> str | None:
    """The engine's path (records.meetings[3].date) -> the form field the clerk typed it in."""
    f = err.field or ""
    if f.startswith("enterprise."):
        return "p." + f[len("enterprise."):]
    if f.startswith("inspection."):
        return "i." + f[len("inspection."):]
    m = _RECORD.match(f)
    if m and (m.group(1), int(m.group(2))) in where:
        row = where[(m.group(1), int(m.group(2)))]
        return f"{row}.{m.group(3)}" if m.group(3) else row
    return None


def _problem(err: InputError, where: dict) -> dict:
    at = f"（字段 {err.field}）" if err.field else ""
    return {"message": err.message + at, "field": _field_name(err, where)}


def findings_for(form: dict, extra: dict, checklist_id: str, as_of: str | None = None) -> Outcome:
    where: dict = {}
    doc, form_problems = evidence_from_form(form, extra, where)
    out = Outcome(evidence=doc)
    out.problems = [{"message": str(p), "field": p.name} for p in form_problems]
    if form_problems:
        return out
    try:
        ev = from_data(doc, "网页表单")
        runner = open_runner(checklist_id, "native")
        result = runner.run(ev, as_of or None)
    except InputErrors as exc:
        out.problems = [_problem(e, where) for e in exc.errors]
        return out
    except InputError as exc:
        out.problems = [_problem(exc, where)]
        return out
    return grouped(out, [f.to_json() for f in result.findings], result.as_of)


def grouped(out: Outcome, findings: list[dict], as_of) -> Outcome:
    out.findings = findings
    out.as_of = as_of.isoformat() if isinstance(as_of, date) else str(as_of)
    out.summary = {s: 0 for s in STATUS_ORDER}
    groups: dict[str, list] = {}
    for f in findings:
        out.summary[f["status"]] = out.summary.get(f["status"], 0) + 1
        groups.setdefault(f["source"] or "", []).append(f)
    for clause, fs in groups.items():
        fs.sort(key=lambda f: (STATUS_ORDER.get(f["status"], 9), f["rule"]))
        out.groups.append({"clause": clause, "findings": fs, "worst": fs[0]["status"]})
    out.groups.sort(key=lambda g: (STATUS_ORDER.get(g["worst"], 9), g["clause"]))
    return out


def load_upload(data: bytes, filename: str, checklist_id: str) -> tuple[dict, list[str]]:
    """An uploaded evidence file or self-check workbook, read by the CLI's own loaders and validated
    whole: (the document as loaded, warnings to show). Raises InputError naming file, line or cell."""
    if len(data) > MAX_UPLOAD:
        raise InputError(f"文件过大（{len(data) // 1024} KB），上限 {MAX_UPLOAD // 1024} KB", filename)
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _workbook(data, filename, checklist_id)
    if not name.endswith((".yaml", ".yml", ".json")):
        raise InputError("只接受证据文件（.yaml/.yml/.json）或自查工作簿（.xlsx）", filename)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("文件不是 UTF-8 编码的文本", filename) from None
    doc = parse_text(text, filename)
    from_document(doc)          # the whole validation of `yinhuan check`, or InputError
    return doc.data, []


def _workbook(data: bytes, filename: str, checklist_id: str) -> tuple[dict, list[str]]:
    """The self-check workbook, through the workbook reader (yinhuan.workbook.read_bytes: the same
    bounded reader as a file on disk, errors naming the uploaded file), checked to be made for this
    checklist and validated whole as evidence."""
    from yinhuan.workbook import read_bytes
    evidence, info = read_bytes(data, filename)
    warnings = list(info.for_checklist(checklist_id, filename) or []) if info else []
    from_data(evidence, filename)
    return evidence, warnings


def major_hazards(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f.get("major_hazard")]


def failures(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["status"] == FAIL]


def store_finished(store, iid: str, evidence: dict, checklist_id: str, actor: str) -> str:
    """A finished inspection into the store, through the function `yinhuan check --db` uses: the
    evidence kept whole (as 网页检查-<id>.yaml), the inspection and its findings, and every criterion
    met (and every hazard of the enterprise's ledger) registered in the hazard lifecycle. Returns the
    rulebook version it was judged with (stored with it)."""
    import tempfile
    from pathlib import Path

    import yaml
    from yinhuan.evidence import load_evidence
    from yinhuan.store.checkrun import rulebook_version, store_results
    version = rulebook_version()
    with tempfile.TemporaryDirectory(prefix="yinhuan-web-") as tmp:
        path = Path(tmp) / f"网页检查-{iid}.yaml"
        path.write_text(yaml.safe_dump(evidence, allow_unicode=True, sort_keys=False), encoding="utf-8")
        ev = load_evidence(path)
        result = open_runner(checklist_id, "native").run(ev)
        store_results(store, [result], checklist_id, actor, version)
    return version
