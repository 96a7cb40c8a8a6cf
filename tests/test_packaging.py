"""The installed package carries its rules, checklists, schemas and examples, so `yinhuan` works from
any folder after a plain `pip install .` (not only inside the checkout)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # build from a copy, so the build leaves nothing (build/, *.egg-info) in the working tree
    src = tmp_path_factory.mktemp("src") / "yinhuan"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                   check=True, capture_output=True)
    return next(out.glob("yinhuan-*.whl"))


def test_wheel_carries_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for src, dst in (("rules", "yinhuan/rules"), ("checklists", "yinhuan/checklists"),
                     ("examples", "yinhuan/examples"), ("engine/schemas", "yinhuan/schemas")):
        shipped = {p.relative_to(REPO / src).as_posix() for p in (REPO / src).rglob("*")
                   if p.is_file() and p.suffix in (".yaml", ".json", ".csv")}
        assert shipped, src
        missing = [s for s in shipped if f"{dst}/{s}" not in names]
        assert not missing, f"not in the wheel: {missing[:5]}"


def _install_elsewhere(wheel, tmp_path):
    """Install the wheel into a folder of its own; return (site folder, an unrelated working folder,
    the environment that puts the site folder on the path)."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return target, elsewhere, dict(os.environ, PYTHONPATH=str(target))


def test_installed_package_runs_from_another_folder(wheel, tmp_path):
    target, elsewhere, env = _install_elsewhere(wheel, tmp_path)
    code = ("import yinhuan, sys; assert yinhuan.__file__.startswith(sys.argv[1]), yinhuan.__file__;"
            "from yinhuan.cli import main; main(['demo'])")
    r = subprocess.run([sys.executable, "-c", code, str(target)], cwd=elsewhere, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr   # the demo enterprises include failing ones: exit 1, as check
    assert "检查清单 gongmao-2023" in r.stderr and "检查清单 mine-2023" in r.stderr and "不符合" in r.stdout


def test_store_migrations_ship_and_run_from_another_folder(wheel, tmp_path):
    """`yinhuan db init|upgrade|status` need the Alembic environment inside the installed package."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("env.py", "script.py.mako", "versions/0001_initial.py"):
        assert f"yinhuan/store/migrations/{f}" in names
    target, elsewhere, env = _install_elsewhere(wheel, tmp_path)
    code = ("import sys; from yinhuan.cli import main\n"
            "for args in (['db', 'init', '--user', 'clerk'], ['db', 'upgrade'], ['db', 'status']):\n"
            "    try:\n        main(args)\n    except SystemExit as e:\n        assert not e.code, e.code\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    from yinhuan.store.db import head_revision
    head = head_revision()
    assert "已初始化数据库" in r.stdout and f"结构版本：{head}（最新 {head}）" in r.stdout
    assert (elsewhere / "yinhuan.db").exists()
