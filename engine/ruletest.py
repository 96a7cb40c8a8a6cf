"""`yinhuan rules test`: run every rule's own examples, like `opa test`.

Each example is a small evidence snippet with the status the author expects. Its `enterprise`
is merged over a default profile of the example's sector (or the rule's), so a snippet only
says what matters to it. Each example runs with the rule alone, against the checklist that
includes the rule (its window and parameters), on every requested back end.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from . import creditcode
from .errors import InputError
from .evaluate import compile_rule, evaluate
from .evidence import from_data
from .rulebook import Rule, Rulebook

DEFAULT_PROFILES = {
    "工贸": {"name": "示例工贸企业有限公司", "credit_code": creditcode.make("91371002MA3C00010"),
             "city": "威海市", "district": "环翠区", "sector": "工贸", "industry": "机械"},
    "非煤矿山": {"name": "示例矿业有限公司", "credit_code": creditcode.make("91371083MA3C00020"),
              "city": "威海市", "district": "乳山市", "sector": "非煤矿山", "mine_types": ["地下"]},
}


@dataclass
class ExampleResult:
    rule: Rule
    name: str
    engine: str
    expected: str
    got: str | None
    reason: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.expected == self.got


def example_evidence(rule: Rule, example: dict) -> dict:
    data = copy.deepcopy(example.get("evidence") or {})
    ent = data.get("enterprise") or {}
    sector = ent.get("sector") or rule.sector or "工贸"
    merged = dict(DEFAULT_PROFILES[sector])
    merged.update(ent)
    data["enterprise"] = merged
    return data


def checklist_for(book: Rulebook, rule: Rule, example: dict):
    if example.get("checklist"):
        return book.checklist(example["checklist"])
    for cl in book.checklists.values():
        if rule.id in cl.rule_ids:
            return cl
    for cl in book.checklists.values():
        if cl.sector == rule.sector:
            return cl
    raise InputError(f"规则 {rule.id} 不属于任何检查清单，示例无从取得考核期和参数", rule.doc.file)


def run_examples(book: Rulebook, rules: list[Rule], engines=("native",), checklist=None) -> list[ExampleResult]:
    """Every example of every rule; with `checklist`, examples that name none run under it."""
    results = []
    rete_cache = {}
    for rule in rules:
        for i, ex in enumerate(rule.examples):
            for engine in engines:
                results.append(_run_one(book, rule, i, ex, engine, rete_cache, checklist))
    return results


def _run_one(book, rule, i, ex, engine, rete_cache, chosen=None) -> ExampleResult:
    name = ex.get("name", f"示例{i + 1}")
    where = f"{rule.doc.file}:{rule.doc.line_of(rule.path + ('examples', i)) or ''}"
    try:
        checklist = chosen if chosen is not None and not ex.get("checklist") else checklist_for(book, rule, ex)
        evidence = from_data(example_evidence(rule, ex), file=f"{where} 示例“{name}”")
        as_of = ex.get("as_of")
        from .dates import parse_date
        when = parse_date(as_of) if as_of else (evidence.inspection.get("date") or checklist.window[1])
        if engine == "native":
            finding = evaluate([compile_rule(rule, checklist)], evidence, checklist, when)[0]
        else:
            key = (checklist.id, rule.id)
            if key not in rete_cache:
                from .rete import ReteEvaluator
                rete_cache[key] = ReteEvaluator(book, checklist, rules=[rule])
            finding = rete_cache[key].evaluate(evidence, when)[0]
        return ExampleResult(rule, name, engine, ex["expect"], finding.status, finding.reason)
    except InputError as exc:
        return ExampleResult(rule, name, engine, ex["expect"], None, "", str(exc))


# ---- reports for CI ----------------------------------------------------------------------------

def results_json(results: list[ExampleResult], no_examples: list[str], rulebook: dict) -> dict:
    """`rules test --format json`: one entry per (rule, example, engine), and the totals."""
    bad = [r for r in results if not r.ok]
    return {"yinhuan_rule_tests": 1, "rulebook": rulebook,
            "passed": len(results) - len(bad), "failed": len(bad), "rules_without_examples": no_examples,
            "results": [{"rule": r.rule.id, "example": r.name, "engine": r.engine, "ok": r.ok,
                         "expected": r.expected, "got": r.got, "reason": r.reason, "error": r.error,
                         "file": r.rule.doc.file} for r in results]}


def results_junit(results: list[ExampleResult], no_examples: list[str]) -> str:
    """`rules test --format junit`: JUnit XML as CI servers read it — one testsuite per rule,
    one testcase per example and engine, a <failure> with expected and got."""
    import xml.etree.ElementTree as ET
    suites = ET.Element("testsuites", name="yinhuan rules test", tests=str(len(results)),
                        failures=str(sum(1 for r in results if not r.ok)))
    by_rule: dict[str, list[ExampleResult]] = {}
    for r in results:
        by_rule.setdefault(r.rule.id, []).append(r)
    for rid, rs in by_rule.items():
        suite = ET.SubElement(suites, "testsuite", name=rid, tests=str(len(rs)),
                              failures=str(sum(1 for r in rs if not r.ok)), file=rs[0].rule.doc.file)
        for r in rs:
            case = ET.SubElement(suite, "testcase", classname=rid, name=f"{r.name} [{r.engine}]",
                                 file=r.rule.doc.file)
            if not r.ok:
                got = r.error or f"得到 {r.got}：{r.reason}"
                fail = ET.SubElement(case, "failure", message=f"期望 {r.expected}，{got}", type="ExampleFailed")
                fail.text = got
    for rid in no_examples:
        suite = ET.SubElement(suites, "testsuite", name=rid, tests="0", failures="0")
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="warning", value="规则没有示例")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
