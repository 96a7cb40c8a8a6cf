"""The fast YAML reader (yaml_rs) gives exactly what the line-tracking reader (libyaml + PyYAML's
YAML 1.1 resolver) gives, or leaves the file to it.

parse_text is what every evidence file goes through; parse_yaml is the reference. On every input
both must give the same data, or the same message with the same file and line."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from yinhuan import loader
from yinhuan.errors import InputError
from yinhuan.loader import parse_text, parse_yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
import generate  # noqa: E402


def outcome(fn, text):
    try:
        doc = fn(text)
    except InputError as exc:
        return ("error", exc.file, exc.line, exc.message)
    return ("data", repr(doc.data))


def same(text: str) -> None:
    for t in (text, text.replace("\n", "\r\n")):     # files saved on Windows end lines with CRLF
        fast = outcome(lambda t: parse_text(t, "x.yaml"), t)
        slow = outcome(lambda t: parse_yaml(t, "x.yaml"), t)
        assert fast == slow, t


# scalars on which YAML 1.1 and 1.2 (or PyYAML and yaml_rs) differ, or which only we refuse
TRICKY = ["yes", "No", "ON", "off", "y", "n", "true", "False", "TRUE", "~", "null", "NULL", "", "010", "0o10",
          "0x1F", "0b101", "1_000", "_1", "1:30", "190:20:30", "1e3", "1.0e3", "1.5e+3", "-.5", "+.5", ".5", "3.",
          ".inf", "-.Inf", ".NaN", "+.nan", "inf", "NaN", "=", "<<", "2023-06-06", "2023-06-06 10:00",
          "2023-06-06T10:00:00Z", "2023.06.06", "2023年6月6日", "12:30", "20230606", "1" * 120, "0", "-0", "+12",
          "00", "08", "1.2.3", "1-2", "._", "9137100000017715A6", "'yes'", '"010"', "!!str 1", "!!binary aGk=",
          "&a 1", "*a", "!foo x", "a b", "是", "x\u0085y", "\ufeffx", "\x07", '"\\u00e9"', '"\\x41"', "[yes, 010]",
          "{a: on}", "[1, 2]", "{1: x}", "- x", "a: b",
          ":0", ":", "-", "?", "?x", "- -", "-0a", "#x", "@x", "`x", "|x", ">x", "%x", "[]", "{}", "[:0]", "{a}",
          "'a''b'", '"a\\"', "a #b", "a#b", "a: #b"]

FORMS = ["a: {v}", "{v}: a", "- {v}", "a:\n  {v}", "a:\n  - {v}\n  - x", "a: [{v}]", "a: {{k: {v}}}", "{{{v}: 1}}",
         "- {v}: 1", "a: x\n  {v}", "a: 1\nb: {v}\nc: 3", "? {v}\n: 1", "a: # c\n  {v}", "- # c\n  {v}",
         "a:\n  # c\n\n  {v}"]


@pytest.mark.parametrize("form", FORMS)
def test_tricky_scalars_read_alike(form):
    for v in TRICKY:
        same(form.format(v=v))


def test_document_markers_tags_and_directives_read_alike():
    for text in ["---\na: 1", "a: 1\n---\nb: 2", "-  : 1", "- - : 1", "a: 1\n...\n", "%YAML 1.1\n---\na: yes", "a: &x 1\nb: *x",
                 "a: 1\na: 2", "<<: {a: 1}", "a: yes\rb: 010\r", "a: x\r\n  yes", "\ta: 1", "a:\n\t- b", "a: -x", "a: - x", "- - - x", "a:\n\tb: 1", "a: [1, 2", "\ufeffa: 1", "a: 'x\u2028y'"]:
        same(text)


def repo_yaml_files():
    skip = {".venv", ".git", "node_modules"}
    return sorted(p for p in REPO.rglob("*.y*ml") if not skip & set(p.parts))


def test_every_yaml_file_of_the_repository_reads_alike():
    files = repo_yaml_files()
    assert len(files) > 100
    for p in files:
        text = p.read_bytes().decode("utf-8-sig", "replace")
        if text.strip():
            same(text)


def test_generated_evidence_reads_alike_and_takes_the_fast_reader():
    gen = generate.Generator(None, 7)
    for i in range(60):
        data = gen.enterprise(i)
        text = yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
        same(text)
        assert loader._fast_yaml(text) is not None, f"enterprise {i} took the slow reader"


def test_a_rejected_fast_file_reports_the_line_of_the_field():
    """A file read by yaml_rs keeps no lines; an error found later re-reads it for the line."""
    text = "enterprise:\n  name: x\nrecords:\n  drills:\n    - id: d1\n      date: 2023-13-01\n"
    assert loader._fast_yaml(text) is not None
    doc = parse_text(text, "e.yaml")
    assert doc.line_of(("records", "drills", 0, "date")) == 6
    assert doc.line_of(("records", "drills", 0)) == 5


def test_deep_block_nesting_never_reaches_yaml_rs():
    """yaml_rs overflows the C stack past about 10,000 levels: such text goes to libyaml."""
    text = "- " * 30_000 + "x"
    with pytest.raises(InputError, match="嵌套过深"):
        parse_text(text, "deep.yaml")


scalar = st.sampled_from(TRICKY) | st.from_regex(r"[-+._0-9eExo:a-z?#\[\]{},'\" ]{1,6}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FORMS), scalar), min_size=1, max_size=4), st.randoms())
def test_random_documents_read_alike(parts, rnd):
    lines = []
    for i, (form, v) in enumerate(parts):
        text = form.format(v=v)
        lines.append(f"k{i}:\n" + "\n".join("  " + ln for ln in text.split("\n")) if rnd.random() < 0.5 else
                     f"k{i}: {v}")
    text = "\n".join(lines)
    for _ in range(rnd.randrange(3)):   # a comment, a tab, a lone CR or a blank line somewhere
        at = rnd.randrange(len(text) + 1)
        text = text[:at] + rnd.choice([" # c", "\n# c\n", "\t", "\r", "\n\n", " "]) + text[at:]
    same(text)


def test_a_panic_in_yaml_rs_leaves_the_file_to_libyaml(monkeypatch):
    """pyo3 raises a Rust panic as PanicException, a BaseException: it must not escape as a traceback."""
    class PanicException(BaseException):
        pass

    def panic(*a, **k):
        raise PanicException("boom")
    monkeypatch.setattr(loader._yaml_rs, "loads", panic)
    assert parse_text("a: 1\nb: [x]\n", "x.yaml").data == {"a": 1, "b": ["x"]}
    assert parse_text("a: 1\n", "x.yaml").data == {"a": 1}
