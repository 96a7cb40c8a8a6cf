"""`check --ask`: one line per item, resumable, Chinese, only what changed rewritten, and no answer
lost to a second session (issue 11 item 12; issue 12's --ask items)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES
from yinhuan.answers import BadReply, add_answer, insert_answer, parse_reply
from yinhuan.cli import main
from yinhuan.loader import load_file

MACHINERY = (EXAMPLES / "gm-machinery.yaml").read_text(encoding="utf-8")
HEAD = MACHINERY[: MACHINERY.index("answers:")]          # every value, comments included, no answers


def open_ids(path):
    """The items --ask will put, in order (judgement, applicable, unanswered)."""
    from yinhuan.asking import open_items
    from yinhuan.evidence import load_evidence
    from yinhuan.session import open_runner
    return [r.id for r in open_items(open_runner("gongmao-2023"), load_evidence(path), None)]


def ask(path, input, *extra):
    return CliRunner().invoke(main, ["check", "--checklist", "gongmao-2023", *extra, "--ask", str(path)], input=input)


@pytest.fixture
def ev(tmp_path):
    p = tmp_path / "ev.yaml"
    p.write_text(HEAD, encoding="utf-8")
    return p


def answers(path):
    return load_file(path).data.get("answers") or {}


def test_one_line_per_item_with_optional_note(ev):
    ids = open_ids(ev)
    assert len(ids) >= 4
    r = ask(ev, "是\n否 | 抽查两人不会\n\n不适用｜无外包\n")
    got = answers(ev)
    assert got[ids[0]]["answer"] == "是" and "note" not in got[ids[0]]
    assert got[ids[1]] == {"answer": "否", "note": "抽查两人不会", "by": "孔令军", "at": got[ids[1]]["at"]}
    assert ids[2] not in got
    assert got[ids[3]]["answer"] == "不适用" and got[ids[3]]["note"] == "无外包"
    # end of input is a clean stop: no Aborted!, no traceback, the check's own exit code
    assert "Aborted" not in r.output and "Traceback" not in r.output and r.exit_code in (0, 1)
    assert "本次保存 3 项回答，跳过 1 项；输入结束" in r.stderr and "再次运行 --ask" in r.stderr
    # resumable: the next session asks only what is still open, starting with the skipped item
    assert open_ids(ev)[0] == ids[2]
    r = ask(ev, "是\n")
    assert f"[{ids[0]}]" not in r.stderr and f"[{ids[2]}]" in r.stderr
    assert answers(ev)[ids[2]]["answer"] == "是"


def test_prompts_go_to_stderr_and_json_stays_clean(ev):
    r = ask(ev, "是\n", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["results"][0]["findings"]
    assert "（是/否/不适用）>" in r.stderr and "（是/否/不适用）>" not in r.stdout


def test_bad_reply_is_chinese_and_does_not_shift_later_answers(ev):
    ids = open_ids(ev)
    r = ask(ev, "maybe\n否\n")
    assert "无法识别的回答“maybe”：应为 是、否 或 不适用" in r.stderr
    assert "Error" not in r.output and "is not one of" not in r.output
    got = answers(ev)
    assert ids[0] not in got and got[ids[1]]["answer"] == "否"


def test_q_stops(ev):
    ids = open_ids(ev)
    r = ask(ev, "是\nq\n是\n")
    assert list(answers(ev)) == [ids[0]] and "已退出" in r.stderr


@pytest.mark.parametrize("reply,expected", [
    ("是", ("是", "")), (" 否 | 说明 ", ("否", "说明")), ("不适用｜无", ("不适用", "无")), ("", None), ("跳过", None),
    ("否|a|b", ("否", "a|b")),
])
def test_parse_reply(reply, expected):
    assert parse_reply(reply) == expected


@pytest.mark.parametrize("reply", ["yes", "是的", "| 只有说明", "1"])
def test_parse_reply_refuses(reply):
    with pytest.raises(BadReply, match="应为 是、否 或 不适用"):
        parse_reply(reply)


# ---- only what changed; every form of YAML loads again with every value -----------------------

ENTRY = {"answer": "是", "note": "抽查", "by": "甲", "at": "2023-06-01"}


def test_existing_entries_and_everything_else_kept_byte_for_byte(tmp_path):
    p = tmp_path / "ev.yaml"
    p.write_text(MACHINERY.replace("  GM-7-ESCAPE-SKILLS:", "  # 第7项\n  GM-7-ESCAPE-SKILLS:"), encoding="utf-8")
    before = p.read_text(encoding="utf-8")
    add_answer(p, "GM-NEW", ENTRY)
    after = p.read_text(encoding="utf-8")
    assert after.startswith(before)             # nothing before or inside the block reformatted
    assert after[len(before):].startswith("  GM-NEW:")
    assert load_file(p).data == dict(load_file_text(before), answers=dict(load_file_text(before)["answers"], **{"GM-NEW": ENTRY}))


def load_file_text(text):
    from yinhuan.loader import parse_text
    return parse_text(text, "x").data


FORMS = {
    "block, no answers": HEAD,
    "flow document": "{yinhuan_evidence: 1, enterprise: {name: 测试公司, credit_code: '91371002MA3D5N7P1D', "
                     "district: 环翠区, sector: 工贸, industry: 机械}}\n",
    "flow document with answers": "{enterprise: {name: 测试公司, sector: 工贸}, answers: {A: {answer: 否}}}",
    "ends with ...": "---\n" + HEAD + "...\n# 文件尾注释\n",
    "ends with ... and answers": "enterprise: {name: 测试公司}\nanswers:\n    A: {answer: 否}\n...\n",
    "flow answers": "enterprise: {name: 测试公司}\nanswers: {A: {answer: 否}}  # 注释\nrecords: {}\n",
    "empty flow answers": "enterprise: {name: 测试公司}\nanswers: {}\n",
    "null answers": "enterprise: {name: 测试公司}\nanswers:\nrecords: {}\n",
    "tilde answers": "enterprise: {name: 测试公司}\nanswers: ~ # 尚无\n",
    "answers in the middle": "enterprise: {name: 测试公司}\nanswers:\n  A:\n    answer: 否\n\n# records\nrecords:\n  documents: []\n",
    "crlf": HEAD.replace("\n", "\r\n"),
    "no final newline": "enterprise: {name: 测试公司}",
}


@pytest.mark.parametrize("name", FORMS)
def test_every_yaml_form_loads_again_with_every_value(tmp_path, name):
    text = FORMS[name]
    p = tmp_path / "ev.yaml"
    p.write_bytes(text.encode("utf-8"))
    before = load_file_text(text)
    saved, notes = add_answer(p, "GM-NEW", ENTRY)
    assert notes == []                                   # inserted, not rewritten whole
    after = load_file(p).data
    expected = dict(before, answers=dict(before.get("answers") or {}, **{"GM-NEW": ENTRY}))
    assert after == expected
    add_answer(p, "GM-NEW-2", ENTRY)                     # and again on the result
    assert set(load_file(p).data["answers"]) == set(expected["answers"]) | {"GM-NEW-2"}
    new = p.read_bytes().decode("utf-8")
    for line in text.splitlines():
        if line.strip().startswith("#"):
            assert line in new                           # comments kept


def test_insert_answer_touches_only_the_answers(tmp_path):
    text = FORMS["flow answers"]
    new = insert_answer(text, "B", {"answer": "是"})
    assert new == "enterprise: {name: 测试公司}\nanswers: {A: {answer: 否}, B: {answer: 是}}  # 注释\nrecords: {}\n"


def test_json_evidence(tmp_path):
    p = tmp_path / "ev.json"
    data = {"enterprise": {"name": "测试公司"}, "answers": {"A": {"answer": "否"}}}
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    add_answer(p, "B", {"answer": "是"})
    assert json.loads(p.read_text(encoding="utf-8"))["answers"] == {"A": {"answer": "否"}, "B": {"answer": "是"}}


# ---- two sessions on one file ------------------------------------------------------------------

def test_concurrent_writers_lose_nothing(tmp_path):
    p = tmp_path / "ev.yaml"
    p.write_text(HEAD, encoding="utf-8")

    def writer(k):
        for i in range(6):
            add_answer(p, f"R-{k}-{i}", {"answer": "是", "by": f"检查员{k}"})
    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers(p)) == 36


@pytest.mark.parametrize("interactive", [True, False])
def test_answer_saved_by_another_session_mid_ask_survives(ev, interactive):
    """Session A has loaded the file; session B saves answers while A is asking. Nothing B saved is
    lost, and an item B answered meanwhile is not overwritten (at a terminal, not even asked)."""
    ids = open_ids(ev)
    replies = iter(["是\n", "否\n", "是\n", "是\n"])

    from yinhuan.asking import ask as ask_fn
    from yinhuan.evidence import load_evidence
    from yinhuan.session import open_runner

    def read_line():
        if not hasattr(read_line, "done"):
            read_line.done = True
            add_answer(ev, ids[1], {"answer": "不适用", "by": "乙"})   # B answers A's next item
            add_answer(ev, "OTHER", {"answer": "否", "by": "乙"})      # and something else
        return next(replies, "")
    said = []
    summary = ask_fn(open_runner("gongmao-2023"), load_evidence(ev), None, read_line, said.append, interactive)
    got = answers(ev)
    assert got[ids[0]]["answer"] == "是"
    assert got[ids[1]] == {"answer": "不适用", "by": "乙"} and got["OTHER"]["answer"] == "否"
    if interactive:
        assert not any(f"[{ids[1]}]" in s for s in said)
        assert got[ids[2]]["answer"] == "否"
    else:   # the pipe's second line belonged to ids[1]: it is not moved onto ids[2]
        assert any("已由另一次会话回答（不适用），未覆盖" in s for s in said)
        assert got[ids[2]]["answer"] == "是"


def test_two_processes_answering_at_once(ev):
    """Two real sessions answer every item at the same time. Each item ends up answered once, by
    whichever session saved it first; every answer a session reports saved is in the file."""
    ids = open_ids(ev)
    n = len(ids)
    cmd = [sys.executable, "-m", "yinhuan.cli", "check", "--checklist", "gongmao-2023", "--ask", str(ev)]
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    procs = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
             for _ in range(2)]
    outs = [p.communicate(data.encode("utf-8"), timeout=300)[1].decode("utf-8")
            for p, data in zip(procs, ("是 | A\n" * n, "否 | B\n" * n))]
    assert all(p.returncode in (0, 1) for p in procs), outs
    got = answers(ev)
    assert set(got) == set(ids), outs
    assert all((v["answer"], v["note"]) in {("是", "A"), ("否", "B")} for v in got.values())
    saved = [int(re.search(r"本次保存 (\d+) 项回答", o).group(1)) for o in outs]
    assert sum(saved) == n, outs      # every reported save is in the file, none twice
