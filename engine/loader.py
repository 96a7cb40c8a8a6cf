"""Stage 1, load: read YAML or JSON safely, fast, within limits, and know where every value came from.

Two readers, one result:
- JSON files are read by the standard library's C parser (json.loads), about 10x faster than
  any YAML parser. It keeps no line numbers, so a Document read this way keeps its text and works
  out the lines only when a later stage asks for one (an error message): `Document.lines` re-reads
  that one file with the line-tracking reader. Anything json.loads rejects (or a JSON file that is
  really YAML) is read again by the line-tracking reader, which gives the located message.
- YAML (and every re-read) is composed by libyaml (PyYAML's C parser, yaml.CSafeLoader: no tags
  that build objects) and built into plain dicts and lists by `_Builder`, which records the line of
  every mapping key and sequence item under its path, so later stages (JSON Schema, semantic
  checks, rule compilation) point at `file:line` for any field they reject. A syntax error is
  re-read by PyYAML's pure-Python parser only to word the message as before.

Limits, each refused with one message naming the file and line (InputError, exit 2):
- a file larger than `limits.max_file_size` (20 MB unless --max-file-size says otherwise);
- nesting deeper than MAX_DEPTH levels (libyaml itself stops at 1000; json.loads at Python's
  recursion limit; both become this message);
- YAML anchors and aliases in evidence and other untrusted input (an alias bomb of a few hundred
  bytes expands to gigabytes); rule authors' files may use them (`aliases=True`), bounded by a
  budget of MAX_NODES built values;
- integers longer than MAX_INT_DIGITS digits; lone UTF-16 surrogate escapes ("\\ud800"), which no
  UTF-8 file can hold; NUL and other control characters (with their line).

Choices that differ from yaml.safe_load, on purpose:
- duplicate keys are an error (safe_load keeps the last one silently);
- timestamps stay strings: dates are parsed by yinhuan.dates, which accepts the notice's own
  forms (2023.06.06, 2023年6月6日) and reports 2023-13-01 as a bad date instead of crashing;
- an empty file is an error, not None.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

MAX_FILE_SIZE = 20 * 1024 * 1024     # default of --max-file-size
MAX_DEPTH = 64                       # evidence is 6 levels deep, rules about 20
MAX_INT_DIGITS = 100
MAX_NODES = 2_000_000                # values built from one file, aliases expanded


class Limits:
    """The limits in force for this process (the CLI sets max_file_size from --max-file-size)."""

    max_file_size: int = MAX_FILE_SIZE


limits = Limits()


def parse_size(text: str) -> int:
    """'20MB', '500k', '1.5G' or a number of bytes -> bytes (for --max-file-size)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*", str(text), re.IGNORECASE)
    if not m:
        raise InputError(f"无法识别的大小 “{text}”，应为 20MB、500KB 或字节数", field="--max-file-size")
    value = float(m.group(1)) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[m.group(2).lower()]
    if value < 1:
        raise InputError("大小上限应大于 0", field="--max-file-size")
    return int(value)


def size_text(n: int) -> str:
    if n >= 1024 ** 2:
        return f"{n / 1024 ** 2:.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.1f} KB".replace(".0 KB", " KB")
    return f"{n} 字节"


class Document:
    """A loaded file: its data plus a map from paths to 1-based line numbers.

    A file read by the fast JSON reader keeps its text instead, and `lines` is worked out from
    it the first time it is read (only files with something to report pay for it)."""

    __slots__ = ("data", "file", "_lines", "_text")

    def __init__(self, data: Any, file: str, lines: dict | None = None, text: str | None = None):
        self.data = data
        self.file = file
        self._lines = lines if lines is not None or text is not None else {}
        self._text = text

    @property
    def lines(self) -> dict[tuple, int]:
        if self._lines is None:
            try:
                self._lines = parse_yaml(self._text, self.file, aliases=True).lines
            except InputError:
                self._lines = {}
            self._text = None
        return self._lines

    @lines.setter
    def lines(self, value: dict) -> None:
        self._lines, self._text = value, None

    def line_of(self, path: tuple | list) -> int | None:
        """Line of the deepest known ancestor of path (the field itself when recorded)."""
        lines = self.lines
        p = tuple(path)
        while p:
            if p in lines:
                return lines[p]
            p = p[:-1]
        return lines.get((), None)

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


# ---- the line-tracking reader (libyaml nodes -> plain data) -------------------------------------

_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")}
_STR_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:str"}
_INT_TAG = "tag:yaml.org,2002:int"


class _ScalarConstructor(yaml.constructor.SafeConstructor):
    pass


