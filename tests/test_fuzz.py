"""Property-based fuzzing of the CLI over mutated copies of the bundled examples (issue 12).

Hypothesis mutates the evidence, ledger, activity and findings files of examples/ and some shipped
rules — bytes flipped, slices cut or repeated, hostile strings (NUL, lone surrogates, formulas, alias
bombs, deep brackets, 5,000-digit numbers, dates out of range, lone CRs) spliced in — and runs the
command a user would run on such a file (check, tally, ledger check/export, rules lint). Whatever
the file, the CLI must:

- exit 0, 1 or 2, never with a traceback (an exception escaping the command);
- on exit 2, leave no output file behind (outputs are written whole or not at all).

Most examples run in-process (click's CliRunner: the rulebook is compiled once); a few run as
real subprocesses of the installed `yinhuan` with an address-space limit, for bounded memory.
Deterministic (derandomize) and bounded (max_examples), so the suite stays fast.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

hypothesis = pytest.importorskip("hypothesis", reason="pip install -e '.[test]' (hypothesis)")
from hypothesis import HealthCheck, Phase, given, settings, strategies as st  # noqa: E402

from yinhuan.cli import main  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BUREAU = REPO / "examples" / "bureau"
EVIDENCE = sorted((BUREAU / "evidence").glob("*.yaml")) + sorted((REPO / "examples" / "enterprises").glob("*.yaml"))
ACTIVITY = [BUREAU / "activity-gongmao.yaml", BUREAU / "activity-mine.csv"]
FINDINGS = [BUREAU / "findings-gongmao-2023-06.json", BUREAU / "findings-mine-2023-06.json"]
GM_EVIDENCE = sorted((BUREAU / "evidence").glob("gm-*.yaml"))

HOSTILE = ["\x00", "\x1b[31m", "\\ud800", '"\\ud800"', "\ud800", "=HYPERLINK(\"http://x\"&A1,\"点击查看\")",
           "+cmd|' /C calc'!A0", "@SUM(1)", "\r", "\r\n", "\t", "&a [*a, *a, *a]", "*a", "!!python/object:os.system",
           "[" * 2000, "{" * 2000, "9" * 5000, "-" + "9" * 5000, "1e999", "0000-01-01", "9999-12-31", "1899-12-31",
           "1979-12-31", "2023-02-30", "10000-01-01", "\ufeff", "\u2028", "\x85", "…", "...\n", "---\n", "~", "null",
           "\"", "'", "#", ": ", "- ", "? ", "|\n", ">\n", "\\", "%", "\U0001F600", "A" * 140_000]


@st.composite
def mutated(draw, sources):
    """(name, bytes): one example file with one to three mutations."""
    src = draw(st.sampled_from(sources))
    data = bytearray(src.read_bytes())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["splice", "splice", "replace", "flip", "cut", "repeat", "truncate"]))
        if kind in ("splice", "replace"):
            text = draw(st.sampled_from(HOSTILE) | st.text(max_size=8)).encode("utf-8", "surrogatepass")
            end = at + (draw(st.integers(0, 16)) if kind == "replace" else 0)
            data[at:end] = text
        elif kind == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at:at + draw(st.integers(1, 200))]
        elif kind == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 300))] * draw(st.integers(2, 50))
        else:
            del data[at:]
    return src.name, bytes(data)


def run(argv: list[str]):
    result = CliRunner().invoke(main, [str(a) for a in argv])
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        import traceback
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        pytest.fail(f"traceback for {argv}:\n{tb}")
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.output)
    return result.exit_code, result.output


def outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# no shrinking: a failure is reported with the mutated file as drawn (shrinking a CLI run can take minutes).
# YINHUAN_FUZZ=N runs N times as many examples, with fresh random ones (to hunt, not in the suite).
SCALE = int(os.environ.get("YINHUAN_FUZZ", "1"))
FUZZ = settings(max_examples=30 * SCALE, derandomize=SCALE == 1, deadline=None, database=None, print_blob=True,
                phases=(Phase.explicit, Phase.generate),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


@FUZZ
@given(case=mutated(EVIDENCE))
def test_check_survives_mutated_evidence(case, tmp_path_factory):
    name, data = case
    work = tmp_path_factory.mktemp("check")
    path = work / name
    path.write_bytes(data)
    out = work / "out"
    code, msg = run(["check", "--checklist", "gongmao-full-2023" if name.startswith(("gm", "crit")) else
                     "mine-full-2023", "--format", "json", "--out", out / "f.json", "--ledger-out", out / "h.yaml", path])
    if code == 2:
        assert outputs(out) == [], msg
        assert msg.startswith("错误：") or "Error" in msg, msg


@settings(FUZZ, max_examples=15 * SCALE)
@given(case=mutated(ACTIVITY + FINDINGS + GM_EVIDENCE))
def test_tally_survives_a_mutated_input(case, tmp_path_factory):
    name, data = case
    work = tmp_path_factory.mktemp("tally")
    bad = work / name
    bad.write_bytes(data)
    sector = "mine" if "mine" in name else "gongmao"
    inputs = [bad if p.name == name else p for p in
              ([BUREAU / f"activity-{sector}.{'csv' if sector == 'mine' else 'yaml'}",
                BUREAU / f"findings-{sector}-2023-06.json"] + sorted((BUREAU / "evidence").glob(f"{sector[:2]}*.yaml")))]
    if bad not in inputs:
        inputs.append(bad)
    out = work / "out"
    code, msg = run(["tally", "--checklist", f"{sector}-2023", "--period", "2023-06", "--out", out, *inputs])
    if code == 2:
        assert outputs(out) == [], msg


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ledgers")
    for name in ("ledger.csv", "ledger.xlsx"):
        code, msg = run(["ledger", "export", "--out", folder / name, *GM_EVIDENCE])
        assert code == 0, msg
    return [folder / "ledger.csv", folder / "ledger.xlsx"]


@settings(FUZZ, max_examples=20 * SCALE)
@given(data=st.data())
def test_ledger_check_and_export_survive_mutation(data, ledgers, tmp_path_factory):
    name, raw = data.draw(mutated(ledgers + GM_EVIDENCE))
    work = tmp_path_factory.mktemp("ledger")
    path = work / name
    path.write_bytes(raw)
    run(["ledger", "check", "--as-of", "2023-07-01", path])
    if name.endswith(".yaml"):
        out = work / "out"
        code, msg = run(["ledger", "export", "--out", out / "l.xlsx", path])
        if code == 2:
            assert outputs(out) == [], msg


# ---- a few as real processes, with bounded memory ------------------------------------------------

LIMIT = 2 * 1024 ** 3  # address space: a bomb that gets past the bounds dies instead of eating the machine


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _yinhuan(*argv, cwd):
    exe = Path(sys.executable).with_name("yinhuan")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "yinhuan.cli"]
    return subprocess.run(cmd + [str(a) for a in argv], capture_output=True, text=True, cwd=cwd,
                          preexec_fn=_limit, timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})


@settings(FUZZ, max_examples=4 * SCALE)
@given(case=mutated(EVIDENCE[:3] + ACTIVITY))
def test_installed_cli_in_a_memory_limited_process(case, tmp_path_factory):
    name, data = case
    work = tmp_path_factory.mktemp("proc")
    (work / name).write_bytes(data)
    if name.endswith(".csv") or name.startswith("activity"):
        argv = ["tally", "--checklist", "mine-2023" if "mine" in name else "gongmao-2023", "--period", "2023-06",
                "--out", work / "out", work / name, FINDINGS[1] if "mine" in name else FINDINGS[0]]
    else:
        argv = ["check", "--checklist", "gongmao-2023" if name.startswith("gm") else "mine-2023",
                "--out", work / "out" / "r.txt", work / name]
    p = _yinhuan(*argv, cwd=work)
    assert p.returncode in (0, 1, 2), p.stderr
    assert "Traceback" not in p.stderr and "MemoryError" not in p.stderr, p.stderr
    if p.returncode == 2:
        assert outputs(work / "out") == [], p.stderr


RULES = sorted((REPO / "rules").rglob("*.yaml"))[::10]   # a spread of the shipped rules (every tenth file)


@settings(FUZZ, max_examples=10 * SCALE)
@given(case=mutated(RULES))
def test_rules_lint_survives_a_mutated_rule(case, tmp_path_factory):
    """Rule authors' files are input too: lint answers 0 or 2 with messages, never a traceback."""
    name, data = case
    work = tmp_path_factory.mktemp("rule")
    (work / name).write_bytes(data)
    code, msg = run(["rules", "lint", work / name])
    assert code in (0, 2), msg
