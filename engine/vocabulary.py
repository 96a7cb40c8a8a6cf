"""The closed vocabulary of the evidence format: every value a rule compares with.

A rule that asks for `{field: kind, eq: 重大事故隐患排查}` can only be met by an evidence file that
writes exactly that word; a slip ("隐患排查") would silently read as 不符合. So every field a rule
compares with a literal (record kinds, roles, topics, observation kinds and their attributes,
operations, profile categories) is an enumeration published in the evidence schema:

- `rules/vocabulary/evidence.yaml` (data, not code) declares each field's Chinese label, the values
  inspectors write that no rule reads (其他, 日常检查, ...) and the synonyms they really write
  (`aliases`: 动火作业 -> 动火);
- `generate(schema, book)` adds the values the shipped rules compare with and writes, for each
  field, the `enum` into its place in the schema and the whole table under `x-vocabulary`;
  `tools/evidence_vocabulary.py` writes engine/schemas/evidence.schema.json with it, and a test
  asserts the committed schema equals what it generates from the shipped rules (no drift);
- at load (`normalise`) aliases are replaced by their value, and an unknown value is an input
  error naming file, line and field with the nearest known values:
  未知的检查类型“隐患排查”，是否指“重大事故隐患排查”？
- `rules lint` reports a rule comparing with a value outside the vocabulary (`rule_problems`).

Keys name a field as rules see it: `inspections.kind`, `profile.industry`, `certificates.operation`,
`observations.place_type`; `role` is the one vocabulary of every 岗位 field (led_by, chaired_by,
organized_by, signed_off_by, roles, ...). `allowed_values()` gives the published table to the
workbook and the web app for their drop-downs.
"""
from __future__ import annotations

import copy
import difflib
from functools import lru_cache
from pathlib import Path

from . import conditions as C
from .loader import load_file
from .resources import rules_dir, schema

ROLE = "role"
VOCAB_FILE = Path("vocabulary") / "evidence.yaml"
DEF_OF = {"documents": "document", "meetings": "meeting", "inspections": "self_inspection",
          "trainings": "training", "drills": "drill", "permits": "permit", "workers": "worker",
          "contractors": "contractor", "equipment": "equipment", "hazards": "hazard",
          "observations": "observation"}
_OPS = {"eq", "ne", "in", "not_in", "contains", "not_contains", "contains_all", "not_contains_all",
        "contains_any", "contains_none"}
_ROLE_REF = "#/$defs/role"


# ---- where each key lives in the schema --------------------------------------------------------

def _role_field(prop: dict) -> bool:
    return prop.get("$ref") == _ROLE_REF or (prop.get("items") or {}).get("$ref") == _ROLE_REF


def _props(defs: dict, fact: str) -> list[dict]:
    """The property tables that define a fact type's fields (observations: the general one and
    each known kind's)."""
    if fact == "profile":
        return [defs["enterprise"]["properties"]]
    if fact == "certificates":
        return [defs["worker"]["properties"]["certificates"]["items"]["properties"]]
    if fact == "observations":
        return [defs["observation"]["properties"]] + [d["properties"] for n, d in defs.items() if n.startswith("obs_")]
    return [defs[DEF_OF[fact]]["properties"]]


def key_of(defs: dict, fact: str | None, field: str) -> str | None:
    """The vocabulary key of a field (None when the field is not a plain string or list of them)."""
    if not fact or "." in field:
        return None
    if fact == "observations" and field != "kind":
        return None   # each observation kind's attributes are closed by its own schema branch
    for props in _props(defs, fact):
        prop = props.get(field)
        if isinstance(prop, dict):
            return ROLE if _role_field(prop) else f"{fact}.{field}"
    return None


# ---- the rules' values and the declared data -----------------------------------------------

def rule_values(book) -> dict[str, dict[str, list]]:
    """{key: {value: [rule ids comparing with it]}} over every condition of every rule."""
    from .rulebook import CHECK_CONDITIONS, _get   # the rule book imports this module
    defs = schema("evidence")["$defs"]
    out: dict = {}
    for rule in book.rules.values():
        for fact, cond, aliases in _conditions(rule, CHECK_CONDITIONS, _get):
            for key, value, _node in literals(cond, fact, aliases, defs):
                out.setdefault(key, {}).setdefault(value, []).append(rule.id)
    return out


def _conditions(rule, table, get):
    for name, fact_key in table[rule.kind]:
        cond = rule.conditions.get(name)
        if cond is not None:
            fact = get(rule.check, fact_key) if fact_key else None
            alias = rule.check.get("as")
            yield fact, cond, ({alias: fact} if alias and fact else {})
    if rule.applies is not None:
        yield None, rule.applies, {}
    for when, _ in rule.overrides:
        yield None, when, {}