_SCALAR = _ScalarConstructor()


class _Builder:
    """Plain dicts and lists from a composed node tree, the line of every key and item recorded.

    Depth and the number of values built are bounded, so neither deep nesting nor aliases to
    aliases (in files that may have them) can exhaust the stack or the memory."""

    def __init__(self, file: str, lines: dict):
        self.file = file
        self.lines = lines
        self.budget = MAX_NODES

    def fail(self, message: str, node: yaml.Node, path: tuple = ()) -> InputError:
        return InputError(message, self.file, node.start_mark.line + 1, dotted(path))

    def build(self, node: yaml.Node, path: tuple, depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise self.fail(f"展开后的值超过 {MAX_NODES:,} 个（别名引用过多）", node, path)
        tag = node.tag
        if tag not in _PLAIN_TAGS:
            raise self.fail(f"不支持的 YAML 标签 {tag}（输入只能是普通数据）", node, path)
        if isinstance(node, yaml.ScalarNode):
            if tag in _STR_TAGS:
                return node.value
            if tag == _INT_TAG and len(node.value) > MAX_INT_DIGITS:
                raise self.fail(f"整数过长（{len(node.value):,} 位），最多 {MAX_INT_DIGITS} 位", node, path)
            return _SCALAR.construct_object(node)
        if depth >= MAX_DEPTH:
            raise self.fail(f"嵌套过深：超过 {MAX_DEPTH} 层", node)
        lines = self.lines
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail("不支持 YAML 合并键 <<", key_node)
                key = self.build(key_node, path, depth + 1)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise self.fail(f"键必须是字符串，得到 {key!r}", key_node, path)
                key = str(key)
                if key in out:
                    raise self.fail(f"重复的键 “{key}”", key_node, path + (key,))
                lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        items = []
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            items.append(self.build(item, path + (i,), depth + 1))
        return items


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


_CONTROL = re.compile(r"unacceptable character #x([0-9a-fA-F]{4})")


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> InputError:
    """libyaml/PyYAML report a control character by its offset: say which, and on which line."""
    m = _CONTROL.search(str(exc))
    what, line = "不允许的字符", None
    if m:   # libyaml counts the offset in bytes: find the character itself
        what = f"U+{m.group(1).upper()}"
        pos = text.find(chr(int(m.group(1), 16)))
        line = _line_at(text, pos) if pos >= 0 else None
    return InputError(f"含有不允许的控制字符 {what}（YAML/JSON 文本中只能出现可打印字符、换行和制表符）", file, line)


def _check_text(text: str, file: str) -> None:
    """What no parser should see: NUL bytes, lone surrogate escapes."""
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError("含有 NUL 字符（U+0000）：这不是文本文件，或文件已损坏", file, _line_at(text, nul))
    if "\\u" in text or "\\U" in text:
        for m in _SURROGATE.finditer(text):
            if m.group("pair") is None and _escaped(text, m.start()):
                raise InputError(f"字符串中有孤立的代理项转义 {m.group('esc')}（不是合法的 Unicode 字符）",
                                 file, _line_at(text, m.start()))


# a UTF-16 surrogate escape, and the low surrogate that may complete it
_SURROGATE = re.compile(r"(?P<esc>\\u[dD][89abAB][0-9a-fA-F]{2}|\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\U0000[dD][89a-fA-F][0-9a-fA-F]{2})"
                        r"(?P<pair>(?<=[89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})?")


def _escaped(text: str, pos: int) -> bool:
    """True when the backslash at pos starts an escape (an even number of backslashes before it)."""
    n = 0
    while pos - n - 1 >= 0 and text[pos - n - 1] == "\\":
        n += 1
    return n % 2 == 0


def _check_events(text: str, file: str, aliases: bool) -> None:
    """Refuse anchors and aliases before anything is built: libyaml's event stream holds one event
    at a time, so an alias bomb is refused in milliseconds, never expanded."""
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1
            if not aliases:
                raise InputError(f"不允许使用 YAML 锚点或别名（&{event.anchor} / *{event.anchor}）："
                                 "证据文件中每个值须直接写出", file, line)


def parse_yaml(text: str, file: str, aliases: bool = False) -> Document:
    """The line-tracking reader: libyaml's nodes built into plain data with every line recorded."""
    _check_text(text, file)
    try:
        if "&" in text or "*" in text:
            _check_events(text, file, aliases)
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML/JSON 语法错误：{exc}", file) from None
    if node is None:
        raise InputError("文件为空", file, 1)
    lines: dict = {(): node.start_mark.line + 1}
    try:
        data = _Builder(file, lines).build(node, ())
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputError(f"无法解析的值：{exc.problem}", file, line) from None
    except ValueError as exc:   # e.g. a number Python cannot represent
        raise InputError(f"无法解析的值：{exc}", file) from None
    return Document(data=data, file=file, lines=lines)


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> InputError:
    """Word a syntax error as PyYAML's pure-Python parser does (only this rejected file is re-read
    by it); libyaml's own nesting limit becomes our depth message."""
    if "maximum nesting depth" in str(exc):
        mark = exc.problem_mark or exc.context_mark
        return InputError(f"嵌套过深：超过 {MAX_DEPTH} 层", file, mark.line + 1 if mark else None)
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as py_exc:
        exc = py_exc
    except (yaml.YAMLError, RecursionError):
        pass
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    return InputError(f"YAML/JSON 语法错误：{exc.problem or exc}", file, line)


# ---- the fast JSON reader --------------------------------------------------------------------

class _Reread(Exception):
    """json.loads met something only the line-tracking reader can word (a duplicate key, a huge
    integer, NaN): read the file again with it."""


def _object(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Reread
    return out


def _int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise _Reread
    return int(text)


def _constant(text: str):
    raise _Reread


def _too_deep(data: Any) -> bool:
    """Deeper than MAX_DEPTH? Walked level by level, without recursion, looking at containers only
    (json.loads itself stops only at Python's recursion limit)."""
    level = [data]
    for _ in range(MAX_DEPTH):
        below = []
        for value in level:
            below += [x for x in (value.values() if type(value) is dict else value)
                      if type(x) is dict or type(x) is list]
        if not below:
            return False
        level = below
    return True


# ---- the fast YAML reader -------------------------------------------------------------------

try:    # a wheel (Rust); without it every YAML file takes the libyaml path, with the same result
    import yaml_rs as _yaml_rs
except ImportError:     # pragma: no cover - the dependency is declared
    _yaml_rs = None

# Where YAML 1.1 (PyYAML, our reference) and YAML 1.2 (yaml_rs) may read the same text differently,
# or where only the line-tracking reader refuses or words it, the file is read by libyaml instead:
# over-matching costs speed, never a different answer. Several simple patterns, each starting with
# one character class or a literal, scan about ten times faster than one pattern with alternatives.
_END = r"[ \t\r]*+(?:$|#|[,\]}]|:(?:\s|$))"        # the end of a whole plain scalar (\r: CRLF files)
_BOOL11 = r"[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF"   # YAML 1.1 booleans that YAML 1.2 reads as strings
# a whole plain scalar that YAML 1.1 reads as a bool, `=` or the merge key, or that looks numeric
# (digits, `.`, `_`, `:`, an exponent, 0x/0o/0b) but is not a plain decimal integer (of at most
# MAX_INT_DIGITS digits: a longer one is refused by the line-tracking reader) or number
_VALUE = (r"(?:(?:" + _BOOL11 + r"|=|<<)" + _END
          + r"|(?![-+]?(?:0|[1-9][0-9]{0," + str(MAX_INT_DIGITS - 1) + r"}+)(?:\.[0-9]++)?" + _END + r")"
          + r"[-+]?(?:0[xXoObB][0-9a-fA-F_]*+|[._0-9][._0-9:]*+(?:[eE][-+]?[0-9_]*+)?)" + _END + ")")
# a key that is not a plain string: a number, null, a bool (YAML 1.2 keeps its type), empty, complex
_KEY = (r"(?:(?:[-+._0-9~\[{]\S*|<<|=|null|Null|NULL|true|True|TRUE|false|False|FALSE|" + _BOOL11
        + r")?[ \t]*+:(?:[\s,\[\]{}]|$)|\?(?:[\s,\[\]{}]|$))")
_RISKY_YAML = tuple(re.compile(p, re.MULTILINE) for p in (
    r"[-:?]\s\s*+" + _VALUE,                    # a value after "key: ", "- ", "? " (or on the next line)
    r"\n[ \t]*+(?:-[ \t]++)*+" + _VALUE,        # a value alone on its line (after a comment, say)
    r"\n[ \t]*+(?:-[ \t]++)*+" + _KEY,          # a block key (the text is searched with "\n" before it)
    r"[\[{](?![\]}])",                          # a flow collection that is not empty ([a, b], {a: 1})
    # characters libyaml refuses (it names them; yaml_rs would accept them), line breaks other than
    # \n and \r (NEL, LS, PS: YAML 1.1 breaks lines there), a byte-order mark past the start
    r"[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]",
))
_TAGS = re.compile(r"(?:^|[\s\[{,])[!%&*]", re.MULTILINE)   # tags, directives, anchors, aliases
_LONE_CR = re.compile(r"\r(?!\n)")
_FAST_MAX_COLUMNS = 500


def _risky(text: str) -> bool:
    if text.startswith(("---", "...")) or "\n---" in text or "\n..." in text:    # document markers
        return True
    if ("!" in text or "%" in text or "&" in text or "*" in text) and _TAGS.search(text):
        return True
    if "\r" in text and _LONE_CR.search(text):    # lines ended by CR alone: the patterns look for \n
        return True
    if "\t" in text:     # YAML 1.1 and 1.2 differ on tabs in indentation and between tokens
        return True
    lined = "\n" + text
    return any(p.search(lined) for p in _RISKY_YAML)


def _fast_yaml(text: str):
    """The data of a YAML file as the line-tracking reader would build it, by yaml_rs (about ten
    times faster than libyaml with PyYAML's resolver), or None when the file must take the
    line-tracking reader: yaml_rs is missing, the text holds anything where the two could
    differ (_risky), or yaml_rs refuses it (its message is not ours)."""
    if _yaml_rs is None or _risky(text):
        return None
    # yaml_rs recurses once per level and overflows the C stack somewhere past 10,000 levels,
    # before any depth check of ours could run. A node's depth is at most its column (each block
    # level indents or adds "- ") plus the flow brackets before it: keep both small.
    if text.count("[") + text.count("{") > _FAST_MAX_COLUMNS or max(map(len, text.split("\n"))) > _FAST_MAX_COLUMNS:
        return None
    try:
        data = _yaml_rs.loads(text, parse_datetime=False)
    except Exception:   # any refusal: libyaml reads it again and words the message
        return None
    except BaseException as exc:    # a Rust panic is a BaseException (pyo3's PanicException)
        if type(exc).__name__ == "PanicException":
            return None
        raise
    if type(data) not in (dict, list) or _too_deep(data):
        return None
    return data


def parse_text(text: str, file: str, aliases: bool = False) -> Document:
    """Parse YAML or JSON text into a Document: JSON by json.loads when it is JSON, else YAML
    (by yaml_rs when it gives what libyaml would, else libyaml). Both fast readers keep no line
    numbers: the Document keeps the text, and a file with something to report is re-read."""
    if not text.strip():
        raise InputError("文件为空", file, 1)
    _check_text(text, file)
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text, object_pairs_hook=_object, parse_int=_int, parse_constant=_constant)
        except (ValueError, RecursionError, _Reread):
            data = _Reread
        if data is not _Reread and not (type(data) in (dict, list) and _too_deep(data)):
            return Document(data=data, file=file, text=text)
    elif not aliases:
        data = _fast_yaml(text)
        if data is not None:
            return Document(data=data, file=file, text=text)
    return parse_yaml(text, file, aliases)


def read_input_bytes(path: str | Path, max_size: int | None = None) -> bytes:
    """The bytes of one input file, read no further than the size limit (--max-file-size, or
    max_size); a missing, unreadable or oversized file is one InputError naming it. Every reader of
    an input file (YAML/JSON, CSV, the importer) starts here, so they refuse alike."""
    p = Path(path)
    limit = limits.max_file_size if max_size is None else max_size
    try:
        with p.open("rb") as fh:
            raw = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError("文件不存在", str(path)) from None
    except IsADirectoryError:
        raise InputError("需要文件，得到的是目录", str(path)) from None
    except OSError as exc:
        raise InputError(f"无法读取：{exc.strerror or exc}", str(path)) from None
    if len(raw) > limit:
        try:
            size = size_text(p.stat().st_size)
        except OSError:
            size = f"超过 {size_text(limit)}"
        raise InputError(f"文件过大（{size}），上限为 {size_text(limit)}（可用 --max-file-size 调整）",
                         str(path)) from None
    return raw


def load_file(path: str | Path, aliases: bool = False, max_size: int | None = None) -> Document:
    """Read and parse one file; every failure is an InputError naming the file.

    aliases=True is for rule authors' files (rules, checklists, catalogue), which may use YAML
    anchors; evidence and other input may not. --max-file-size (limits.max_file_size) bounds the
    input files; rule authors' files keep the default bound."""
    p = Path(path)
    if max_size is None:
        max_size = MAX_FILE_SIZE if aliases else limits.max_file_size
    raw = read_input_bytes(p, max_size)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"不是 UTF-8 编码的文本（第 {exc.start} 字节）", str(path)) from None
    if not text.strip():
        raise InputError("文件为空", str(path), 1)
    return parse_text(text, str(path), aliases)
