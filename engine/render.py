"""Terminal output: a readable Chinese table per enterprise, aligned for wide characters."""
from __future__ import annotations

import unicodedata

from .findings import FAIL, INSUFFICIENT, NA, NOT_DUE, PASS
from .key_enterprise import key_enterprise

MARK = {PASS: "✓", FAIL: "✗", NA: "-", INSUFFICIENT: "?", NOT_DUE: "…"}


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, n: int) -> str:
    return text + " " * max(0, n - width(text))


def render_result(result, verbose: bool = False, only: set[str] | None = None) -> str:
    """The enterprise's findings as a table; `only` keeps the rows of those statuses (the total
    line still counts every finding)."""
    ev = result.evidence
    p = ev.profile
    head = f"{p.get('name')}（{p.get('credit_code')}）  {p.get('district', '')} {p.get('sector', '')}"
    if p.get("industry"):
        head += f"·{p['industry']}"
    if p.get("domains"):
        head += f"·{'、'.join(p['domains'])}"
    head += f"  {key_enterprise(p).label}"
    lines = [head, f"评估日 {result.as_of.isoformat()}  证据 {ev.file}"]
    shown = [f for f in result.findings if only is None or f.status in only]
    rows = [(f"{MARK[f.status]} {f.status}", f.rule, f.source, f.title) for f in shown]
    widths = [max([width(r[i]) for r in rows] + [4]) for i in range(3)]
    lines.append(pad("状态", widths[0]) + "  " + pad("规则", widths[1]) + "  " + pad("依据", widths[2]) + "  标题")
    for f, row in zip(shown, rows):
        lines.append("  ".join(pad(c, widths[i]) for i, c in enumerate(row[:3])) + "  " + row[3])
        if f.status != PASS or verbose:
            indent = " " * (widths[0] + 2)
            lines.append(f"{indent}理由：{f.reason}")
            if f.evidence:
                ids = "、".join(e["id"] + (f"（{e['date']}）" if e.get("date") else "") for e in f.evidence[:8])
                more = f" 等 {len(f.evidence)} 条" if len(f.evidence) > 8 else ""
                lines.append(f"{indent}证据：{ids}{more}")
            if f.counters:
                lines.append(f"{indent}计入：{'；'.join(f.counters)}")
            if f.basis and f.status in (FAIL, INSUFFICIENT):
                lines.append(f"{indent}{f.basis_summary}")
            if f.major_hazard:
                lines.append(f"{indent}重大事故隐患：判定依据 {f.basis}" + ("（条文待核实）" if f.unconfirmed else ""))
            if f.status in (FAIL, INSUFFICIENT) and f.remedy:
                lines.append(f"{indent}整改：{f.remedy}")
    s = result.summary
    lines.append("合计：" + "  ".join(f"{k} {v}" for k, v in s.items()))
    return "\n".join(lines)
