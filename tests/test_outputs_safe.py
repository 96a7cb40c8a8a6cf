"""Outputs never replace an input, and the atomic writer's temporary files do not outlive it (issue 12)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from yinhuan import atomic
from yinhuan.cli import main
from yinhuan.errors import InputError

from bureau_helpers import BUREAU, GM_INPUTS

REPO = Path(__file__).resolve().parent.parent
EVIDENCE = REPO / "examples" / "enterprises" / "gm-machinery.yaml"


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def evidence(tmp_path):
    return Path(shutil.copy(EVIDENCE, tmp_path / "f.yaml"))


@pytest.mark.parametrize("spelling", ["same", "dot", "hardlink"])
def test_check_out_over_its_evidence_is_refused(evidence, spelling, monkeypatch):
    monkeypatch.chdir(evidence.parent)
    before = evidence.read_bytes()
    out = {"same": "f.yaml", "dot": "./sub/../f.yaml", "hardlink": "g.yaml"}[spelling]
    (evidence.parent / "sub").mkdir()
    if spelling == "hardlink":
        os.link(evidence, evidence.parent / "g.yaml")
    code, msg = invoke("check", "--checklist", "gongmao-2023", "--out", out, "f.yaml")
    assert code == 2, msg
    assert "输出文件就是输入文件 f.yaml，拒绝覆盖输入" in msg and "--out" in msg
    assert evidence.read_bytes() == before


def test_check_ledger_out_over_its_evidence_is_refused_and_nothing_written(evidence, tmp_path):
    before = evidence.read_bytes()
    code, msg = invoke("check", "--checklist", "gongmao-full-2023", "--ledger-out", evidence,
                       "--out", tmp_path / "findings.txt", evidence)
    assert code == 2 and "拒绝覆盖输入" in msg and "--ledger-out" in msg, msg
    assert evidence.read_bytes() == before and not (tmp_path / "findings.txt").exists()


def test_check_bad_ledger_out_stops_before_out_is_written(evidence, tmp_path):
    other = Path(shutil.copy(EVIDENCE, tmp_path / "g.yaml"))
    code, msg = invoke("check", "--checklist", "gongmao-full-2023", "--ledger-out", tmp_path / "h.yaml",
                       "--out", tmp_path / "findings.txt", evidence, other)
    assert code == 2 and "--ledger-out 应为目录" in msg, msg
    assert not (tmp_path / "findings.txt").exists() and not (tmp_path / "h.yaml").exists()


def test_check_out_elsewhere_still_writes(evidence, tmp_path):
    code, msg = invoke("check", "--checklist", "gongmao-2023", "--out", tmp_path / "r.txt", evidence)
    assert code in (0, 1), msg
    assert (tmp_path / "r.txt").read_text(encoding="utf-8").strip()


def test_tally_will_not_write_over_a_findings_file_it_reads(tmp_path):
    inputs = [tmp_path / p.name for p in GM_INPUTS[:2]] + GM_INPUTS[2:]
    for src, dst in zip(GM_INPUTS[:2], inputs):
        shutil.copy(src, dst)
    clash = tmp_path / "gongmao-2023-2023-06.json"
    inputs[1].rename(clash)
    inputs[1] = clash
    before = clash.read_bytes()
    code, msg = invoke("tally", "--checklist", "gongmao-2023", "--period", "2023-06", "--out", tmp_path, *inputs)
    assert code == 2 and "拒绝覆盖输入" in msg, msg
    assert clash.read_bytes() == before
    assert not (tmp_path / "gongmao-2023-2023-06.xlsx").exists()  # nothing of the set was written


def test_ledger_export_will_not_write_over_its_evidence(tmp_path):
    src = tmp_path / "e.yaml"
    shutil.copy(sorted((BUREAU / "evidence").glob("gm-*.yaml"))[0], src)
    os.link(src, tmp_path / "e.csv")
    code, msg = invoke("ledger", "export", "--out", tmp_path / "e.csv", src)
    assert code == 2 and "拒绝覆盖输入" in msg, msg


def test_refuse_inputs_allows_other_files(tmp_path):
    atomic.refuse_inputs([tmp_path / "a.json"], [tmp_path / "b.json"])
    with pytest.raises(InputError):
        atomic.refuse_inputs([tmp_path / "x" / ".." / "b.json"], [tmp_path / "b.json"])


# ---- temporary files ----------------------------------------------------------------------------

CHILD = textwrap.dedent("""
    import os, sys, time
    from yinhuan import atomic
    real = os.fsync
    def slow(fd):
        print("staged", flush=True)
        time.sleep(60)
    atomic.os.fsync = slow
    atomic.write_all({sys.argv[1]: b"x" * 100000})
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_killed_mid_write_leaves_no_temporary_file(tmp_path, sig):
    target = tmp_path / "big.json"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(target)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "staged"
    assert [p.name for p in tmp_path.iterdir() if atomic.is_temporary(p)]  # it is there mid-write
    child.send_signal(sig)
    _, err = child.communicate(timeout=60)
    assert child.returncode != 0
    assert list(tmp_path.iterdir()) == [], err


