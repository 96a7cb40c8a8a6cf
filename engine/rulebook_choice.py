"""Which rulebook a command runs with: the shipped one, plus a rule author's own rules and checklist,
with checklist parameters overridden — and a record of that choice for the result's JSON.

`--rules DIR` adds the rule files under DIR to the shipped rules; `--checklist` takes a shipped id
or a checklist FILE (added to the shipped checklists, so it may include them); `--param name=value`
overrides one parameter of the chosen checklist (the checklists invite it: 地方另有人数规定时改此值).
The shipped rulebook is loaded once per process and never changed: overrides are applied to a copy.

The rulebook version a result was computed with is a SHA-256 over every file the rulebook was read
from (rules, checklists, counters, the criteria catalogue and the notice's clauses), in path order:
the same files give the same digest wherever they are installed.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import InputError
from .rulebook import Checklist, Rulebook, cached_load, rule_files, shipped_rulebook


@dataclass
class Choice:
    book: Rulebook
    checklist: Checklist | None
    rules_dir: str | None = None
    checklist_file: str | None = None
    overrides: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        out = {"digest": rulebook_digest(self.book), "shipped": self.rules_dir is None and self.checklist_file is None,
               "rules_dir": self.rules_dir, "checklist_file": self.checklist_file}
        if self.checklist is not None:
            out["params"] = {k: _jsonable(v) for k, v in sorted(self.checklist.params.items())}
            out["overrides"] = {k: _jsonable(v) for k, v in self.overrides.items()}
        return out


def _jsonable(v):
    return v if isinstance(v, (str, int, float, bool, type(None), list, dict)) else str(v)


def choose(rules_dir: str | None = None, checklist: str | None = None, params: tuple[str, ...] = (),
           need_checklist: bool = True, checklists_dir: str | None = None) -> Choice:
    """The rulebook and checklist for --rules / --checklist / --param; InputError on anything wrong.

    A rules DIR with its own counters.yaml is a whole rulebook (like the shipped rules/) and replaces
    the shipped rules; otherwise its rule files are added to the shipped ones."""
    file = checklist if checklist and _is_file_ref(checklist) else None
    if rules_dir is None and file is None and checklists_dir is None:
        book = shipped_rulebook()
    else:
        root, extra_rules = None, []
        if rules_dir is not None:
            if not Path(rules_dir).is_dir():
                raise InputError("规则目录不存在", rules_dir, None, "--rules")
            if (Path(rules_dir) / "counters.yaml").is_file():
                root = Path(rules_dir)
            else:
                extra_rules = rule_files(Path(rules_dir))
                if not extra_rules:
                    raise InputError("规则目录中没有规则文件（*.yaml）", rules_dir, None, "--rules")
        if file is not None and not Path(file).is_file():
            raise InputError("检查清单文件不存在", file, None, "--checklist")
        book = cached_load(root, checklists_dir, extra_rules, [Path(file)] if file else [])
    if checklist is None:
        if params:
            raise InputError("--param 须与 --checklist 一起用", None, None, "--param")
        if need_checklist:
            raise InputError("缺少 --checklist", None, None, "--checklist")
        return Choice(book, None, rules_dir)
    cid = _file_id(book, file) if file else checklist
    cl = book.checklist(cid)
    overrides = parse_params(params, cl)
    if overrides:
        cl = dataclasses.replace(cl, params={**cl.params, **overrides})
        book = dataclasses.replace(book, checklists={**book.checklists, cl.id: cl})
    return Choice(book, cl, rules_dir, file, overrides)


def _is_file_ref(ref: str) -> bool:
    return ref.lower().endswith((".yaml", ".yml", ".json")) or "/" in ref or "\\" in ref


def _file_id(book: Rulebook, file: str) -> str:
    want = Path(file).resolve()
    for cl in book.checklists.values():
        if Path(cl.doc.file).resolve() == want:
            return cl.id
    raise InputError("检查清单文件未能载入", file, None, "--checklist")


def parse_params(params, checklist: Checklist) -> dict:
    """name=value pairs; the value is read as a YAML scalar (2 → number, year → text)."""
    out = {}
    for item in params:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"--param 应写作 名称=值，得到 “{item}”", None, None, "--param")
        if name not in checklist.params:
            known = "、".join(sorted(checklist.params)) or "无"
            raise InputError(f"检查清单 {checklist.id} 没有参数 “{name}”（可用：{known}）", None, None, "--param")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        old = checklist.params[name]
        if isinstance(old, (int, float)) and not isinstance(old, bool) and not isinstance(value, (int, float)):
            raise InputError(f"参数 {name} 应为数字（现值 {old}），得到 “{raw}”", None, None, "--param")
        out[name] = value if not hasattr(value, "isoformat") else value.isoformat()
    return out


def rulebook_digest(book: Rulebook) -> str:
    """sha256 over the files the rulebook was read from, in path order (see the module docstring)."""
    cached = getattr(book, "_digest", None)
    if cached:
        return cached
    from .resources import rules_dir
    files = {r.doc.file for r in book.rules.values()} | {c.doc.file for c in book.checklists.values()}
    root = rules_dir()
    files |= {str(root / "counters.yaml")} | {str(p) for sub in ("catalogue", "clauses")
                                              for p in (root / sub).glob("*.yaml")}
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: Path(f).name + "\0" + f):
        try:
            data = Path(f).read_bytes()
        except OSError:
            continue
        h.update(Path(f).name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    digest = "sha256:" + h.hexdigest()
    try:
        object.__setattr__(book, "_digest", digest)
    except AttributeError:
        pass
    return digest
