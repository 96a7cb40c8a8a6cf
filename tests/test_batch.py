"""`yinhuan check` over many files: streamed, parallel and one-file runs give the same bytes; bad
files are each reported while the good ones are checked; the compiled rulebook is cached on disk
and never served stale."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES, GOOD_RULE, write_rules
from yinhuan import cache
from yinhuan.cli import main
from yinhuan.findings import joined

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Twelve generated 工贸 enterprises, half JSON, half YAML, plus two bundled examples."""
    d = tmp_path_factory.mktemp("ev")
    out = []
    for i, data in enumerate(generate.generate(12, sector="工贸", seed=7)):
        if i % 2:
            p = d / f"e{i:02d}.yaml"
            p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        else:
            p = d / f"e{i:02d}.json"
            p.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        out.append(p)
    return out + [EXAMPLES / "gm-machinery.yaml", EXAMPLES / "gm-steel-smelting.yaml"]


def run(tmp_path, name, *args):
    out = tmp_path / name
    r = invoke("check", "--checklist", "gongmao-2023", "--out", out, *args)
    assert r.exit_code in (0, 1), r.output
    return out.read_bytes()


def test_streamed_and_parallel_runs_give_the_one_file_bytes(tmp_path, files):
    one = [run(tmp_path, f"one{i}.json", "--format", "json", f).splitlines()[1] for i, f in enumerate(files)]
    serial = run(tmp_path, "serial.json", "--format", "json", "--jobs", "1", *files)
    parallel = run(tmp_path, "parallel.json", "--format", "json", "--jobs", "2", *files)
    assert serial == parallel
    lines = serial.splitlines()
    assert [line.rstrip(b",") for line in lines[1:1 + len(files)]] == one
    doc = json.loads(serial)
    assert [r["file"] for r in doc["results"]] == [str(f) for f in files]
    assert doc["summary"]["checked"] == len(files) and doc["summary"]["rejected"] == 0
    assert b"\n  " not in serial   # compact unless --indent
    # jsonl: a first line with each rule's fixed fields, then one result per line whose findings
    # leave those out; put back, each line is the one-file run's result, byte for byte
    jsonl = run(tmp_path, "p.jsonl", "--format", "jsonl", "--jobs", "2", *files)
    assert jsonl == run(tmp_path, "s.jsonl", "--format", "jsonl", "--jobs", "1", *files)
    head, *rows = [json.loads(x) for x in jsonl.splitlines()]
    assert head["yinhuan_rules"] == 1 and head["rulebook_version"] == doc["rulebook_version"]
    assert len(rows) == len(files)
    for row, piece in zip(rows, one):
        assert row.pop("yinhuan_result") == 1 and row.pop("checklist") == "gongmao-2023"
        assert row.pop("engine") == "native" and row.pop("rulebook_version") == doc["rulebook_version"]
        assert not {"title", "source_text", "remedy"} & set(row["findings"][0])
        row["findings"] = [joined(f, head["rules"][f["rule"]]) for f in row["findings"]]
        assert json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() == piece
    # the table is the same whatever the number of workers
    assert run(tmp_path, "t1.txt", "--jobs", "1", *files) == run(tmp_path, "t2.txt", "--jobs", "2", *files)


def test_indent_on_request(tmp_path):
    out = run(tmp_path, "i.json", "--format", "json", "--indent", "2", EXAMPLES / "gm-machinery.yaml")
    assert b'\n  "file"' in out and json.loads(out)["results"][0]["file"].endswith("gm-machinery.yaml")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_reports_every_bad_file_and_checks_the_good_ones(tmp_path, files, jobs):
    bad1, bad2 = tmp_path / "bad1.yaml", tmp_path / "bad2.json"
    bad1.write_text("enterprise: {}\n", encoding="utf-8")
    bad2.write_text('{"a": ' * 200 + '1' + '}' * 200, encoding="utf-8")
    inputs = [files[0], bad1, files[1], bad2, files[2]]
    out = tmp_path / "out.json"
    r = invoke("check", "--checklist", "gongmao-2023", "--format", "json", "--jobs", jobs, "--out", out, *inputs)
    assert r.exit_code == 2
    errors = [x for x in r.output.splitlines() if x.startswith("错误：")]
    assert len(errors) == 2 and str(bad1) in errors[0] and f"{bad2}:1:" in errors[1] and "嵌套过深" in errors[1]
    summary = r.output.splitlines()[-1]
    assert "共 5 个文件：检查 3 家企业" in summary and "拒绝 2 个文件" in summary
    assert not out.exists()   # exit 2: no output file
    r = invoke("check", "--checklist", "gongmao-2023", "--format", "json", "--jobs", jobs, "--skip-bad",
               "--out", out, *inputs)
    assert r.exit_code in (0, 1)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [x["file"] for x in doc["results"]] == [str(files[i]) for i in range(3)]
    assert [x["file"] for x in doc["rejected"]] == [str(bad1), str(bad2)]