STREAM_CHILD = textwrap.dedent("""
    import sys, time
    from yinhuan import atomic
    f = atomic.AtomicFile(sys.argv[1])      # how check streams --out (engine/batch.py)
    f.write("first result")
    try:
        print("open", flush=True)
        time.sleep(60)
    except BaseException:
        f.discard()
        raise
""")


def test_streamed_output_killed_mid_run_leaves_no_temporary_file(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", STREAM_CHILD, str(tmp_path / "findings.json")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "open"
    assert [p for p in tmp_path.iterdir() if atomic.is_temporary(p)]
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == [], err


def test_stale_temporary_files_of_dead_processes_are_swept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".out.json.{dead_pid}.abcd1234.tmp"
    live = tmp_path / f".out.json.{os.getpid()}.efgh5678.tmp"
    other = tmp_path / f".other.json.{dead_pid}.abcd1234.tmp"
    old_style = tmp_path / ".out.json.k2j4h5g6.tmp"
    for p in (stale, live, other, old_style):
        p.write_text("half")
    os.utime(old_style, (0, 0))
    atomic.write_all({tmp_path / "out.json": "{}"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "out.json"])
    assert atomic.is_temporary(stale) and not atomic.is_temporary(tmp_path / "out.json")


# ---- dates out of range ----------------------------------------------------------------------

def test_period_before_year_one_is_refused_naming_the_range(tmp_path):
    code, msg = invoke("tally", "--checklist", "gongmao-2023", "--period", "0000-01", "--out", tmp_path / "o", *GM_INPUTS)
    assert code == 2 and "月份 “0000-01” 超出可处理的范围（0001-01 至 9999-12）" in msg, msg
    assert not (tmp_path / "o").exists()
    code, msg = invoke("ledger", "export", "--period", "0000-01", *GM_INPUTS[2:])
    assert code == 2 and "超出可处理的范围" in msg, msg


def test_dates_outside_the_zip_range_are_written_exactly(tmp_path):
    import zipfile
    from openpyxl import load_workbook
    for filed, zipped in (("1979-12-31", (1980, 1, 1)), ("9999-12-31", (2107, 12, 31)), ("0001-01-01", (1980, 1, 1))):
        out = tmp_path / filed
        code, msg = invoke("tally", "--checklist", "gongmao-2023", "--period", "2023-06", "--filed-on", filed,
                           "--format", "xlsx", "--out", out, *GM_INPUTS)
        assert code == 0, msg
        book = out / "gongmao-2023-2023-06.xlsx"
        with zipfile.ZipFile(book) as z:
            assert {i.date_time[:3] for i in z.infolist()} == {zipped}
        y, m, d = (int(x) for x in filed.split("-"))
        texts = [c for row in load_workbook(book).worksheets[0].iter_rows(values_only=True) for c in row if c]
        assert any(f"填报时间：{y}年{m}月{d}日" in str(t) for t in texts), filed
    code, msg = invoke("ledger", "export", "--period", "9999-12", "--cumulative", "--out", tmp_path / "l.xlsx",
                       *GM_INPUTS[2:])
    assert code == 0, msg


def test_hazard_found_in_1899_gives_messages_not_tracebacks(tmp_path):
    src = sorted((BUREAU / "evidence").glob("gm-*.yaml"))[0]
    old = tmp_path / "old.yaml"
    old.write_text(src.read_text(encoding="utf-8").replace("found_on: 2023-05-28", "found_on: 1899-05-28"),
                   encoding="utf-8")
    # the 判定依据 cannot apply before the standard took effect: refused, naming the record
    code, msg = invoke("ledger", "export", "--out", tmp_path / "l.xlsx", old)
    assert code == 2 and "records.hazards[0]" in msg and "施行日期" in msg, msg
    assert not (tmp_path / "l.xlsx").exists()
    # a ledger workbook that says 1899 is read and checked row by row
    from openpyxl import load_workbook
    assert invoke("ledger", "export", "--out", tmp_path / "good.xlsx", src)[0] == 0
    wb = load_workbook(tmp_path / "good.xlsx")
    ws = wb.worksheets[0]
    col = [c.value for c in ws[5]].index("发现时间") + 1
    ws.cell(row=6, column=col).value = "1899.05.28"
    wb.save(tmp_path / "old.xlsx")
    code, msg = invoke("ledger", "check", "--as-of", "2023-07-01", tmp_path / "old.xlsx")
    assert code == 1 and "施行日期" in msg and "共 2 条隐患" in msg, msg


def test_year_zero_and_five_digit_years_are_bad_dates():
    from yinhuan.dates import BadDate, parse_date, periods_overlapping
    from datetime import date
    with pytest.raises(BadDate, match="超出可处理的范围（0001-01-01 至 9999-12-31）"):
        parse_date("0000-12-31")
    assert periods_overlapping(date(9999, 11, 1), date.max, "quarter")[-1].end == date.max
