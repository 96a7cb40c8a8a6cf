"""Write the closed vocabulary into engine/schemas/evidence.schema.json (and docs/evidence.md).

Why generated: every value a rule compares with must be a value an evidence file can hold, so the
schema's enumerations are produced from the shipped rules and rules/vocabulary/evidence.yaml by
yinhuan.vocabulary.generate, and tests/test_vocabulary.py checks the committed schema equals its
output. Run after adding a rule value or editing the vocabulary file:

    python tools/evidence_vocabulary.py
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "engine" / "schemas" / "evidence.schema.json"


def render() -> str:
    """The schema text the generator gives for the repository's rules (one property a line where
    it fits, as the file is written by hand)."""
    from yinhuan.rulebook import load_rulebook
    from yinhuan.vocabulary import generate
    book = load_rulebook(ROOT / "rules", ROOT / "checklists")
    base = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return dumps(generate(base, book, ROOT / "rules")) + "\n"


def dumps(obj, indent: int = 0) -> str:
    """JSON as the schema is written by hand: a list of plain values, or a field whose parts are
    plain values, lists of them or small objects, on one line; anything larger nested."""
    if _inline(obj):
        return json.dumps(obj, ensure_ascii=False)
    pad = " " * (indent + 2)
    if isinstance(obj, list):
        return "[\n" + ",\n".join(pad + dumps(v, indent + 2) for v in obj) + "\n" + " " * indent + "]"
    items = [pad + json.dumps(k, ensure_ascii=False) + ": " + dumps(v, indent + 2) for k, v in obj.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"


def _plain(v) -> bool:
    return not isinstance(v, (dict, list))


def _inline(obj) -> bool:
    if _plain(obj) or not obj:
        return True
    if isinstance(obj, list):
        return all(_plain(v) for v in obj) or len(json.dumps(obj, ensure_ascii=False)) <= 100
    small = all(_plain(v) or (isinstance(v, list) and all(map(_plain, v)))
                or len(json.dumps(v, ensure_ascii=False)) <= 100 for v in obj.values())
    return small and len(json.dumps(obj, ensure_ascii=False)) <= 600


def _evidence_doc():
    spec = importlib.util.spec_from_file_location("evidence_doc", ROOT / "tools" / "evidence_doc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


if __name__ == "__main__":
    SCHEMA.write_text(render(), encoding="utf-8")
    doc = _evidence_doc()
    doc.DOC.write_text(doc.render(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA} and {doc.DOC}\n")
