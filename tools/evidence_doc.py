"""Write the field tables of docs/evidence.md from engine/schemas/evidence.schema.json.

Why generated: the schema is what validates evidence files, so the documented fields are read
from it and cannot drift from it (tests/test_docs.py checks). Run after editing the schema:

    python tools/evidence_doc.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "evidence.md"
MARK = "## Fields"
SECTIONS = ("enterprise", "inspection", "document", "meeting", "self_inspection", "training", "drill",
            "permit", "worker", "contractor", "equipment", "hazard", "five_in_place", "answer")


def _type(p: dict) -> str:
    if "$ref" in p:
        return p["$ref"].split("/")[-1]
    if "enum" in p:
        return " / ".join(map(str, p["enum"]))
    t = p.get("type", "any")
    return t if isinstance(t, str) else "/".join(t)


def fields_markdown() -> str:
    defs = json.loads((ROOT / "engine" / "schemas" / "evidence.schema.json").read_text(encoding="utf-8"))["$defs"]
    out = [MARK, "", "<!-- 以下由 tools/evidence_doc.py 依 engine/schemas/evidence.schema.json 生成，请勿手改。 -->"]
    for name in SECTIONS:
        d = defs[name]
        required = set(d.get("required", []))
        out += ["", f"### {name}", "", "| field | type | 说明 |", "|---|---|---|"]
        for key, prop in d["properties"].items():
            desc = prop.get("description", "").replace("|", "\\|")
            out.append(f"| `{key}`{' *' if key in required else ''} | {_type(prop)} | {desc} |")
            for sub, sp in (prop.get("properties") or {}).items():  # inline objects such as flags
                sdesc = sp.get("description", "").replace("|", "\\|")
                out.append(f"| `{key}.{sub}` | {_type(sp)} | {sdesc} |")
    out += ["", "`*` required. Observation kinds: [observations.md](observations.md).", ""]
    out += vocabulary_markdown()
    return "\n".join(out)


def vocabulary_markdown() -> list[str]:
    """The closed vocabulary (`x-vocabulary`, written by tools/evidence_vocabulary.py)."""
    vocab = json.loads((ROOT / "engine" / "schemas" / "evidence.schema.json").read_text(encoding="utf-8")).get(
        "x-vocabulary", {})
    out = ["## Vocabulary", "", "<!-- 由 rules/vocabulary/evidence.yaml 与规则比较的值生成（tools/evidence_vocabulary.py）。 -->",
           "", "| field | 名称 | values | aliases（别名 → 值） |", "|---|---|---|---|"]
    for key, v in vocab.items():
        aliases = "；".join(f"{a} → {b}" for a, b in v.get("aliases", {}).items())
        out.append(f"| `{key}` | {v['label']} | {'、'.join(v['values'])} | {aliases} |")
    return out + [""]


def render() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[: text.index(MARK)] + fields_markdown()


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
