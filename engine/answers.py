"""Save an inspector's answers to judgement items back into the evidence file, one at a time.

Why each step is here:
- Each answer is written as soon as it is given (replacing the file atomically, yinhuan.atomic), so an
  interrupted `--ask` session loses nothing and the next one resumes where it stopped.
- Two sessions may ask on the same file at once (two inspectors, two terminals). Every write happens
  under a lock and re-reads the file first, so an answer saved by the other session is merged, never
  overwritten; an item the other session answered meanwhile keeps that answer.
- Only what changed is rewritten. In YAML the new entry is inserted into the `answers:` block as text;
  everything else, comments and other answers included, stays byte for byte. A flow-style document
  (`{enterprise: …}`) or a flow-style `answers: {…}` gets the entry inside its braces; a document
  ending with `...` gets it before the end marker.
- Whatever is written must load again with every value the file had plus the new answer: the new text
  is parsed and compared before it replaces the file. If the text edit cannot be made safely, the
  whole document is written again in block style (comments are then lost, and the user is told);
  if even that does not load back identically, nothing is written.
JSON files are rewritten as JSON.
"""
from __future__ import annotations

import contextlib
import copy
import json
import os
import re
from pathlib import Path

import yaml

from .atomic import write_bytes
from .errors import InputError
from .loader import parse_text

ANSWERS = ("是", "否", "不适用")
_DOC_END = re.compile(r"^\.\.\.(\s|#|$)")


# ---- locking ---------------------------------------------------------------------------------

