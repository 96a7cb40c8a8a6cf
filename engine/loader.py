"""Stage 1, load: read YAML or JSON safely and remember where every value came from.

We compose the YAML node tree with PyYAML's SafeLoader (no tags that build objects, so nothing in
an input file can execute code) and build plain dicts/lists ourselves. While building we record
the line of every mapping key and sequence item under its path, so later stages (JSON Schema,
semantic checks, rule compilation) can point at `file:line` for any field they reject.

Choices that differ from yaml.safe_load, on purpose:
- duplicate keys are an error (safe_load keeps the last one silently);
- timestamps stay strings: dates are parsed by yinhuan.dates, which accepts the notice's own
  forms (2023.06.06, 2023年6月6日) and reports 2023-13-01 as a bad date instead of crashing;
- an empty file is an error, not None.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

Path_ = tuple  # a path into the document: keys and indexes


@dataclass
class Document:
    """A loaded file: its data plus a map from paths to 1-based line numbers."""

    data: Any
    file: str
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, path: tuple | list) -> int | None:
        """Line of the deepest known ancestor of path (the field itself when recorded)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)

    def error(self, message: str, path: tuple | list = (), field: str | None = None) -> InputError:
        return InputError(message, file=self.file, line=self.line_of(path),
                          field=field if field is not None else dotted(path))


def dotted(path: tuple | list) -> str | None:
    """('records', 'drills', 3, 'date') -> 'records.drills[3].date'."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or None


_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")}
_STR_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:str"}


def _build(node: yaml.Node, path: tuple, lines: dict, file: str) -> Any:
    if node.tag not in _PLAIN_TAGS:
        raise InputError(f"不支持的 YAML 标签 {node.tag}（输入只能是普通数据）", file,
                         node.start_mark.line + 1, dotted(path))
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError("不支持 YAML 合并键 <<", file, key_node.start_mark.line + 1)
            key = _build(key_node, path, {}, file)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise InputError(f"键必须是字符串，得到 {key!r}", file, key_node.start_mark.line + 1,
                                 dotted(path))
            key = str(key)
            if key in out:
                raise InputError(f"重复的键 “{key}”", file, key_node.start_mark.line + 1,
                                 dotted(path + (key,)))
            lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, path + (key,), lines, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            items.append(_build(item, path + (i,), lines, file))
        return items
    # scalars
    if node.tag in _STR_TAGS:
        return node.value
    return _SCALAR.construct_object(node)


class _ScalarConstructor(yaml.constructor.SafeConstructor):
    pass


_SCALAR = _ScalarConstructor()


def parse_text(text: str, file: str) -> Document:
    """Parse YAML (or JSON, which PyYAML reads as YAML) text into a Document."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(f"YAML/JSON 语法错误：{exc.problem or exc}", file, line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML/JSON 语法错误：{exc}", file) from None
    if node is None:
        raise InputError("文件为空", file, 1)
    lines: dict = {(): node.start_mark.line + 1}
    try:
        data = _build(node, (), lines, file)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputError(f"无法解析的值：{exc.problem}", file, line) from None
    return Document(data=data, file=file, lines=lines)


def load_file(path: str | Path) -> Document:
    """Read and parse one file; every failure is an InputError naming the file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError("文件不存在", str(path)) from None
    except IsADirectoryError:
        raise InputError("需要文件，得到的是目录", str(path)) from None
    except OSError as exc:
        raise InputError(f"无法读取：{exc.strerror}", str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"不是 UTF-8 编码的文本（第 {exc.start} 字节）", str(path)) from None
    if not text.strip():
        raise InputError("文件为空", str(path), 1)
    return parse_text(text, str(path))
