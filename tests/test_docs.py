"""The format documentation is generated from the schema that validates the files, and must match it
(run `python tools/evidence_doc.py` and `python tools/observations_doc.py` after editing the schema)."""
from __future__ import annotations

import importlib.util

from conftest import REPO


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_evidence_doc_matches_schema():
    assert (REPO / "docs" / "evidence.md").read_text(encoding="utf-8") == _tool("evidence_doc").render()


def test_observations_doc_matches_schema():
    assert (REPO / "docs" / "observations.md").read_text(encoding="utf-8") == _tool("observations_doc").render()
