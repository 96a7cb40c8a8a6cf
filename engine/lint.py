"""`yinhuan rules lint [PATH...]`: every problem in rules and checklists, with file, line, field.

Without paths it checks the rules and checklists shipped in the package. A directory is taken as
a rules folder, or as a checklists folder when its files have `include:`; single rule files are
checked together with the shipped rules (so duplicate ids and checklist references are caught).
"""
from __future__ import annotations

from pathlib import Path

from .errors import InputError
from .loader import load_file
from .resources import rules_dir
from .rulebook import load_rulebook, rule_files


def _is_checklist_dir(path: Path) -> bool:
    for f in sorted(path.glob("*.yaml"))[:3]:
        try:
            data = load_file(f, aliases=True).data
        except InputError:
            continue
        if isinstance(data, dict) and "include" in data:
            return True
    return path.name == "checklists"


def lint(paths: list[Path]) -> tuple[list[InputError], dict]:
    rules_root = checklists_root = None
    extra: list[Path] = []
    for p in paths:
        if not p.exists():
            return [InputError("路径不存在", str(p))], {"rules": 0, "checklists": 0}
        if p.is_dir():
            if _is_checklist_dir(p):
                checklists_root = p
            else:
                rules_root = p
        else:
            extra.append(p)
    shipped = {f.resolve() for f in rule_files(Path(rules_root or rules_dir()))}
    extra = [f for f in extra if f.resolve() not in shipped]
    book = load_rulebook(rules_root, checklists_root, extra)
    problems = list(book.problems)
    for rule in book.rules.values():
        if not rule.examples:
            problems.append(rule.doc.error(f"规则 {rule.id} 没有示例（至少一个通过、一个不通过）", rule.path + ("id",)))
            continue
        expects = {e["expect"] for e in rule.examples}
        if rule.kind == "notice":
            continue  # always 不适用: one example showing the wording is enough
        if rule.kind != "judgement" and not ({"符合"} <= expects and "不符合" in expects):
            problems.append(rule.doc.error(f"规则 {rule.id} 的示例应至少各有一个“符合”和“不符合”",
                                           rule.path + ("examples",)))
        if rule.counters == [] and "不符合" in expects and rule.source["document"].endswith("方案"):
            problems.append(rule.doc.error(f"规则 {rule.id} 可能不符合，却未指明计入的调度表指标", rule.path + ("id",)))
    from .combined import combined_problems  # a *-full-* checklist gives each rule its source's finding
    problems.extend(combined_problems(book))
    if rules_root is None:  # the shipped rules must cover the shipped catalogue, item by item
        from .catalogue import lint_problems
        problems.extend(lint_problems(book))
    problems.sort(key=lambda e: (e.file or "", e.line or 0))
    return problems, {"rules": len(book.rules), "checklists": len(book.checklists)}