def test_quiet_and_no_progress_when_not_a_terminal(tmp_path, files):
    r = invoke("check", "--checklist", "gongmao-2023", "--format", "jsonl", "--out", tmp_path / "o", *files[:3])
    assert "\r" not in r.output and r.output.count("\n") == 2 and "共 3 个文件" in r.output and "已写入" in r.output
    r = invoke("check", "--checklist", "gongmao-2023", "--format", "jsonl", "--quiet", "--out", tmp_path / "o", *files[:3])
    assert r.output == ""


def test_findings_carry_the_rulebook_version(tmp_path):
    doc = json.loads(run(tmp_path, "v.json", "--format", "json", EXAMPLES / "gm-machinery.yaml"))
    from yinhuan.rulebook import shipped_rulebook
    from yinhuan.rulebook_choice import rulebook_digest
    assert doc["rulebook_version"] == doc["rulebook"]["digest"] == rulebook_digest(shipped_rulebook())
    assert doc["rulebook_version"] == shipped_rulebook().version and doc["rulebook_version"].startswith("sha256:")


def test_cache_is_used_and_invalidated_when_a_rule_file_changes(tmp_path, monkeypatch):
    from yinhuan import rulebook
    monkeypatch.setenv("YINHUAN_CACHE_DIR", str(tmp_path / "cache"))
    rules, checklists = write_rules(tmp_path, {"r1": GOOD_RULE})
    book = rulebook.cached_rulebook(rules, checklists)
    title = book.rules["FX-GOOD"].title

    def must_not_load(*a, **k):
        raise AssertionError("the rulebook should have come from the cache")
    monkeypatch.setattr(rulebook, "load_rulebook", must_not_load)
    again = rulebook.cached_rulebook(rules, checklists)
    assert again.rules["FX-GOOD"].title == title and again.version == book.version
    monkeypatch.undo()
    monkeypatch.setenv("YINHUAN_CACHE_DIR", str(tmp_path / "cache"))

    rule_file = rules / "r1.yaml"
    rule_file.write_text(rule_file.read_text(encoding="utf-8").replace(title, "改过的标题"), encoding="utf-8")
    edited = rulebook.cached_rulebook(rules, checklists)
    assert edited.rules["FX-GOOD"].title == "改过的标题"
    assert edited.version != book.version
    # a corrupt entry is rebuilt, not trusted
    for p in (tmp_path / "cache").iterdir():
        p.write_bytes(b"not a pickle")
    assert rulebook.cached_rulebook(rules, checklists).rules["FX-GOOD"].title == "改过的标题"


def test_help_lists_every_command_without_importing_them():
    import subprocess
    code = ("import sys; from yinhuan.cli import main\n"
            "try: main(['--help'])\nexcept SystemExit: pass\n"
            "print('openpyxl' in sys.modules, 'yinhuan.reports.cli' in sys.modules, 'jsonschema' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "tally" in r.stdout and "ledger" in r.stdout and "check" in r.stdout
    assert r.stdout.strip().endswith("False False False")
    assert invoke("tally", "--help").exit_code == 0


def test_tally_reads_streamed_findings_as_it_reads_a_whole_document(tmp_path):
    """jsonl, the streamed json and an indented json (read whole) give the same tables."""
    bureau = ROOT / "examples" / "bureau"
    evidence = sorted((bureau / "evidence").glob("gm-*.yaml"))
    tables = []
    for name, args in (("f.jsonl", ["--format", "jsonl"]), ("f.json", ["--format", "json"]),
                       ("indented.json", ["--format", "json", "--indent", "2"])):
        run(tmp_path, name, *args, *evidence)
        out = tmp_path / f"out-{name}"
        r = invoke("tally", "--checklist", "gongmao-2023", "--period", "2023-06", "--format", "json", "--out", out,
                   bureau / "activity-gongmao.yaml", tmp_path / name)
        assert r.exit_code == 0, r.output
        tables.append(json.loads(next(out.glob("*.json")).read_text(encoding="utf-8")))
    assert tables[0] == tables[1] == tables[2]
    assert any(isinstance(v, int) and v > 0 for v in _values(tables[0]))


def _values(x):
    if isinstance(x, dict):
        for v in x.values():
            yield from _values(v)
    elif isinstance(x, list):
        for v in x:
            yield from _values(v)
    else:
        yield x


def test_a_bad_line_of_a_streamed_findings_file_is_located(tmp_path):
    findings = tmp_path / "f.jsonl"
    run(tmp_path, "f.jsonl", "--format", "jsonl", EXAMPLES / "gm-machinery.yaml", EXAMPLES / "gm-steel-smelting.yaml")
    lines = findings.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[2])      # line 1: the rules' fixed fields; 2 and 3: the results
    row["findings"][0]["status"] = "合格"
    findings.write_text("\n".join(lines[:2] + [json.dumps(row, ensure_ascii=False)]) + "\n", encoding="utf-8")
    r = invoke("tally", "--checklist", "gongmao-2023", "--period", "2023-06", "--out", tmp_path / "o",
               ROOT / "examples" / "bureau" / "activity-gongmao.yaml", findings)
    assert r.exit_code == 2 and f"{findings}:3:" in r.output and "results[1].findings[0].status" in r.output


