"""One language for the user, and output any console can show (issue 11 items 5, 6, 13, 14)."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, REPO
from yinhuan.cli import main
from yinhuan.cli_text import ZH

ENGLISH = re.compile(r"\b(Usage|Options|Commands|Error|Missing|Aborted|Show this message|Try '|TEXT|PATH|INTEGER|"
                     r"DIRECTORY|FILE|OPTIONS|is not one of|No such option|Invalid value)\b")


def invoke(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def commands(group=main, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, prefix + (name,))


def test_every_help_is_chinese_and_describes_every_option():
    for path, cmd in [((), main), *(c for c in commands() if c[0] != ("serve",))]:
        r = invoke(*path, "--help")
        assert r.exit_code == 0, (path, r.output)
        assert not ENGLISH.search(r.output), (path, ENGLISH.search(r.output).group(0), r.output)
        assert "用法：" in r.output and ("选项" in r.output)
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.hidden:
                assert p.help and p.help.strip(), (path, p.name)


def test_help_lists_the_shipped_checklists():
    ids = sorted(p.stem for p in (REPO / "checklists").glob("*.yaml"))
    for path in (("check",), ("rules", "coverage"), ("rules", "test"), ("tally",), ("rules", "list")):
        out = invoke(*path, "--help").output
        assert all(i in out for i in ids), (path, out)


@pytest.mark.parametrize("args,needle", [
    (("check", "x.yaml"), "缺少选项"),
    (("check",), "缺少参数"),
    (("check", "--checklist", "gongmao-2023"), "缺少参数"),
    (("check", "--checklist", "gongmao-2023", "--format", "xml", "x.yaml"), "不在可选值"),
    (("check", "--nope"), "没有选项"),
    (("nope",), "没有子命令"),
    (("rules", "test", "--engine"), "需要一个值"),
])
def test_usage_errors_are_chinese(args, needle):
    r = invoke(*args)
    assert r.exit_code == 2
    assert needle in r.output and "错误：" in r.output, r.output
    assert not ENGLISH.search(r.output), r.output


def test_every_translated_message_exists_in_click():
    """A click upgrade that rewords a message must be noticed: every key is one of click's messages."""
    found = set()
    for f in Path(click.__file__).parent.glob("*.py"):
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("_", "ngettext"):
                found.update(a.value for a in n.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    assert set(ZH) - {"required"} <= found, set(ZH) - found   # "required" reaches _() through a variable


def test_version_flag():
    for flag in ("-V", "--version"):
        r = invoke(flag)
        assert r.exit_code == 0 and re.fullmatch(r"yinhuan \d+\.\d+\.\d+\S*\n", r.output), r.output


def test_end_of_input_in_a_prompt_is_not_english():
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", "--ask",
                                  str(EXAMPLES / "gm-machinery.yaml")], input="")
    assert "Aborted" not in r.output


# ---- item 6: a console that cannot encode ✓ --------------------------------------------------

def run_cli(*args, encoding="gbk"):
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    return subprocess.run([sys.executable, "-m", "yinhuan.cli", *map(str, args)], capture_output=True, env=env,
                          timeout=120)


@pytest.mark.parametrize("encoding", ["gbk", "cp1252"])
def test_output_falls_back_to_plain_characters(encoding):
    p = run_cli("check", "--checklist", "gongmao-2023", "--verbose", EXAMPLES / "gm-machinery.yaml", encoding=encoding)
    assert p.returncode in (0, 1), p.stderr.decode(encoding, "replace")
    assert b"Traceback" not in p.stderr
    out = p.stdout.decode(encoding)
    if encoding == "gbk":
        assert "√ 符合" in out and "合计：" in out
    else:
        assert "v ??" in out  # ✓ 符合: the mark as plain ASCII, the Chinese as ?
    p = run_cli("rules", "coverage", "--checklist", "gongmao-2023", encoding=encoding)
    assert p.returncode == 0 and b"Traceback" not in p.stderr


# ---- items 5 and 14: stdout carries the data; exit codes and confirmations --------------------

def test_demo_json_is_check_shaped_and_exits_1_on_failures():
    r = invoke("demo", "--format", "json")
    assert r.exit_code == 1
    docs = json.loads(r.stdout)
    assert [d["checklist"]["id"] for d in docs] == ["gongmao-2023", "mine-2023", "gongmao-criteria-2023",
                                                    "mine-criteria-2022"]
    check = json.loads(invoke("check", "--checklist", "gongmao-2023", "--format", "json",
                              EXAMPLES / "gm-machinery.yaml").stdout)
    assert set(docs[0]) == set(check)
    assert set(docs[0]["results"][0]) == set(check["results"][0])
    assert "====" in r.stderr and "====" not in r.stdout


def test_demo_table_exits_1_when_it_reports_failures():
    r = invoke("demo")
    assert r.exit_code == 1 and "不符合" in r.stdout


def test_check_out_confirms_on_stderr(tmp_path):
    out = tmp_path / "f.json"
    r = invoke("check", "--checklist", "gongmao-2023", "--format", "json", "--out", out, EXAMPLES / "gm-machinery.yaml")
    assert out.exists() and r.stdout == ""
    assert f"已写入 {out}" in r.stderr and "1 家企业" in r.stderr
