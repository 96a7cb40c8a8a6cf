"""`yinhuan rules coverage`: the notice's clauses of one checklist beside the rules that implement them.

Why this exists: an inspector who runs a checklist must be checked on every duty the campaign plan
lists, and a rule author must be able to see, clause by clause, that nothing was left out. So the
clauses are data transcribed from the notice (rules/clauses/<name>.yaml, schema
schemas/clauses.schema.json) and coverage is computed from the rules' `source.implements`, never
claimed by hand. A clause with no rule, or a rule pointing at a clause id that does not exist, is
a defect: the first makes the command exit 1, the second is also a lint error (rulebook.py calls
`implements_problems`) because a mistyped id would otherwise silently leave a clause uncovered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .loader import Document, load_file
from .render import pad, width
from .resources import rules_dir
from .validate import schema_errors

CLAUSES_DIR = "clauses"


@dataclass
class ClauseFile:
    doc: Document
    clauses: list[dict]

    @property
    def ids(self) -> list[str]:
        return [c["id"] for c in self.clauses]


def load_clauses(path: Path) -> ClauseFile:
    """Load and validate one clause file; every problem (schema, duplicate id) is an InputError
    with file and line, so a bad clause file is reported like any other bad input."""
    doc = load_file(path, aliases=True)
    errors = schema_errors(doc, "clauses")
    if errors:
        raise errors[0]
    seen: dict[str, int] = {}
    for i, c in enumerate(doc.data["clauses"]):
        if c["id"] in seen:
            raise doc.error(f"条款 id “{c['id']}” 重复（与第 {seen[c['id']] + 1} 条相同）", ("clauses", i, "id"))
        seen[c["id"]] = i
    return ClauseFile(doc, doc.data["clauses"])


def clause_files(rules_root: Path) -> list[Path]:
    return sorted((Path(rules_root) / CLAUSES_DIR).glob("*.yaml"))


def implements_problems(book, rules_root: Path) -> list[InputError]:
    """Lint: bad clause files, and `source.implements` ids that no clause file defines.

    Only runs when the rules folder has a clauses/ folder (a scratch folder of a few rules has
    nothing to check against)."""
    files = clause_files(rules_root)
    if not files:
        return []
    problems: list[InputError] = []
    known: set[str] = set()
    for path in files:
        try:
            known.update(load_clauses(path).ids)
        except InputError as exc:
            problems.append(exc)
    for rule in book.rules.values():
        for i, cid in enumerate(rule.source.get("implements", [])):
            if cid not in known:
                problems.append(rule.doc.error(
                    f"规则 {rule.id} 的 source.implements 引用了不存在的条款 “{cid}”（条款见 rules/{CLAUSES_DIR}/）",
                    rule.path + ("source", "implements", i)))
    return problems


@dataclass
class ClauseRow:
    id: str
    item: str
    text: str
    rules: list[str]
    note: str | None = None


@dataclass
class Coverage:
    checklist: str
    title: str
    file: str
    document: str
    rows: list[ClauseRow]
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (rule id, clause id)

    @property
    def uncovered(self) -> list[ClauseRow]:
        return [r for r in self.rows if not r.rules]

    @property
    def ok(self) -> bool:
        return not self.uncovered and not self.unknown

    def to_json(self) -> dict:
        return {"checklist": self.checklist, "clauses_file": self.file, "document": self.document,
                "total": len(self.rows), "covered": len(self.rows) - len(self.uncovered),
                "uncovered": [r.id for r in self.uncovered],
                "unknown_implements": [{"rule": r, "clause": c} for r, c in self.unknown],
                "clauses": [{"id": r.id, "item": r.item, "text": r.text, "rules": r.rules} for r in self.rows]}


def coverage(book, checklist_id: str, rules_root: Path | None = None, rule_ids: list | None = None) -> Coverage:
    """What the checklist must cover, item by item, beside its rules:
    - a duty checklist (`clauses:`): each clause of the notice's clause file and the rules implementing it;
    - a criteria checklist (its rules cite a 判定标准): each item of the standard's catalogue and the
      rules with that `criterion` — coverage means every catalogued item has a rule;
    - a combined checklist (`include: checklists:`): the rows of every checklist it includes, each
      judged by the combined checklist's own rules.
    `rule_ids` (default: the checklist's) are the rules that may cover the rows."""
    cl = book.checklist(checklist_id)
    rule_ids = cl.rule_ids if rule_ids is None else rule_ids
    included = cl.raw.get("include", {}).get("checklists", [])
    if not cl.clauses and included:
        parts = [coverage(book, cid, rules_root, rule_ids) for cid in included]
        rows = [r for p in parts for r in p.rows]
        return Coverage(cl.id, cl.title, "；".join(p.file for p in parts), "＋".join(p.document for p in parts), rows,
                        [u for p in parts for u in p.unknown])
    if not cl.clauses:
        criteria = _criteria_coverage(book, cl, rules_root, rule_ids)
        if criteria is not None:
            return criteria
        raise InputError(f"检查清单 {cl.id} 未指定 clauses（rules/{CLAUSES_DIR}/ 下的条款文件名）",
                         cl.doc.file, cl.doc.line_of(("id",)), "clauses")
    path = Path(rules_root or rules_dir()) / CLAUSES_DIR / f"{cl.clauses}.yaml"
    if not path.exists():
        raise InputError(f"条款文件 {path} 不存在", cl.doc.file, cl.doc.line_of(("clauses",)), "clauses")
    cf = load_clauses(path)
    if cf.doc.data["checklist"] != cl.id:
        raise cf.doc.error(f"条款文件属于检查清单 “{cf.doc.data['checklist']}”，不是 “{cl.id}”", ("checklist",))
    by_clause: dict[str, list[str]] = {}
    unknown = []
    ids = set(cf.ids)
    for rid in rule_ids:
        for cid in book.rules[rid].source.get("implements", []):
            if cid in ids:
                by_clause.setdefault(cid, []).append(rid)
            else:
                unknown.append((rid, cid))
    rows = [ClauseRow(c["id"], c["item"], " ".join(c["text"].split()), by_clause.get(c["id"], []), c.get("note"))
            for c in cf.clauses]
    return Coverage(cl.id, cl.title, str(path), cf.doc.data["document"], rows, unknown)


def _criteria_coverage(book, cl, rules_root: Path | None, rule_ids: list) -> Coverage | None:
    """Coverage of a criteria checklist against its standard's catalogue (None if it cites none)."""
    from .catalogue import load_catalogues
    documents = {book.rules[r].source.get("document") for r in cl.rule_ids}  # what the checklist is about
    cats = load_catalogues(Path(rules_root) / "catalogue" if rules_root else None)
    standards = [s for s in cats.standards if s.rule_document in documents]
    if len(standards) != 1:
        return None
    std = standards[0]
    by_entry: dict[str, list[str]] = {}
    for rid in rule_ids:
        cid = book.rules[rid].raw.get("criterion")
        if cid:
            by_entry.setdefault(cid, []).append(rid)
    known = {e.id for e in std.entries}
    unknown = [(rid, c) for c, rids in by_entry.items() if c not in known for rid in rids]
    rows = [ClauseRow(e.id, e.clause, e.summary_text, by_entry.get(e.id, [])) for e in std.entries]
    return Coverage(cl.id, cl.title, std.file, f"{std.short_title}（{std.number}）目录", rows, unknown)


def _clip(text: str, n: int) -> str:
    out = ""
    for ch in text:
        if width(out + ch) > n - 1:
            return out + "…"
        out += ch
    return out


def render_table(cov: Coverage, text_width: int = 48) -> str:
    """A readable Chinese table: one line per (clause, rule); uncovered clauses marked ✗."""
    lines = [f"检查清单 {cov.checklist}：{cov.title}",
             f"条款文件 {cov.file}（{cov.document}，{len(cov.rows)} 条）", ""]
    w_id = max([width("条款")] + [width(r.id) for r in cov.rows])
    w_item = max([width("项目")] + [width(r.item) for r in cov.rows])
    w_rule = max([width("实现规则")] + [width(x) for r in cov.rows for x in r.rules] + [width("✗ 无规则实现")])
    lines.append(f"  {pad('条款', w_id)}  {pad('项目', w_item)}  {pad('实现规则', w_rule)}  内容")
    for r in cov.rows:
        mark = "✓" if r.rules else "✗"
        first = r.rules[0] if r.rules else "✗ 无规则实现"
        lines.append(f"{mark} {pad(r.id, w_id)}  {pad(r.item, w_item)}  {pad(first, w_rule)}  {_clip(r.text, text_width)}")
        for extra in r.rules[1:]:
            lines.append(f"  {pad('', w_id)}  {pad('', w_item)}  {extra}")
    lines.append("")
    n_rules = len({x for r in cov.rows for x in r.rules})
    lines.append(f"合计：{len(cov.rows)} 条条款，已有规则实现 {len(cov.rows) - len(cov.uncovered)} 条，"
                 f"未实现 {len(cov.uncovered)} 条；实现条款的规则 {n_rules} 条。")
    if cov.uncovered:
        lines.append("未实现的条款：")
        lines.extend(f"  ✗ {r.id}（{r.item}）{r.text}" for r in cov.uncovered)
    if cov.unknown:
        lines.append("规则引用了条款文件中不存在的条款：")
        lines.extend(f"  ✗ {rid} → {cid}" for rid, cid in cov.unknown)
    return "\n".join(lines)
