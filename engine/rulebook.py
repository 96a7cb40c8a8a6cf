"""Load and check rules and checklists (stages load + validate for rule authors' files).

A rule file holds one rule or `rules: [...]`. Each rule is validated against
schemas/rule.schema.json, its conditions are parsed (conditions.py), and then semantic checks run
over the whole rule set: duplicate ids, unknown counters, conditions on fields the evidence
format does not have, aliases used before they are bound, checklists naming missing rules.
`load_rulebook` stops at nothing: it collects every problem, so `yinhuan rules lint` can list
them all, and the other commands refuse to run on a rule set with problems.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from . import conditions as C
from . import vocabulary
from .dates import BadDate, parse_date
from .errors import InputError, InputErrors
from .evidence import FACT_TYPES, OPEN_FACT_TYPES, field_types, observation_fields
from .loader import Document, load_file
from .resources import checklists_dir, rules_dir
from .validate import schema_errors

DATA_DIRS = {"clauses", "catalogue", "wording", "vocabulary"}  # data under rules/ that is not rules
CHECK_CONDITIONS = {  # where each check kind keeps its conditions, and which fact `field:` means
    "exists": [("where", "fact")],
    "frequency": [("where", "fact")],
    "each": [("where", "fact"), ("require", "fact")],
    "none": [("where", "fact"), ("subject.where", "fact")],
    "coverage": [("of.where", "of.fact"), ("by.where", "by.fact")],
    "profile": [("require", None)],
    "judgement": [],
    "notice": [("where", "fact")],
}


@dataclass
class Rule:
    id: str
    title: str
    source: dict
    check: dict
    applies: Any            # parsed condition or None
    conditions: dict        # name -> parsed NNF condition (e.g. 'where', 'require')
    overrides: list         # [(parsed condition, {'every':..,'min':..})]
    counters: list
    remedy: str
    tags: list
    examples: list
    raw: dict
    doc: Document
    path: tuple             # where the rule sits inside its file

    @property
    def kind(self) -> str:
        return self.check["kind"]

    @cached_property
    def sector(self) -> str | None:
        doc = self.source["document"]
        return "工贸" if doc.startswith("工贸") else "非煤矿山" if doc in ("非煤矿山方案", "矿山判定标准") else None

    @cached_property
    def source_text(self) -> str:
        return f"{self.source['document']} {self.source['clause']}"

    @property
    def location(self) -> str:
        line = self.doc.line_of(self.path)
        return f"{self.doc.file}:{line}" if line else self.doc.file


@dataclass
class Checklist:
    id: str
    title: str
    sector: str
    window: tuple            # (date, date)
    params: dict
    rule_ids: list
    dispatch: dict
    phases: list
    raw: dict
    doc: Document
    clauses: str | None = None


@dataclass
class Rulebook:
    rules: dict[str, Rule] = field(default_factory=dict)
    checklists: dict[str, Checklist] = field(default_factory=dict)
    counters: dict[str, dict] = field(default_factory=dict)
    problems: list[InputError] = field(default_factory=list)
    version: str = ""       # the content digest of its files (cache.rulebook_version), when known

    def checklist(self, cid: str) -> Checklist:
        if cid not in self.checklists:
            known = "、".join(sorted(self.checklists)) or "无"
            raise InputError(f"未知的检查清单 “{cid}”（可用：{known}）", field="--checklist")
        return self.checklists[cid]

    def rules_of(self, checklist: Checklist) -> list[Rule]:
        return [self.rules[r] for r in checklist.rule_ids]

    def raise_problems(self) -> None:
        if self.problems:
            raise InputErrors(self.problems) if len(self.problems) > 1 else self.problems[0]


# ---- loading ---------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def shipped_rulebook() -> Rulebook:
    """The rules and checklists installed with the package, loaded once per process; refuses to
    be used with problems in them."""
    return cached_rulebook()


def cached_rulebook(rules_root: Path | None = None, checklists_root: Path | None = None) -> Rulebook:
    """A rulebook without problems, from the on-disk cache when its files have not changed (keyed
    by their content: engine/cache.py), else loaded, checked and cached. Raises its problems."""
    from .cache import cached_pickle, rulebook_version
    version = rulebook_version(rules_root, checklists_root)

    def build() -> Rulebook:
        book = load_rulebook(rules_root, checklists_root)
        book.raise_problems()
        from .rulebook_choice import rulebook_digest
        book.version = rulebook_digest(book)   # the rulebook version findings record
        return book
    return cached_pickle("rulebook", f"{version}|{rules_root}|{checklists_root}", build)


def cached_load(rules_root: Path | None, checklists_root: Path | None, extra_rule_files: list[Path] = (),
                extra_checklist_files: list[Path] = ()) -> Rulebook:
    """load_rulebook for a rule author's --rules DIR / --checklist FILE, checked, from the on-disk
    cache when none of its files changed: keyed by the content of the rules and checklists folders
    and of each added file, with its path (messages and the checklist's id depend on it). A book
    with problems raises them and is not cached, so a fixed file is read again."""
    import hashlib
    from .cache import cached_pickle, rulebook_version
    h = hashlib.sha256(rulebook_version(rules_root, checklists_root).encode())
    for p in list(extra_rule_files) + [b"checklists"] + list(extra_checklist_files):
        if isinstance(p, bytes):
            h.update(p)
            continue
        h.update(str(Path(p).resolve()).encode("utf-8") + b"\0")
        try:
            h.update(Path(p).read_bytes())
        except OSError:
            h.update(b"\0unreadable")
        h.update(b"\0")

    def build() -> Rulebook:
        book = load_rulebook(rules_root, checklists_root, extra_rule_files, extra_checklist_files)
        book.raise_problems()
        from .rulebook_choice import rulebook_digest
        book.version = rulebook_digest(book)
        return book
    key = f"{h.hexdigest()}|{rules_root and Path(rules_root).resolve()}|{checklists_root and Path(checklists_root).resolve()}"
    return cached_pickle("rulebook-own", key, build)


def rule_files(root: Path) -> list[Path]:
    """Rule files under root: everything except the data folders clauses/ and catalogue/."""
    return sorted(p for p in root.rglob("*.yaml")
                  if p.name != "counters.yaml"
                  and not DATA_DIRS.intersection(p.relative_to(root).parts))


def load_rulebook(rules_root: Path | None = None, checklists_root: Path | None = None,
                  extra_rule_files: list[Path] = (), extra_checklist_files: list[Path] = ()) -> Rulebook:
    rules_root = Path(rules_root or rules_dir())
    checklists_root = Path(checklists_root or checklists_dir())
    book = Rulebook()
    _load_counters(book, rules_root / "counters.yaml")
    for path in list(rule_files(rules_root)) + list(extra_rule_files):
        _load_rule_file(book, path)
    shipped = sorted(checklists_root.glob("*.yaml")) if checklists_root.exists() else []
    extra = [p for p in map(Path, extra_checklist_files) if p.resolve() not in {q.resolve() for q in shipped}]
    for path in checklist_order(shipped + extra):
        _load_checklist(book, path)
    # a mistyped source.implements id would silently leave a notice clause uncovered
    from .coverage import implements_problems
    book.problems.extend(implements_problems(book, rules_root))
    return book


def checklist_order(paths: list[Path]) -> list[Path]:
    """Checklists ordered so that one is loaded after those it includes (`include: checklists:`),
    whatever their file names; otherwise file-name order. A file that cannot be read keeps its
    place; an include cycle or a missing checklist is reported when the including file loads."""
    deps: dict[Path, set] = {}
    ids: dict[str, Path] = {}
    for p in paths:
        try:
            data = load_file(p, aliases=True).data
        except InputError:
            data = None
        if isinstance(data, dict):
            if isinstance(data.get("id"), str):
                ids.setdefault(data["id"], p)
            inc = data.get("include")
            wanted = inc.get("checklists", []) if isinstance(inc, dict) else []
            deps[p] = {w for w in wanted if isinstance(w, str)}
        else:
            deps[p] = set()
    out: list[Path] = []
    done: set = set()
    visiting: set = set()

    def visit(p: Path):
        if p in done or p in visiting:
            return
        visiting.add(p)
        for dep in sorted(deps[p]):
            if dep in ids:
                visit(ids[dep])
        visiting.discard(p)
        done.add(p)
        out.append(p)

    for p in paths:
        visit(p)
    return out


def _load_counters(book: Rulebook, path: Path) -> None:
    if not path.exists():
        return
    try:
        doc = load_file(path, aliases=True)
        for c in doc.data.get("counters", []):
            book.counters[c["label"]] = c
    except InputError as exc:
        book.problems.append(exc)


def _load_valid(book: Rulebook, path: Path, schema_name: str) -> Document | None:
    """Load a file and check it against its schema; problems go to the book, None is returned."""
    try:
        doc = load_file(path, aliases=True)
    except InputError as exc:
        book.problems.append(exc)
        return None
    errors = schema_errors(doc, schema_name)
    if errors:
        book.problems.extend(errors[:5])
        return None
    return doc


def _load_rule_file(book: Rulebook, path: Path) -> None:
    doc = _load_valid(book, path, "rule")
    if doc is None:
        return
    if "rules" in doc.data:
        items = [(r, ("rules", i)) for i, r in enumerate(doc.data["rules"])]
    else:
        items = [(doc.data, ())]
    for raw, path_ in items:
        try:
            rule = _build_rule(raw, doc, path_)
        except InputError as exc:
            book.problems.append(exc)
            continue
        if rule.id in book.rules:
            other = book.rules[rule.id]
            book.problems.append(doc.error(f"规则 id “{rule.id}” 重复（已在 {other.location} 定义）",
                                           path_ + ("id",)))
            continue
        for counter in rule.counters:
            if book.counters and counter not in book.counters:
                i = rule.counters.index(counter)
                book.problems.append(doc.error(
                    f"未知的调度表指标 “{counter}”（须与 rules/counters.yaml 中通知原文一致）",
                    path_ + ("counters", i)))
        book.problems.extend(vocabulary.rule_problems(rule))
        book.rules[rule.id] = rule


def _get(d: dict, dotted: str):
    for part in dotted.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d


def _build_rule(raw: dict, doc: Document, path: tuple) -> Rule:
    check = raw["check"]
    kind = check["kind"]

    def parse_at(sub: Any, at: tuple):
        try:
            return C.nnf(C.parse(sub, at))
        except InputError as exc:
            cpath = getattr(exc, "cond_path", at)
            raise doc.error(exc.message, cpath) from None

    conditions = {}
    for name, fact_key in CHECK_CONDITIONS[kind]:
        sub = _get(check, name)
        if sub is None:
            continue
        conditions[name] = parse_at(sub, path + ("check",) + tuple(name.split(".")))
    # the observation kinds a check's where selects also scope the fields its require reads
    scope = set().union(*(_observation_kinds(cond, _get(check, fact_key) if fact_key else None, {})
                          for (name, fact_key) in CHECK_CONDITIONS[kind] if (cond := conditions.get(name))))
    for name, fact_key in CHECK_CONDITIONS[kind]:
        if name not in conditions:
            continue
        fact = _get(check, fact_key) if fact_key else None
        outer_alias = check.get("as")
        _check_fields(conditions[name], fact, doc, path + ("check",) + tuple(name.split(".")),
                      {outer_alias: fact} if outer_alias and fact else {}, scope)
    if kind == "each" and "requirements" in check:
        req = conditions["require"]
        n = len(req.items) if isinstance(req, C.All) and req.items else 1
        if len(check["requirements"]) != n:
            raise doc.error(f"requirements 有 {len(check['requirements'])} 项，require 的顶层 all 有 {n} 项要求，"
                            "应一一对应", path + ("check", "requirements"))
    applies = parse_at(raw["applies"], path + ("applies",)) if "applies" in raw else None
    if applies is not None:
        _check_fields(applies, None, doc, path + ("applies",), {})
    overrides = []
    for i, ov in enumerate(check.get("overrides", [])):
        when = parse_at(ov["when"], path + ("check", "overrides", i, "when"))
        _check_fields(when, None, doc, path + ("check", "overrides", i, "when"), {})
        overrides.append((when, {k: v for k, v in ov.items() if k in ("every", "min")}))
    for key in ("date",):
        if key in check and "fact" in check:
            _check_field_name(check["fact"], check[key], doc, path + ("check", key), want_date=True)
    if kind == "coverage":
        for side in ("of", "by"):
            _check_field_name(check[side]["fact"], check[side]["key"], doc, path + ("check", side, "key"))
    return Rule(id=raw["id"], title=raw["title"], source=raw["source"], check=check, applies=applies,
                conditions=conditions, overrides=overrides, counters=raw.get("counters", []),
                remedy=raw.get("remedy", ""), tags=raw.get("tags", []), examples=raw.get("examples", []),
                raw=raw, doc=doc, path=path)


def _check_field_name(fact: str, name: str, doc: Document, at: tuple, want_date: bool = False) -> None:
    if fact in OPEN_FACT_TYPES:
        return
    kinds = field_types()[fact]
    if name not in kinds:
        raise doc.error(f"证据格式中 {fact} 没有字段 “{name}”（可用：{'、'.join(kinds)}）", at)
    if want_date and kinds[name] not in ("date", "datetime"):
        raise doc.error(f"{fact}.{name} 不是日期字段", at)


def _check_fields(cond: Any, fact: str | None, doc: Document, at: tuple, aliases: dict,
                  scope: set[str] = frozenset()) -> None:
    """Reject comparisons on fields the evidence schema does not have, and unbound aliases."""
    types = field_types()

    def check_ref(ref: C.Ref, node: C.Cmp, current, bound):
        if ref.root == "profile":
            target = "profile"
        elif ref.root == "field":
            if current is None:
                raise doc.error("此处没有当前记录，field 无从引用；企业画像请用 profile", node.where)
            target = current
        else:
            if ref.alias not in bound:
                raise doc.error(f"别名 “{ref.alias}” 未绑定（用 as: 给外层记录命名）", node.where)
            target = bound[ref.alias]
        if target in OPEN_FACT_TYPES:
            return
        name = ".".join(ref.path)
        kinds = types[target]
        if name not in kinds and not (ref.path[0] in kinds and kinds[ref.path[0]] == "any"):
            label = "企业画像" if target == "profile" else target
            raise doc.error(f"证据格式中{label}没有字段 “{name}”", node.where)

    obs_kinds = _observation_kinds(cond, fact, aliases) | set(scope)
    for node, current, bound in C.walk_scoped(cond, fact, dict(aliases)):
        if isinstance(node, C.Cmp) and node.left.root == "field" and current == "observations" and obs_kinds:
            allowed = frozenset().union(*(observation_fields()[k] for k in obs_kinds))
            if node.left.path[0] not in allowed:
                raise doc.error(f"观察类别 {'、'.join(sorted(obs_kinds))} 没有字段 “{node.left.path[0]}”"
                                f"（可用：{'、'.join(sorted(allowed))}，见 docs/observations.md）", node.where)
        if isinstance(node, C.Exists) and node.fact not in FACT_TYPES:
            raise doc.error(f"未知的记录类型 “{node.fact}”", node.path + ("fact",))
        if isinstance(node, C.Cmp):
            for ref in (node.left, node.right):
                if isinstance(ref, C.Ref):
                    check_ref(ref, node, current, bound)


def _observation_kinds(cond: Any, fact: str | None, aliases: dict) -> set[str]:
    """The observation kinds a condition selects (kind eq/in ...), when all are kinds the schema
    knows; empty when it names none or a free-form kind (then any field may be read)."""
    kinds: set[str] = set()
    known = observation_fields()
    for node, current, _ in C.walk_scoped(cond, fact, dict(aliases)):
        if (isinstance(node, C.Cmp) and current == "observations" and node.left.root == "field"
                and node.left.path == ("kind",) and node.op in ("eq", "in") and isinstance(node.right, C.Lit)):
            vals = node.right.value if isinstance(node.right.value, list) else [node.right.value]
            kinds.update(map(str, vals))
    return kinds if kinds and kinds <= set(known) else set()


def _load_checklist(book: Rulebook, path: Path) -> None:
    doc = _load_valid(book, path, "checklist")
    if doc is None:
        return
    data = doc.data
    try:
        window = (parse_date(data["window"]["from"]), parse_date(data["window"]["to"]))
    except BadDate as exc:
        book.problems.append(doc.error(str(exc), ("window",)))
        return
    if window[0] > window[1]:
        book.problems.append(doc.error("window.from 晚于 window.to", ("window",)))
        return
    inc = data["include"]
    included = [book.checklists[c] for c in inc.get("checklists", []) if c in book.checklists]
    params: dict = {}
    for other in included:  # a combined checklist runs the included rules with their parameters
        params.update(other.params)
    params.update(data.get("params") or {})
    phases = data.get("phases") or next((o.phases for o in included if o.phases), [])
    for p in phases:
        params.setdefault(f"phase.{p['key']}.to", p["to"])
    ids: list[str] = []
    for i, rid in enumerate(inc.get("rules", [])):
        if rid not in book.rules:
            book.problems.append(doc.error(f"检查清单引用了不存在的规则 “{rid}”", ("include", "rules", i)))
        elif rid not in ids:
            ids.append(rid)
    for i, tag in enumerate(inc.get("tags", [])):
        tagged = [r.id for r in book.rules.values() if tag in r.tags]
        if not tagged:
            book.problems.append(doc.error(f"没有规则带有标签 “{tag}”", ("include", "tags", i)))
        ids.extend(r for r in sorted(tagged) if r not in ids)
    for i, other in enumerate(inc.get("checklists", [])):
        if other not in book.checklists:
            book.problems.append(doc.error(f"引用的检查清单 “{other}” 不存在（或检查清单相互包含成环）",
                                           ("include", "checklists", i)))
            continue
        ids.extend(r for r in book.checklists[other].rule_ids if r not in ids)
    for i, rid in enumerate(data.get("exclude", [])):
        if rid not in book.rules:
            book.problems.append(doc.error(f"exclude 引用了不存在的规则 “{rid}”", ("exclude", i)))
        elif rid in ids:
            ids.remove(rid)
    dispatch = dict(data.get("dispatch") or {})
    inherited = [c for o in included for c in o.dispatch.get("counters", [])]
    if inherited:
        dispatch["counters"] = list(dict.fromkeys(list(dispatch.get("counters", [])) + inherited))
        dispatch.setdefault("layout", next((o.dispatch.get("layout") for o in included if o.dispatch.get("layout")), None))
    known = set(dispatch.get("counters", []))
    for i, c in enumerate(dispatch.get("counters", [])):
        if book.counters and c not in book.counters:
            book.problems.append(doc.error(f"未知的调度表指标 “{c}”", ("dispatch", "counters", i)))
    cl = Checklist(id=data["id"], title=data["title"], sector=data["sector"], window=window,
                   params=params, rule_ids=ids, dispatch=dispatch, phases=phases,
                   raw=data, doc=doc, clauses=data.get("clauses"))
    for rid in ids:
        rule = book.rules[rid]
        for c in rule.counters:
            if known and c not in known:
                book.problems.append(doc.error(
                    f"规则 {rid} 计入的指标 “{c}” 不在本清单 dispatch.counters 中", ("dispatch", "counters")))
        for p in sorted(_params_of(rule)):
            if p not in params:
                book.problems.append(doc.error(f"规则 {rid} 读取的参数 “{p}” 未在本清单 params 中定义", ("params",)))
    if cl.id in book.checklists:
        book.problems.append(doc.error(f"检查清单 id “{cl.id}” 重复", ("id",)))
        return
    book.checklists[cl.id] = cl


def _params_of(rule: Rule) -> set[str]:
    out: set[str] = set()
    for cond in list(rule.conditions.values()) + [rule.applies] + [w for w, _ in rule.overrides]:
        out |= C.params_used(cond)

    def scan(v):
        if isinstance(v, dict):
            if set(v) == {"param"}:
                out.add(v["param"])
            else:
                for x in v.values():
                    scan(x)
        elif isinstance(v, list):
            for x in v:
                scan(x)
    for key in ("within", "by", "window", "min"):
        scan(rule.check.get(key))
    for ov in rule.check.get("overrides", []):
        scan(ov.get("min"))
    return out