@contextlib.contextmanager
def file_lock(path: Path):
    """Exclusive lock for read-modify-write of `path`. The file itself is replaced on every write
    (a new inode), so the lock is taken on its folder (POSIX flock), or on a sidecar file where
    flock is not available (Windows)."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt
        lock = path.with_name(f".{path.name}.lock")
        with open(lock, "a+b") as fh:
            msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fd = os.open(path.parent if str(path.parent) else ".", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# ---- reading ---------------------------------------------------------------------------------

def current_answers(path: str | Path) -> dict:
    """The answers in the file as it is now on disk (another session may have added some)."""
    p = Path(path)
    data = _load(p, _read(p))
    return dict(data.get("answers") or {}) if isinstance(data, dict) else {}


def _read(p: Path) -> str:
    try:
        return p.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"无法读取：{exc.strerror or exc}", str(p)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"不是 UTF-8 编码的文本（第 {exc.start} 字节）", str(p)) from None


def _load(p: Path, text: str):
    if p.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise InputError(f"JSON 语法错误：{exc}", str(p)) from None
    return parse_text(text, str(p)).data


# ---- writing one answer ----------------------------------------------------------------------

def add_answer(path: str | Path, rule_id: str, entry: dict) -> tuple[bool, list[str]]:
    """Add one answer to the file unless it already has one for the rule. Returns (whether this
    answer was saved, notes for the user). Locked, re-read, verified, atomic."""
    p = Path(path)
    entry = {k: v for k, v in entry.items() if v not in (None, "")}
    with file_lock(p):
        text = _read(p)
        data = _load(p, text)
        answers = data.get("answers") or {}
        if rule_id in answers:  # answered meanwhile by another session: keep theirs
            return False, [f"{rule_id} 已由另一次会话回答（{answers[rule_id].get('answer')}），未覆盖"]
        expected = copy.deepcopy(data)
        expected["answers"] = dict(answers, **{rule_id: entry})
        if p.suffix.lower() == ".json":
            new, notes = json.dumps(expected, ensure_ascii=False, indent=2) + "\n", []
        else:
            new, notes = _yaml_with_answer(text, rule_id, entry, expected, str(p))
        write_bytes(p, new)
        return True, notes


def _yaml_with_answer(text: str, rule_id: str, entry: dict, expected: dict, file: str) -> tuple[str, list[str]]:
    try:
        new = insert_answer(text, rule_id, entry)
    except _CannotEdit:
        new = None
    if new is not None and _loads_as(new, expected, file):
        return new, []
    whole = yaml.safe_dump(expected, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    if _loads_as(whole, expected, file):
        return whole, [f"注意：无法只在 {file} 中插入这一条回答，已按块式写法整体重写该文件（原有注释未保留）"]
    raise InputError("无法安全地写回回答：改写后的文件不能原样读回，文件未改动", file)


def _loads_as(text: str, expected: dict, file: str) -> bool:
    try:
        return parse_text(text, file).data == expected
    except InputError:
        return False


class _CannotEdit(Exception):
    pass


def _entry_flow(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6).strip()


def _entry_block(rule_id: str, entry: dict, indent: str, nl: str) -> str:
    dumped = yaml.safe_dump({rule_id: entry}, allow_unicode=True, sort_keys=False, default_flow_style=False,
                            width=10**6)
    return "".join(indent + line + nl for line in dumped.splitlines())


def insert_answer(text: str, rule_id: str, entry: dict) -> str:
    """The YAML text with one answer added and nothing else changed."""
    nl = "\r\n" if "\r\n" in text else "\n"
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise _CannotEdit from None
    if not isinstance(root, yaml.MappingNode):
        raise _CannotEdit
    found = next(((k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "answers"), None)
    if found is None:
        if root.flow_style:  # {enterprise: …}: add the key before the closing brace
            close = root.end_mark.index - 1
            if text[close] != "}":
                raise _CannotEdit
            sep = ", " if root.value else ""
            return text[:close] + f"{sep}answers: {_entry_flow({rule_id: entry})}" + text[close:]
        lines = text.splitlines(keepends=True)
        at = next((i for i, ln in enumerate(lines) if i > root.start_mark.line and _DOC_END.match(ln)), len(lines))
        head = "".join(lines[:at])
        if head and not head.endswith(("\n", "\r")):
            head += nl
        return head + "answers:" + nl + _entry_block(rule_id, entry, "  ", nl) + "".join(lines[at:])
    key, value = found
    if isinstance(value, yaml.MappingNode) and value.flow_style:  # answers: {…}
        start, end = value.start_mark.index, value.end_mark.index
        inner = text[start + 1:end - 1].rstrip()
        sep = ", " if value.value else ""
        return text[:start + 1] + inner + sep + _entry_flow({rule_id: entry})[1:-1] + text[end - 1:]
    lines = text.splitlines(keepends=True)
    if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null") and value.value in ("", "~", "null"):
        if value.value:  # answers: ~  → answers:
            line = lines[key.start_mark.line]
            lines[key.start_mark.line] = re.sub(r":\s*(~|null)(\s*(#.*)?)$", r":\2", line.rstrip("\r\n")) + nl
        return "".join(lines[:key.start_mark.line + 1]) + _entry_block(rule_id, entry, "  ", nl) + \
            "".join(lines[key.start_mark.line + 1:])
    if not isinstance(value, yaml.MappingNode):
        raise _CannotEdit
    first, last = value.value[0][0].start_mark.line, value.end_mark.line
    indent = re.match(r"[ ]*", lines[first]).group(0) or "  "
    # after the block's last indented line (trailing comments at column 0 stay with what follows)
    end = first
    for i in range(first, min(last + 1, len(lines))):
        if lines[i].strip() and lines[i][:1] in (" ",):
            end = i
    head = "".join(lines[:end + 1])
    if not head.endswith(("\n", "\r")):
        head += nl
    return head + _entry_block(rule_id, entry, indent, nl) + "".join(lines[end + 1:])


# ---- what the inspector types ----------------------------------------------------------------

SKIP_WORDS = ("", "跳过", "skip")
STOP_WORDS = ("q", "quit", "退出", "结束")


class BadReply(ValueError):
    pass


def parse_reply(line: str) -> tuple[str, str] | None:
    """One answer line: `是`, `否 | 说明`, `不适用｜说明`; empty or 跳过 skips (None).
    Raises BadReply with a Chinese message otherwise."""
    m = re.match(r"([^|｜]*)(?:[|｜](.*))?$", line.strip(), re.S)
    answer, note = m.group(1).strip(), (m.group(2) or "").strip()
    if answer in SKIP_WORDS and not note:
        return None
    if answer not in ANSWERS:
        raise BadReply(f"无法识别的回答“{answer}”：应为 是、否 或 不适用，可加“ | 说明”；空行跳过，q 结束")
    return answer, note
