"""The fast validation gate (fastjsonschema) and the reference validator (jsonschema) agree on every
shipped evidence file and on systematic mutations of them, so a file the gate lets through is one
jsonschema accepts too."""
from __future__ import annotations

import copy
from pathlib import Path

import fastjsonschema
import pytest
from jsonschema import Draft202012Validator

from conftest import REPO
from yinhuan.loader import load_file
from yinhuan.resources import schema
from yinhuan.validate import fast_check

FILES = sorted((REPO / "examples").rglob("*.yaml"))
BAD_VALUES = (None, "x", -1, 1.5, True, [], {}, ["x"], "2023-13-01")


def evidence_files():
    return [f for f in FILES if isinstance(load_file(f).data, dict) and "enterprise" in load_file(f).data]


def mutations(data):
    """Each leaf replaced by wrong values, each key dropped, an unknown key added to each mapping."""
    def walk(node, path):
        if isinstance(node, dict):
            yield path, "add", "zz_unknown"
            for k, v in node.items():
                yield path + (k,), "drop", None
                yield from walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node[:3]):
                yield from walk(v, path + (i,))
        else:
            for bad in BAD_VALUES:
                yield path, "set", bad
    for path, how, value in walk(data, ()):
        d = copy.deepcopy(data)
        parent = d
        for p in path[:-1] if how != "add" else path:
            parent = parent[p]
        if how == "add":
            parent[value] = 1
        elif how == "drop":
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
        yield d


def agree(data) -> tuple[bool, bool]:
    ref = Draft202012Validator(schema("evidence")).is_valid(data)
    try:
        fast_check("evidence")(data)
        fast = True
    except Exception:
        fast = False
    return ref, fast


@pytest.mark.parametrize("path", evidence_files(), ids=lambda p: str(Path(p).relative_to(REPO)))
def test_gate_agrees_with_jsonschema(path):
    data = load_file(path).data
    checked = 0
    for d in [data, *mutations(data)]:
        ref, fast = agree(d)
        assert ref == fast, f"jsonschema says {ref}, fastjsonschema says {fast}"
        checked += 1
    assert checked > 50


def test_gate_builds_no_error_path_for_a_valid_file(monkeypatch):
    """The gate runs on every evidence file: descending into the ~100 answers and records of a valid
    one it must not word the path its error message would name (fastjsonschema's code did, with
    `.format(**locals())` per item; validate._gate_only passes the prefix down instead)."""
    import builtins
    gate = fast_check("evidence")
    data = load_file(REPO / "examples" / "enterprises" / "gm-steel-smelting.yaml").data
    assert data["answers"] and any(data["records"].values())

    def no_locals():
        raise AssertionError("the gate built an error path for a valid file")
    monkeypatch.setattr(builtins, "locals", no_locals)
    gate(data)
    bad = copy.deepcopy(data)
    next(iter(bad["answers"].values()))["answer"] = "也许"
    with pytest.raises(fastjsonschema.JsonSchemaException):      # still refused (its message comes from jsonschema)
        gate(bad)


def test_answer_dates_are_parsed_and_located():
    """Answers without `at` are taken as given (the fast path of evidence.from_document); an `at`
    is still read as a date, in any accepted spelling, and a bad one is refused with its line."""
    from datetime import date

    from yinhuan.errors import InputError
    from yinhuan.evidence import from_text
    head = "enterprise: {name: 某某公司, credit_code: 91371002MA3D5N7P1D, district: 环翠区, sector: 工贸}\nanswers:\n"
    ev = from_text(head + "  A: {answer: 是}\n  B: {answer: 否, at: 2023年6月6日, by: 甲}\n  C: {answer: 是, at: null}\n")
    assert ev.answers == {"A": {"answer": "是"}, "B": {"answer": "否", "at": date(2023, 6, 6), "by": "甲"},
                          "C": {"answer": "是", "at": None}}
    with pytest.raises(InputError) as bad:
        from_text(head + "  A: {answer: 是}\n  B: {answer: 否, at: 2023-13-45}\n", "e.yaml")
    assert bad.value.line == 4 and "e.yaml" in str(bad.value)
