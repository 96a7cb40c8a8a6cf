"""The loader's limits: hostile evidence is refused with one located message and exit 2, never a
traceback, a runaway allocation or an output file.

The fixtures are in tests/hostile/loader/ with the message each must produce (expected.yaml).
The large ones were written once by Python one-liners, e.g. ``"[" * 100_000`` and, for the alias
bomb, nine levels of nine aliases to the level below."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES
from yinhuan.errors import InputError
from yinhuan.evidence import load_evidence
from yinhuan.loader import load_file, parse_text

HOSTILE = Path(__file__).parent / "hostile" / "loader"
CASES = yaml.safe_load((HOSTILE / "expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_loader_refuses_with_file_line_and_message(case):
    path = HOSTILE / case["file"]
    with pytest.raises(InputError) as exc:
        load_file(path)
    assert exc.value.file == str(path)
    assert exc.value.line == case["line"]
    assert case["message"] in exc.value.message


def _cli(*args, cwd, limit_mb=None):
    """The installed command as users run it, optionally under an address-space limit."""
    def limit():
        if limit_mb:
            resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))
    cmd = [sys.executable, "-c", "from yinhuan.cli import main; main()", *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, preexec_fn=limit,
                          env=os.environ | {"YINHUAN_CACHE_DIR": str(Path(cwd) / "cache")})


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_check_exits_2_with_one_message_and_no_output(tmp_path, case):
    path = HOSTILE / case["file"]
    out = tmp_path / "findings.json"
    # 1 GB of address space is far below what the alias bomb or deep nesting took before the limits
    r = _cli("check", "--checklist", "gongmao-2023", "--format", "json", "--out", out, path,
             cwd=tmp_path, limit_mb=1024)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("错误：")]
    assert len(errors) == 1, r.stderr
    assert f"{path}:{case['line']}:" in errors[0] and case["message"] in errors[0]
    assert not out.exists()


def test_file_size_limit_and_option(tmp_path):
    src = EXAMPLES / "gm-machinery.yaml"
    size = src.stat().st_size
    out = tmp_path / "f.json"
    r = _cli("check", "--checklist", "gongmao-2023", "--format", "json", "--max-file-size", f"{size - 1}",
             "--out", out, src, cwd=tmp_path)
    assert r.returncode == 2 and "文件过大" in r.stderr and "--max-file-size" in r.stderr and str(src) in r.stderr
    assert not out.exists()
    r = _cli("check", "--checklist", "gongmao-2023", "--format", "json", "--max-file-size", f"{size}",
             "--out", out, src, cwd=tmp_path)
    assert r.returncode in (0, 1) and out.exists(), r.stderr


def test_default_size_limit_is_20_mb(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"enterprise:\n  note: " + b"x" * (20 * 1024 * 1024) + b"\n")
    with pytest.raises(InputError, match="文件过大.*上限为 20 MB"):
        load_file(big)


def test_fast_json_reader_gives_the_same_data_and_lines_as_yaml(tmp_path):
    """JSON is read by json.loads; its lines, worked out only when asked for, are the YAML reader's."""
    text = '{\n  "a": 1,\n  "b": [\n    {"x": "2023-06-06"},\n    {"y": null}\n  ]\n}\n'
    fast, slow = parse_text(text, "f.json"), load_file_as_yaml(text)
    assert fast.data == slow.data
    assert fast.line_of(("b", 1, "y")) == 5 == slow.line_of(("b", 1, "y"))


def load_file_as_yaml(text):
    from yinhuan.loader import parse_yaml
    return parse_yaml(text, "f.json")


def test_schema_error_in_a_json_file_is_located(tmp_path):
    ev = load_file(EXAMPLES / "gm-machinery.yaml").data
    ev["records"]["drills"][0]["date"] = 20230606
    import json
    p = tmp_path / "e.json"
    p.write_text(json.dumps(ev, ensure_ascii=False, indent=2), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_evidence(p)
    want = json.dumps(ev, ensure_ascii=False, indent=2).splitlines().index('        "date": 20230606,') + 1
    assert exc.value.line == want and exc.value.field == "records.drills[0].date"


def test_rule_authors_may_use_anchors_within_a_budget(tmp_path):
    assert parse_text("a: &x [1, 2]\nb: *x\n", "r.yaml", aliases=True).data == {"a": [1, 2], "b": [1, 2]}
    bomb = (HOSTILE / "alias-bomb.yaml").read_text(encoding="utf-8")
    with pytest.raises(InputError, match="别名引用过多"):
        parse_text(bomb, "r.yaml", aliases=True)
