"""Save an inspector's answers to judgement items back into the evidence file.

Each answer is written as soon as it is given, by replacing the file atomically (yinhuan.atomic), so an interrupted `--ask` session loses nothing and resumes
where it stopped. In YAML files only the top-level `answers:` block is rewritten; the rest of the
file, comments included, is kept byte for byte. JSON files are rewritten as JSON.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from .atomic import write_bytes

_TOP_KEY = re.compile(r"^[^\s#-][^:]*:", re.M)


def answers_block(answers: dict) -> str:
    clean = {k: {kk: vv for kk, vv in v.items() if vv not in (None, "")} for k, v in answers.items()}
    return yaml.safe_dump({"answers": clean}, allow_unicode=True, sort_keys=False, default_flow_style=False)


def replace_answers(text: str, answers: dict) -> str:
    """Return the YAML text with its top-level answers block replaced (or appended)."""
    block = answers_block(answers)
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if re.match(r"^answers\s*:", ln)), None)
    if start is None:
        sep = "" if text.endswith("\n") or not text else "\n"
        return text + sep + block
    end = start + 1
    while end < len(lines) and not _TOP_KEY.match(lines[end]):
        end += 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def save_answer(path: str | Path, raw_answers: dict) -> None:
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        data["answers"] = raw_answers
        write_bytes(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        write_bytes(path, replace_answers(text, raw_answers))