def test_a_folder_stands_for_its_evidence_files(tmp_path, files):
    folder = files[0].parent
    by_folder = run(tmp_path, "d.jsonl", "--format", "jsonl", "--jobs", "2", folder)
    by_name = run(tmp_path, "n.jsonl", "--format", "jsonl", *sorted(folder.iterdir()))
    assert by_folder == by_name and by_folder.count(b"\n") == 1 + 12     # the rules line, 12 results


def test_progress_line_on_a_terminal(capsys):
    from yinhuan.batch import Progress
    bar = Progress(10, enabled=True)
    bar.update(10, failed=7, rejected=1)
    bar.clear()
    err = capsys.readouterr().err
    assert "\r[" in err and "10/10 个文件" in err and "个/秒" in err and "不符合 7" in err and "拒绝 1" in err
    quiet = Progress(10, enabled=False)
    quiet.update(10, 7, 1)
    assert capsys.readouterr().err == ""


def test_generated_code_is_compiled_once_and_kept(tmp_path, monkeypatch):
    import builtins
    monkeypatch.setenv("YINHUAN_CACHE_DIR", str(tmp_path / "cache"))
    first = cache.CodeTable("test-code")
    ns: dict = {}
    exec(first.compile("def f():\n    return 41 + 1\n", "<t>"), ns)
    first.save()

    def no_compile(*a, **k):
        raise AssertionError("compiled again")
    monkeypatch.setattr(builtins, "compile", no_compile)
    ns2: dict = {}
    exec(cache.CodeTable("test-code").compile("def f():\n    return 41 + 1\n", "<t>"), ns2)
    assert ns["f"]() == ns2["f"]() == 42


def test_jsonl_of_a_criteria_checklist_puts_back_to_the_json_result(tmp_path):
    """Criteria findings carry basis, summary and major_hazard: compact and put back, still the same."""
    ev = EXAMPLES / "gm-steel-smelting.yaml"
    r = invoke("check", "--checklist", "gongmao-full-2023", "--format", "json", "--out", tmp_path / "f.json", ev)
    assert r.exit_code in (0, 1), r.output
    piece = (tmp_path / "f.json").read_bytes().splitlines()[1].rstrip(b",")
    r = invoke("check", "--checklist", "gongmao-full-2023", "--format", "jsonl", "--out", tmp_path / "f.jsonl", ev)
    head, row = [json.loads(x) for x in (tmp_path / "f.jsonl").read_bytes().splitlines()]
    assert any(f["criterion"] for f in head["rules"].values())
    assert any("major_hazard" in f for f in row["findings"])
    for k in ("yinhuan_result", "checklist", "engine", "rulebook_version"):
        del row[k]
    row["findings"] = [joined(f, head["rules"][f["rule"]]) for f in row["findings"]]
    assert json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() == piece


def test_own_rules_and_checklist_file_are_cached_and_never_served_stale(tmp_path, monkeypatch):
    """--rules DIR and --checklist FILE: the checked rulebook comes from the cache until one of
    their files changes (or a rule file is added)."""
    from yinhuan import rulebook
    from yinhuan.rulebook_choice import choose
    monkeypatch.setenv("YINHUAN_CACHE_DIR", str(tmp_path / "cache"))
    rules, checklists = write_rules(tmp_path, {"r1": GOOD_RULE})
    cl_file = str(checklists / "fx.yaml")
    first = choose(str(rules), cl_file)
    title = first.book.rules["FX-GOOD"].title
    loads = []
    real = rulebook.load_rulebook
    monkeypatch.setattr(rulebook, "load_rulebook", lambda *a, **k: loads.append(a) or real(*a, **k))

    again = choose(str(rules), cl_file)
    assert not loads and again.book.rules["FX-GOOD"].title == title and again.checklist.id == "fx"
    assert again.to_json()["digest"] == first.to_json()["digest"]

    rule_file = rules / "r1.yaml"
    rule_file.write_text(rule_file.read_text(encoding="utf-8").replace(title, "改过的标题"), encoding="utf-8")
    edited = choose(str(rules), cl_file)
    assert len(loads) == 1 and edited.book.rules["FX-GOOD"].title == "改过的标题"
    assert edited.to_json()["digest"] != first.to_json()["digest"]

    (checklists / "fx.yaml").write_text((checklists / "fx.yaml").read_text(encoding="utf-8")
                                        .replace("staff_min: 2", "staff_min: 3"), encoding="utf-8")
    assert choose(str(rules), cl_file).checklist.params["staff_min"] == 3 and len(loads) == 2

    (rules / "r2.yaml").write_text(rule_file.read_text(encoding="utf-8").replace("FX-GOOD", "FX-GOOD-2"),
                                   encoding="utf-8")
    assert "FX-GOOD-2" in choose(str(rules), cl_file).book.rules and len(loads) == 3
    assert choose(str(rules), cl_file).book.rules["FX-GOOD-2"] and len(loads) == 3
