"""Where the shipped data lives: rules, checklists, schemas, examples, report layouts.

They are package data of `yinhuan` (mapped from the repository's top-level folders in
pyproject.toml), so `yinhuan` finds them from any folder after `pip install .`.
"""
from __future__ import annotations

import importlib
import json
from functools import lru_cache
from pathlib import Path

SCHEMAS = Path(__file__).parent / "schemas"


def _dir(package: str) -> Path:
    return Path(importlib.import_module(package).__file__).parent


def rules_dir() -> Path:
    return _dir("yinhuan.rules")


def checklists_dir() -> Path:
    return _dir("yinhuan.checklists")


def examples_dir() -> Path:
    return _dir("yinhuan.examples")


def reports_dir() -> Path:
    return _dir("yinhuan.reports")


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """A JSON Schema shipped in yinhuan/schemas, by short name: evidence, rule, checklist, ..."""
    path = SCHEMAS / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))
