"""One inspection run, as plain functions the CLI (and tests, and benchmarks) call.

Loading the rulebook and compiling a checklist happen once; evaluating is per evidence file.
The back end is chosen here: native by default, rete (durable-rules) on request.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .dates import parse_date
from .errors import InputError
from .evaluate import compile_checklist, evaluate
from .evidence import Evidence
from .findings import FAIL, STATUSES, Finding, iso
from .key_enterprise import key_enterprise
from .rulebook import Checklist, Rulebook, shipped_rulebook


@dataclass
class Result:
    evidence: Evidence
    as_of: date
    findings: list[Finding]

    @property
    def summary(self) -> dict:
        out = {s: 0 for s in STATUSES}
        for f in self.findings:
            out[f.status] += 1
        return out

    def to_json(self, compact: bool = False) -> dict:
        """compact: findings without their rules' fixed fields (Finding.to_json)."""
        p = self.evidence.profile
        ent = {k: p.get(k) for k in ("name", "credit_code", "city", "district", "county", "sector",
                                     "industry", "domains", "risk_class", "mine_types")}
        insp = {k: (iso(v) if k == "date" else v) for k, v in self.evidence.inspection.items()}
        ent["key_enterprise"] = key_enterprise(p).to_json()
        return {"file": self.evidence.file, "as_of": self.as_of.isoformat(), "enterprise": ent,
                "inspection": insp, "findings": [f.to_json(compact) for f in self.findings],
                "summary": self.summary}


@dataclass
class Runner:
    """A checklist compiled for one back end, ready to evaluate many enterprises."""

    book: Rulebook
    checklist: Checklist
    engine: str = "native"
    _compiled: object = field(default=None, repr=False)

    def __post_init__(self):
        if self.engine == "native":
            self._compiled = compile_checklist(self.book, self.checklist)
        elif self.engine == "rete":
            from .rete import ReteEvaluator  # optional extra: imported only when asked for
            self._compiled = ReteEvaluator(self.book, self.checklist)
        else:
            raise InputError(f"未知的求值引擎 “{self.engine}”（可用：native、rete）", field="--engine")

    def as_of_for(self, evidence: Evidence, as_of: date | str | None) -> date:
        if as_of:
            return parse_date(as_of)
        if evidence.inspection.get("date"):
            return evidence.inspection["date"]
        return self.checklist.window[1]

    def run(self, evidence: Evidence, as_of: date | str | None = None) -> Result:
        sector = evidence.profile.get("sector")
        if sector != self.checklist.sector:
            raise InputError(f"企业属于{sector}，检查清单 {self.checklist.id} 适用于{self.checklist.sector}企业",
                             evidence.file, evidence.doc.line_of(("enterprise", "sector")) if evidence.doc else None,
                             "enterprise.sector")
        when = self.as_of_for(evidence, as_of)
        if self.engine == "native":
            findings = evaluate(self._compiled, evidence, self.checklist, when)
        else:
            findings = self._compiled.evaluate(evidence, when)
        return Result(evidence, when, findings)


def open_runner(checklist_id: str, engine: str = "native", book: Rulebook | None = None) -> Runner:
    if book is None:
        book = shipped_rulebook()
    else:
        book.raise_problems()
    return Runner(book, book.checklist(checklist_id), engine)


def findings_document(runner: Runner, results: list[Result], choice=None) -> dict:
    """What `check --format json` prints (docs/findings-format.md); `demo --format json` prints a
    list of these, one per checklist. `rulebook` says what the results were computed with: the
    rulebook's content digest, any rules or checklist file added, and the checklist's parameters."""
    from .rulebook_choice import Choice
    cl = runner.checklist
    choice = choice or Choice(runner.book, cl)
    rulebook = choice.to_json()
    doc = {"yinhuan_findings": 1,
           "checklist": {"id": cl.id, "title": cl.title, "sector": cl.sector,
                         "window": [d.isoformat() for d in cl.window]},
           "engine": runner.engine, "rulebook_version": rulebook["digest"], "rulebook": rulebook}
    doc["results"] = [r.to_json() for r in results]
    failed = [sum(f.status == FAIL for f in r.findings) for r in results]
    doc["summary"] = {"files": len(results), "checked": len(results), "rejected": 0, "failed": sum(failed),
                      "enterprises_failed": sum(1 for n in failed if n)}
    return doc


def any_failed(results: list[Result]) -> bool:
    return any(f.status == FAIL for r in results for f in r.findings)
