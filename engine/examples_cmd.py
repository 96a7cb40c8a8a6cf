"""`yinhuan examples --out DIR`: copy the bundled example files where a user can open and edit them.

The examples are installed with the package (so `yinhuan demo` works from any folder), but the
README's commands name them by path. After `yinhuan examples --out examples` in any folder, the
README's `examples/...` paths work there. Nothing is overwritten: if any target file exists the
command names it and copies nothing.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import click

from .errors import InputError
from .resources import examples_dir


def example_files() -> list[Path]:
    root = examples_dir()
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "__init__.py"
                  and "__pycache__" not in p.relative_to(root).parts)


def copy_examples(out: Path) -> list[Path]:
    root = examples_dir()
    if out.resolve() == root.resolve():
        raise InputError("这就是随包安装的示例目录本身，无需复制", str(out), None, "--out")
    if out.exists() and not out.is_dir():
        raise InputError("已存在同名文件，不是目录", str(out), None, "--out")
    files = example_files()
    targets = [(f, out / f.relative_to(root)) for f in files]
    existing = [str(t.relative_to(out)) for _, t in targets if t.exists()]
    if existing:
        more = f" 等 {len(existing)} 个" if len(existing) > 3 else ""
        raise InputError(f"目标文件已存在，未覆盖：{'、'.join(existing[:3])}{more}；换一个目录或先删除", str(out),
                         None, "--out")
    for src, dst in targets:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return [t for _, t in targets]


@click.command("examples")
@click.option("--out", required=True, type=click.Path(file_okay=False), metavar="目录",
              help="复制到这个目录（不存在则新建；已有同名文件时什么也不复制）")
def examples(out):
    """把随包示例文件复制到一个目录。

    示例包括企业证据、判定标准示例、局调度输入和自查工作簿；用 --out examples 复制后，README 中
    examples/... 的命令在当前目录即可运行。"""
    copied = copy_examples(Path(out))
    folders = sorted({p.relative_to(out).parts[0] for p in copied})
    click.echo(f"已复制 {len(copied)} 个示例文件到 {out}（{'、'.join(folders)}）", err=True)
