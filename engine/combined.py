"""A combined checklist (`include: checklists: [...]`, the *-full-* ones) must give every rule it takes
from another checklist the same finding as that checklist does.

A combined checklist runs the included rules with its own window, phases and parameters. If they
drift from the source checklist's (a window shifted by a day, a parameter overridden), the same
enterprise would get a different status from `gongmao-full-2023` than from `gongmao-2023`, and no
single rule's examples would notice. So lint runs every included rule's own examples under both
checklists and reports each example whose status or reason differs, naming what differs between
the two checklists. Examples that name their checklist run under it only and are skipped here.
"""
from __future__ import annotations

from .errors import InputError


def _context_difference(combined, source) -> str:
    parts = []
    if combined.window != source.window:
        parts.append(f"考核期 {combined.window[0]}–{combined.window[1]} 与 {source.window[0]}–{source.window[1]}")
    changed = sorted(k for k in set(combined.params) | set(source.params)
                     if k in source.params and combined.params.get(k) != source.params.get(k))
    if changed:
        parts.append("参数 " + "、".join(f"{k}（{combined.params.get(k)!r} 与 {source.params.get(k)!r}）" for k in changed))
    return "；".join(parts) or "考核期与参数相同"


def combined_problems(book) -> list[InputError]:
    from .dates import parse_date
    from .evaluate import compile_rule, evaluate
    from .evidence import from_data
    from .ruletest import example_evidence

    problems: list[InputError] = []
    for combined in book.checklists.values():
        for source_id in combined.raw.get("include", {}).get("checklists", []):
            source = book.checklists.get(source_id)
            if source is None:
                continue
            for rid in source.rule_ids:
                if rid not in combined.rule_ids:
                    continue
                rule = book.rules[rid]
                for i, ex in enumerate(rule.examples):
                    if ex.get("checklist"):
                        continue
                    try:
                        got = []
                        for cl in (source, combined):
                            ev = from_data(example_evidence(rule, ex), file=rule.doc.file)
                            when = parse_date(ex["as_of"]) if ex.get("as_of") else \
                                (ev.inspection.get("date") or cl.window[1])
                            f = evaluate([compile_rule(rule, cl)], ev, cl, when)[0]
                            got.append((f.status, f.reason))
                    except InputError:
                        continue  # a broken example is reported by `rules test`
                    if got[0] != got[1]:
                        name = ex.get("name", f"示例{i + 1}")
                        problems.append(rule.doc.error(
                            f"规则 {rid} 的示例“{name}”在组合清单 {combined.id} 中得到 {got[1][0]}（{got[1][1]}），"
                            f"在来源清单 {source.id} 中得到 {got[0][0]}（{got[0][1]}）：组合清单应沿用来源清单的"
                            f"考核期和参数（{_context_difference(combined, source)}）",
                            rule.path + ("examples", i)))
    return problems
