"""`yinhuan examples --out DIR` and the README's example commands from another folder (issue 11 item 3)."""
from __future__ import annotations

from click.testing import CliRunner

from conftest import REPO
from yinhuan.cli import main


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_examples_are_copied_and_the_readme_commands_run_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("examples", "--out", "examples")
    assert r.exit_code == 0, r.output
    assert "已复制" in r.stderr
    shipped = sorted(p.relative_to(REPO / "examples") for p in (REPO / "examples").rglob("*")
                     if p.is_file() and p.name != "__init__.py" and "__pycache__" not in p.parts)
    copied = sorted(p.relative_to(tmp_path / "examples") for p in (tmp_path / "examples").rglob("*") if p.is_file())
    assert copied == shipped
    # the README's commands, as written, from this folder
    assert invoke("check", "--checklist", "gongmao-2023", "examples/enterprises/gm-ammonia-seafood.yaml").exit_code in (0, 1)
    bureau = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "examples" / "bureau" / "evidence").glob("*.yaml"))
    r = invoke("tally", "--checklist", "gongmao-2023", "--period", "2023-06", "--out", "out/",
               "examples/bureau/activity-gongmao.yaml", "examples/bureau/findings-gongmao-2023-06.json",
               *[b for b in bureau if "/gm-" in b])
    assert r.exit_code == 0, r.output
    r = invoke("ledger", "export", "--period", "2023-06", "--out", "台账.xlsx", *bureau)
    assert r.exit_code == 0, r.output
    r = invoke("ledger", "check", "--as-of", "2023-07-01", "台账.xlsx")
    assert r.exit_code == 0, r.output


def test_nothing_is_overwritten(tmp_path):
    target = tmp_path / "x" / "enterprises" / "gm-machinery.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("# 我改过\n", encoding="utf-8")
    r = invoke("examples", "--out", tmp_path / "x")
    assert r.exit_code == 2 and "未覆盖" in r.output and "gm-machinery.yaml" in r.output
    assert target.read_text(encoding="utf-8") == "# 我改过\n"
    assert [p.name for p in (tmp_path / "x").rglob("*") if p.is_file()] == ["gm-machinery.yaml"]  # nothing copied
