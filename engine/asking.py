"""`yinhuan check --ask`: ask the inspector, one line per item, for the judgement items not yet answered.

Line-oriented so that answers can be typed or piped: each item takes exactly one line, `是`, `否`
or `不适用`, optionally followed by `| 说明`; an empty line skips the item, `q` stops. End of input
is a clean stop: everything answered so far is already saved, and the next `--ask` resumes with the
items still open. Prompts go to stderr, so stdout carries only the findings. A reply that cannot be
understood is asked again at a terminal; from a pipe it skips the item (asking again would shift
every later answer onto the wrong item). For the same reason an item another session answered
meanwhile is skipped at a terminal but still takes its line from a pipe; either way the answer
already saved is kept, never overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from .answers import STOP_WORDS, BadReply, add_answer, current_answers, parse_reply
from .findings import NA


@dataclass
class AskSummary:
    saved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_asked: int = 0
    ended: str = "done"          # done | eof | quit

    def text(self, file: str) -> str:
        out = f"{file}：本次保存 {len(self.saved)} 项回答，跳过 {len(self.skipped)} 项"
        if self.ended == "eof":
            out += f"；输入结束，尚有 {self.not_asked} 项未问"
        elif self.ended == "quit":
            out += f"；已退出，尚有 {self.not_asked} 项未问"
        if self.skipped or self.not_asked:
            out += "。再次运行 --ask 从未回答的项继续"
        return out + "。"


def open_items(runner, evidence, as_of) -> list:
    """Judgement rules of the checklist that apply to this enterprise and have no answer yet."""
    answered = set(evidence.doc.data.get("answers") or {}) if evidence.doc else set()
    status = {f.rule: f.status for f in runner.run(evidence, as_of).findings}
    return [r for r in runner.book.rules_of(runner.checklist)
            if r.kind == "judgement" and r.id not in answered and status[r.id] != NA]


def ask(runner, evidence, as_of, read_line: Callable[[], str], say: Callable[[str], None],
        interactive: bool, by: str | None = None) -> AskSummary:
    from pathlib import Path
    from .errors import InputError
    if Path(evidence.file).suffix.lower() not in (".yaml", ".yml", ".json"):
        raise InputError("--ask 只能把回答写回 YAML 或 JSON 证据文件；工作簿请在表格中填写判断项", evidence.file)
    items = open_items(runner, evidence, as_of)
    by = by if by is not None else "、".join(evidence.inspection.get("inspectors") or [])
    summary = AskSummary()
    if items:
        say(f"{evidence.file}：{len(items)} 个判断项待回答。每项一行：是、否 或 不适用，可加“ | 说明”；"
            "空行跳过，q 结束。")
    for n, rule in enumerate(items):
        # answered meanwhile by another session: not asked again at a terminal; from a pipe the
        # item still takes its line (so later lines stay on their items) and add_answer keeps theirs
        if interactive and rule.id in current_answers(evidence.file):
            continue
        say(f"\n[{rule.id}] {rule.title}（{rule.source_text}）")
        if rule.check.get("guidance"):
            say(f"  判断要点：{rule.check['guidance']}")
        while True:
            say(f"  {rule.check['question']}（是/否/不适用）> ")
            line = read_line()
            if line == "":
                summary.ended, summary.not_asked = "eof", len(items) - n
                return summary
            if line.strip().lower() in STOP_WORDS:
                summary.ended, summary.not_asked = "quit", len(items) - n
                return summary
            try:
                reply = parse_reply(line)
            except BadReply as exc:
                say(f"  {exc}")
                if interactive:
                    continue
                say("  （非交互输入：本项跳过，以免后面的回答错位）")
                reply = None
            break
        if reply is None:
            summary.skipped.append(rule.id)
            continue
        answer, note = reply
        saved, notes = add_answer(evidence.file, rule.id,
                                  {"answer": answer, "note": note, "by": by, "at": date.today().isoformat()})
        for text in notes:
            say(f"  {text}")
        if saved:
            say(f"  已保存：{answer}" + (f"（{note}）" if note else ""))
            summary.saved.append(rule.id)
        else:
            summary.skipped.append(rule.id)
    return summary