def literals(cond, fact, aliases, defs):
    """(key, string value, node) for each literal a condition compares a vocabulary field with."""
    for node, cur, bound in C.walk_scoped(cond, fact, dict(aliases)):
        if not (isinstance(node, C.Cmp) and node.op in _OPS and isinstance(node.right, C.Lit)):
            continue
        key = key_of(defs, C.target_of(node.left, cur, bound), ".".join(node.left.path))
        if key is None:
            continue
        vals = node.right.value if isinstance(node.right.value, list) else [node.right.value]
        for v in vals:
            if isinstance(v, str):
                yield key, v, node


def declared(rules_root: Path | None = None) -> dict:
    """rules/vocabulary/evidence.yaml: {key: {label, values, aliases}}."""
    doc = load_file(Path(rules_root or rules_dir()) / VOCAB_FILE)
    return doc.data["fields"]


# ---- generating the schema -------------------------------------------------------------------

def table(book, rules_root: Path | None = None) -> dict:
    """{key: {label, values, aliases}}: the declared values first, in their order, then those
    only rules name, sorted."""
    spec = declared(rules_root)
    used = rule_values(book)
    out = {}
    for key in sorted(set(spec) | set(used)):
        s = spec.get(key) or {}
        values = list(dict.fromkeys(s.get("values") or []))
        values += sorted(v for v in used.get(key, {}) if v not in values)
        aliases = {a: v for a, v in (s.get("aliases") or {}).items()}
        out[key] = {"label": s.get("label") or key, "values": values, "aliases": aliases}
    return out


def generate(base: dict, book, rules_root: Path | None = None) -> dict:
    """The evidence schema with every vocabulary field an enumeration, and `x-vocabulary`."""
    out = copy.deepcopy(base)
    defs = out["$defs"]
    vocab = table(book, rules_root)
    for key, v in vocab.items():
        for prop in _places(defs, key):
            _set_enum(prop, v["values"])
    out["x-vocabulary"] = vocab
    return out


def _places(defs: dict, key: str) -> list[dict]:
    if key == ROLE:
        return [defs["role"]]
    fact, field = key.split(".", 1)
    found = [props[field] for props in _props(defs, fact) if isinstance(props.get(field), dict)]
    if not found:
        raise KeyError(f"证据格式中没有字段 {key}（rules/vocabulary/evidence.yaml）")
    return found


def _set_enum(prop: dict, values: list) -> None:
    if prop.get("type") == "array" or "items" in prop:
        items = prop.setdefault("items", {})
        items.pop("$ref", None)
        items.pop("type", None)
        items["enum"] = list(values)
        return
    prop.pop("$ref", None)
    nullable = isinstance(prop.get("type"), list) and "null" in prop["type"] or None in (prop.get("enum") or [])
    prop.pop("type", None)
    prop.pop("minLength", None)
    prop["enum"] = list(values) + ([None] if nullable else [])


# ---- reading the published vocabulary --------------------------------------------------------

@lru_cache(maxsize=None)
def allowed_values() -> dict:
    """The published vocabulary: {key: {"label": 中文名, "values": [...], "aliases": {别名: 值}}},
    e.g. allowed_values()["inspections.kind"]["values"]; `role` is every 岗位 field's. Read from the
    installed evidence schema (what validation uses), for drop-downs and messages."""
    return schema("evidence").get("x-vocabulary", {})


@lru_cache(maxsize=None)
def field_keys() -> dict[str, dict[str, str]]:
    """{fact type or 'profile': {field: vocabulary key}} for the fields that have one."""
    defs = schema("evidence")["$defs"]
    vocab = allowed_values()
    out: dict = {}
    for fact in ["profile", "certificates", *DEF_OF]:
        for props in _props(defs, fact)[:1]:
            for field, prop in props.items():
                if not isinstance(prop, dict):
                    continue
                key = ROLE if _role_field(prop) else f"{fact}.{field}"
                if key in vocab:
                    out.setdefault(fact, {})[field] = key
    return out


def nearest(value: str, values: list, n: int = 3) -> list:
    """Known values nearest to `value`: those containing it or contained in it first (隐患排查 ->
    重大事故隐患排查), then by similarity."""
    def score(v):
        return difflib.SequenceMatcher(None, value, v).ratio()
    inside = sorted((v for v in values if value in v or v in value), key=score, reverse=True)
    close = difflib.get_close_matches(value, values, n=n, cutoff=0.34)
    return list(dict.fromkeys(inside + close))[:n]


