"""What the `yinhuan` command prints besides its data: one language, and only characters the stream can carry.

Chinese for click's own words. click words its usage errors, help headings and `Aborted!` through
gettext (`_()` and `ngettext()` imported into each of its modules). yinhuan ships no .mo catalogue;
`use_chinese()` points those names, in click's modules only, at the table below, so a user never
reads "Error: Missing option" between Chinese messages. A message missing from the table falls back
to click's English (a test lists every message click has and checks the table covers the ones a user
can meet).

Plain characters where the stream cannot encode ours. A Chinese Windows console (or output redirected
there, PYTHONIOENCODING=gbk) uses GBK, which has no ✓ or ✗. `plain_streams()` sets stdout and stderr
to an error handler that writes √ × … or, failing those, ASCII (v x ...), and `?` for anything else the
encoding lacks — never a UnicodeEncodeError traceback.
"""
from __future__ import annotations

import codecs
import sys

ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Aborted!": "已中止。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "用 “{command} {option}” 查看帮助。",
    "Missing command.": "缺少子命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有子命令 {name!r}。",
    "Did you mean {possibility}?": "是否想用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否想用其中之一：{possibilities}？）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不在可选值 {choices} 之中。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 之内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的布尔值，可用：{states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件（需要目录）。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录（需要文件）。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "required": "必填",
    "Show the version and exit.": "显示版本号并退出。",
    "Show this message and exit.": "显示本帮助并退出。",
    "%(prog)s, version %(version)s": "%(prog)s %(version)s",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Error: invalid input": "错误：输入无效",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Repeat for confirmation": "再输入一次确认",
    "Do you want to continue?": "是否继续？",
    "Press any key to continue...": "按任意键继续……",
    "unknown error": "未知错误",
    "Value must be an iterable.": "值必须是列表。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "{len_type} values are required, but {len_value} was given.": "需要 {len_type} 个值，给了 {len_value} 个。",
    "{len_type} values are required, but {len_value} were given.": "需要 {len_type} 个值，给了 {len_value} 个。",
}

CLICK_MODULES = ("core", "exceptions", "formatting", "parser", "types", "decorators", "termui")


def gettext(message: str) -> str:
    return ZH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def use_chinese() -> None:
    """Point click's gettext names at the Chinese table (click's modules only), and let its help
    formatter measure a Chinese character as two columns, as a terminal shows it."""
    import importlib
    for name in CLICK_MODULES:
        mod = importlib.import_module(f"click.{name}")
        if hasattr(mod, "_"):
            mod._ = gettext
        if hasattr(mod, "ngettext"):
            mod.ngettext = ngettext
    import click.formatting
    click.formatting.term_len = display_width


def display_width(text: str) -> int:
    import unicodedata
    from click._compat import strip_ansi
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in strip_ansi(text))


# ---- plain characters ------------------------------------------------------------------------

PLAIN = {"✓": ("√", "v"), "✗": ("×", "x"), "…": ("…", "..."), "—": ("—", "-"), "·": ("·", "."),
         "→": ("→", "->"), "≥": ("≥", ">="), "≤": ("≤", "<="), "₂": ("2",), "³": ("3",)}
HANDLER = "yinhuan-plain"


def _plain(exc: UnicodeError):
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start:exc.end]:
        for cand in PLAIN.get(ch, ()) + ("?",):
            try:
                cand.encode(exc.encoding)
            except (UnicodeEncodeError, LookupError):
                continue
            out.append(cand)
            break
    return "".join(out), exc.end


codecs.register_error(HANDLER, _plain)


def plain_streams() -> None:
    """stdout and stderr write what their encoding cannot carry as plain characters."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors=HANDLER)
            except (ValueError, OSError):  # a stream already closed or not reconfigurable
                pass


# ---- help: Chinese metavars, every option described, the shipped checklists listed -----------

ARGUMENT_NAMES = {"evidence_files": "证据文件", "paths": "路径", "rule_ids": "规则ID", "inputs": "输入文件",
                  "username": "用户名"}
DEFAULT_HELP = {"format": "输出格式", "fmt": "输出格式", "engine": "求值引擎", "verbose": "显示更多细节"}


def shipped_checklist_ids() -> list[str]:
    from .resources import checklists_dir
    return sorted(p.stem for p in checklists_dir().glob("*.yaml"))


def _metavar(param) -> str | None:
    import click
    t = param.type
    if isinstance(t, click.Choice) or getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    if isinstance(t, click.Path):
        return "目录" if not t.file_okay else "文件" if not t.dir_okay else "路径"
    if isinstance(t, click.types.IntParamType):
        return "整数"
    if isinstance(t, click.types.FloatParamType):
        return "数值"
    return "文本"


def localise(group) -> None:
    """Every command under `group`: `[选项]` in usage lines, Chinese metavars, a description for
    every option (a Choice without one lists its values), and under a command with --checklist the
    shipped checklist ids (an epilog kept unwrapped, so an id is never split at its hyphen)."""
    import click
    ids = "\n".join("  " + "  ".join(x for x in shipped_checklist_ids() if x.startswith(sector))
                    for sector in ("gongmao", "mine"))
    todo = [group]
    while todo:
        cmd = todo.pop()
        cmd.options_metavar = "[选项]"
        if getattr(cmd, "_help_option", None) is not None:
            cmd._help_option = None  # made before use_chinese(): let click make it again, in Chinese
        if isinstance(cmd, click.Group):
            cmd.subcommand_metavar = "命令 [参数]..."
            todo.extend(cmd.commands.values())
        for p in cmd.params:
            if isinstance(p, click.Argument) and p.metavar is None:
                name = ARGUMENT_NAMES.get(p.name, p.name)
                p.metavar = name + ("..." if p.nargs == -1 else "")
            if not isinstance(p, click.Option):
                continue
            if p.metavar is None:
                p.metavar = _metavar(p)
            if not p.help:
                base = DEFAULT_HELP.get(p.name, "")
                if isinstance(p.type, click.Choice):
                    base = (base + "：" if base else "取值：") + "、".join(map(str, p.type.choices))
                p.help = base or p.name
            if p.name in ("checklist", "checklist_id") and cmd.epilog is None:
                cmd.epilog = "\b\n随包检查清单（--checklist）：\n" + ids