def unknown_message(label: str, value: str, values: list) -> str:
    near = nearest(value, values)
    text = f"未知的{label}“{value}”"
    if near:
        text += "，是否指" + "、".join(f"“{v}”" for v in near) + "？"
    shown = "、".join(values[:12]) + ("等" if len(values) > 12 else "")
    return text + f"（可用：{shown}；见 docs/evidence.md 的词表）"


def normalise(doc) -> None:
    """Replace declared aliases by their value in the evidence data, and reject a value outside
    the vocabulary with file, line, field and the nearest known values. Runs before the schema's
    validation, so the message is this one rather than a bare enum error."""
    data = doc.data
    if not isinstance(data, dict):
        return
    vocab, keys = allowed_values(), field_keys()
    ent = data.get("enterprise")
    if isinstance(ent, dict):
        _check(doc, ent, keys.get("profile", {}), vocab, ("enterprise",))
    records = data.get("records")
    if not isinstance(records, dict):
        return
    for section, items in records.items():
        if section not in DEF_OF or not isinstance(items, list):
            continue
        fields = keys.get(section, {})
        for i, rec in enumerate(items):
            if not isinstance(rec, dict):
                continue
            _check(doc, rec, fields, vocab, ("records", section, i))
            if section == "workers" and isinstance(rec.get("certificates"), list):
                for j, cert in enumerate(rec["certificates"]):
                    if isinstance(cert, dict):
                        _check(doc, cert, keys.get("certificates", {}), vocab,
                               ("records", section, i, "certificates", j))


def _check(doc, obj: dict, fields: dict, vocab: dict, path: tuple) -> None:
    for field, key in fields.items():
        value = obj.get(field)
        if value is None:
            continue
        v = vocab[key]
        if isinstance(value, list):
            for j, x in enumerate(value):
                fixed = _one(doc, x, v, path + (field, j))
                if fixed is not x:
                    value[j] = fixed
        else:
            fixed = _one(doc, value, v, path + (field,))
            if fixed is not value:
                obj[field] = fixed


def _one(doc, value, v: dict, path: tuple):
    if not isinstance(value, str) or value in v["values"]:
        return value   # a wrong type is the schema's to report
    text = value.strip()
    if text in v["values"]:
        return text
    if text in v["aliases"]:
        return v["aliases"][text]
    raise doc.error(unknown_message(v["label"], value, v["values"]), path)


def pattern_values(cond, fact, aliases, defs, vocab):
    """(key, the pattern, the vocabulary values it matches, node) for each `matches` on a
    vocabulary field: a pattern over a closed field stands for the values it matches."""
    from . import saferegex
    for node, cur, bound in C.walk_scoped(cond, fact, dict(aliases)):
        if not (isinstance(node, C.Cmp) and node.op in ("matches", "not_matches") and isinstance(node.right, C.Lit)):
            continue
        key = key_of(defs, C.target_of(node.left, cur, bound), ".".join(node.left.path))
        if key is None or key not in vocab:
            continue
        rx = saferegex.compile_pattern(node.right.value)
        yield key, node.right.value, [v for v in vocab[key]["values"] if rx.search(v)], node


def rule_problems(rule, defs=None) -> list:
    """A rule comparing a vocabulary field with a value outside the published vocabulary: such a
    comparison can never hold on a valid evidence file. A pattern (`matches`) over a vocabulary
    field must match at least one of its values, for the same reason. (doc.error for each, located.)"""
    from .rulebook import CHECK_CONDITIONS, _get
    defs = defs or schema("evidence")["$defs"]
    vocab = allowed_values()
    out = []
    for fact, cond, aliases in _conditions(rule, CHECK_CONDITIONS, _get):
        for key, pattern, hits, node in pattern_values(cond, fact, aliases, defs, vocab):
            if not hits:
                v = vocab[key]
                out.append(rule.doc.error(
                    f"正则“{pattern}”不匹配{v['label']}词表中的任何值（{'、'.join(v['values'][:12])}），"
                    f"比较永远不成立（新值请加入 rules/vocabulary/evidence.yaml 后运行 python tools/evidence_vocabulary.py）",
                    node.where))
        for key, value, node in literals(cond, fact, aliases, defs):
            v = vocab.get(key)
            if v is None or value in v["values"]:
                continue
            hint = f"，“{value}”是“{v['aliases'][value]}”的别名，请写后者" if value in v["aliases"] else ""
            out.append(rule.doc.error(
                f"{unknown_message(v['label'], value, v['values'])}{hint}：证据文件中不会出现此值，比较永远不成立"
                f"（新值请加入 rules/vocabulary/evidence.yaml 或规则后运行 python tools/evidence_vocabulary.py）",
                node.where))
    return out
