"""The `yinhuan` command: a thin click layer over plain functions (session, rulebook, ruletest,
reports). Exit codes: 0 ran and nothing failed; 1 ran and some findings are 不符合 (or a rule
test failed); 2 bad input or usage — always one clear message, never a traceback."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from .errors import EngineRefused, InputError, InputErrors

EXIT_FAILED, EXIT_BAD_INPUT = 1, 2


def fail_input(exc: Exception) -> None:
    errs = exc.errors if isinstance(exc, InputErrors) else [exc]
    for e in errs:
        click.echo(f"错误：{e}", err=True)
    sys.exit(EXIT_BAD_INPUT)


class Group(click.Group):
    """Turns InputError (and the rete guard's refusals) into a message and exit code 2; speaks
    Chinese for click, and writes only characters the console can show (yinhuan.cli_text).

    Commands of other layers are registered lazily (`lazy_command`): their module is imported
    only when the command runs, so `yinhuan --help` and `yinhuan check` do not pay for openpyxl,
    SQLAlchemy or the web framework."""

    lazy: dict[str, tuple[str, str, str]] = {}

    def main(self, *args, **kwargs):
        from .cli_text import localise, plain_streams, use_chinese
        plain_streams()
        use_chinese()
        localise(self)
        return super().main(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (InputError, EngineRefused) as exc:
            fail_input(exc)

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx, name):
        if name not in self.commands and name in self.lazy:
            import importlib
            from .cli_text import localise
            module, attribute, _ = self.lazy[name]
            cmd = getattr(importlib.import_module(module), attribute)
            localise(cmd)   # what _localise() below does for the commands defined here
            self.add_command(cmd, name)
        cmd = super().get_command(ctx, name)
        if name in self.lazy and cmd is not None:
            _fresh_help(cmd)
        return cmd

    def format_commands(self, ctx, formatter):
        """The command list, lazy commands by their registered short help (nothing imported)."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                if self.commands[name].hidden:
                    continue
                rows.append((name, self.commands[name].get_short_help_str(formatter.width - 6 - len(name))))
            else:
                rows.append((name, self.lazy[name][2]))
        if rows:
            from click import core   # its gettext name, which cli_text points at the Chinese table
            with formatter.section(core._("Commands")):
                formatter.write_dl(rows)


def _fresh_help(cmd) -> None:
    """click caches each command's --help option with the wording of the time it was made; a
    command of another module may have been run directly (tests, other tools) before our Chinese
    wording was in force, so its cached option is dropped and made again."""
    todo = [cmd]
    while todo:
        c = todo.pop()
        if getattr(c, "_help_option", None) is not None:
            c._help_option = None
        todo.extend(getattr(c, "commands", {}).values())


def lazy_command(name: str, module: str, attribute: str, short_help: str) -> None:
    """Register `yinhuan NAME` as module.attribute, imported only when it runs."""
    Group.lazy[name] = (module, attribute, short_help)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(None, "-V", "--version", package_name="yinhuan", prog_name="yinhuan",
                      message="%(prog)s %(version)s", help="显示版本号并退出")
def main():
    """隐患（yinhuan）：重大事故隐患专项排查整治 规则化检查清单引擎。"""


def rulebook_options(required: bool = True):
    """--checklist ID|FILE, --rules DIR, --param name=value (yinhuan.rulebook_choice)."""
    def decorate(f):
        f = click.option("--param", "params", multiple=True, metavar="名称=值",
                         help="覆盖检查清单的一个参数，可重复，如 --param gongmao_drill_window=campaign")(f)
        f = click.option("--rules", "rules_dir", default=None, metavar="目录",
                         help="再加载这个目录下的规则文件（含 counters.yaml 时代替随包规则）")(f)
        return click.option("--checklist", "checklist", required=required, metavar="ID|文件",
                            help="检查清单 id（见下方随包检查清单），或一个检查清单 YAML 文件")(f)
    return decorate


def _write_out(text: str, out: str | None, what: str = "", inputs=()) -> None:
    if out:
        from .atomic import write_bytes
        click.echo(f"已写入 {write_bytes(Path(out), text, inputs)}{what}", err=True)
    else:
        click.echo(text)


@main.command()
@rulebook_options()
@click.option("--as-of", "as_of", default=None, help="评估日期（默认取证据中的检查日期，其次为考核期末）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table", show_default=True,
              help="table：中文表格；json：一个文件含全部结果；jsonl：每行一家企业的结果（边检查边写出）")
@click.option("--indent", type=click.IntRange(0, 8), default=None, help="json 缩进空格数（默认紧凑，不缩进）")
@click.option("--engine", type=click.Choice(["native", "rete"]), default="native", show_default=True,
              help="求值引擎：native（默认）或 rete（durable-rules，需 pip install 'yinhuan[rete]'）")
@click.option("--ask", is_flag=True, help="逐项询问尚未回答的判断项，并立即写回证据文件")
@click.option("--verbose", "-v", is_flag=True, help="符合项也显示理由和证据")
@click.option("--out", default=None, help="写入文件（整文件原子写入）而不是标准输出")
@click.option("--ledger-out", "ledger_out", default=None,
              help="把判定为重大事故隐患的检查结果写成台账记录（records.hazards，供 yinhuan ledger export 读取）；多家企业时给目录")
@click.option("--only", default=None, help="表格只列这些状态，逗号分隔，如 不符合,证据不足")
@click.option("--db", default=None, help="把检查、检查结果和发现的重大事故隐患存入系统台账数据库（yinhuan db init 所建）")
@click.option("--user", "actor", default=None, help="与 --db 合用：操作人用户名（默认 YINHUAN_USER 或当前登录名）")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="并行进程数（默认为 CPU 核数；输出与 --jobs 1 逐字节相同）")
@click.option("--max-file-size", "max_file_size", default="20MB", show_default=True,
              help="单个证据文件的大小上限，如 20MB、500KB")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度条和结束时的汇总行")
@click.option("--skip-bad", "skip_bad", is_flag=True,
              help="有文件被拒绝时仍写出其余企业的结果（被拒绝的文件列在 json 的 rejected 中），退出码按检查结果")
@click.argument("evidence_files", nargs=-1, required=True, type=click.Path())
def check(checklist, rules_dir, params, as_of, fmt, indent, engine, ask, verbose, out, ledger_out, only, db, actor,
          jobs, max_file_size, quiet, skip_bad, evidence_files):
    """对一家或多家企业的证据文件运行检查清单（可给目录：其中全部 .yaml/.yml/.json）。

    有文件无法读取或校验不通过时，逐个报告（文件:行），其余文件照常检查；退出码为 2，且不写出 --out
    文件（除非给了 --skip-bad）。"""
    from .batch import Checker, Options, default_jobs, error_lines, expand_paths, run_batch, summary_line
    from .loader import limits, parse_size

    limits.max_file_size = parse_size(max_file_size)
    files = expand_paths(evidence_files)
    if not files:
        raise InputError("给出的目录中没有证据文件（*.yaml、*.yml、*.json）", field="EVIDENCE_FILES")
    from .atomic import refuse_inputs
    if out:  # before anything is written
        refuse_inputs([out], files)
    if ledger_out:  # written after --out: a bad target must stop the command before --out is written
        from .ledger_out import ledger_out_targets
        refuse_inputs(ledger_out_targets(files, ledger_out), files, "--ledger-out")
    if as_of:
        from .dates import BadDate, parse_date
        try:
            parse_date(as_of)
        except BadDate as exc:
            raise InputError(str(exc), field="--as-of") from None
    options = Options(checklist, engine, as_of, fmt, verbose, _statuses(only), indent, limits.max_file_size,
                      rules_dir, tuple(params))
    checker = Checker(options)
    keep = bool(ask or ledger_out or db is not None)      # these need each Result in this process
    if jobs is None:
        jobs = default_jobs() if len(files) >= 64 else 1
    results = []

    def in_process():
        def prepare(ev):
            if getattr(ev, "workbook", None) is not None:
                raise InputError("--ask 只能把回答写回 YAML/JSON 证据文件；自查表请在其“判断项”表中填写回答", ev.file)
            return _ask(checker.runner, ev, as_of)
        prepare = prepare if ask else None
        for f in files:
            o = checker.check(f, keep=keep, prepare=prepare)
            if o.result is not None:
                results.append(o.result)
            yield o

    summary = run_batch(checker, files, out, 1 if keep else jobs,
                        progress=not quiet and len(files) > 1 and sys.stderr.isatty(),
                        echo_error=lambda line: click.echo(f"错误：{line}", err=True),
                        echo_warning=lambda line: click.echo(f"警告：{line}", err=True),
                        outcome_stream=in_process() if keep else None, skip_bad=skip_bad, defer=keep)
    output = summary.get("output")
    try:   # the findings file is moved into place only after these succeed
        if db is not None and results and (skip_bad or not summary["rejected"]):
            from .store.cli import store_check_results  # the store is a layer above the engine, loaded on demand
            store_check_results(db, actor, results, checker.runner.checklist.id, checker.choice)
        if ledger_out and results and (skip_bad or not summary["rejected"]):
            from .ledger_out import write_ledger_out
            for path, n in write_ledger_out(results, ledger_out, inputs=files):
                click.echo(f"已写入重大事故隐患台账记录 {path}（{n} 条）", err=True)
    except BaseException:
        if output is not None:
            output.abandon()
        raise
    if output is not None:
        output.commit()
    if out and summary.get("written") and not quiet:
        click.echo(f"已写入 {out}（{summary['checked']} 家企业）", err=True)
    if len(files) > 1 and not quiet:
        click.echo(summary_line(summary, summary["seconds"]), err=True)
    if summary["rejected"] and not skip_bad:
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(EXIT_FAILED if summary["failed"] else 0)


def _statuses(only: str | None) -> frozenset[str] | None:
    from .findings import STATUSES
    if not only:
        return None
    wanted = {s.strip() for s in only.replace("，", ",").split(",") if s.strip()}
    unknown = wanted - set(STATUSES)
    if unknown:
        raise InputError(f"未知的状态 {'、'.join(sorted(unknown))}（可用：{'、'.join(STATUSES)}）", field="--only")
    return frozenset(wanted)


def _ask(runner, evidence, as_of, by=None):
    """Ask, one line per item, for the judgement items still open; each answer is saved at once."""
    from .asking import ask
    from .evidence import load_evidence

    stdin = sys.stdin
    summary = ask(runner, evidence, as_of, stdin.readline,
                  lambda text: click.echo(text, err=True, nl=not text.endswith("> ")),
                  interactive=stdin.isatty(), by=by)
    click.echo(summary.text(evidence.file), err=True)
    return load_evidence(evidence.file)


@main.group()
def rules():
    """规则作者工具：lint、test、coverage、list。"""


@rules.command("lint")
@click.argument("paths", nargs=-1, type=click.Path())
def rules_lint(paths):
    """按 JSON Schema 和语义检查规则与检查清单（默认检查随包安装的全部规则）。"""
    from .lint import lint
    problems, counted = lint([Path(p) for p in paths])
    for p in problems:
        click.echo(f"错误：{p}", err=True)
    if problems:
        click.echo(f"共 {len(problems)} 个问题。", err=True)
        sys.exit(EXIT_BAD_INPUT)
    click.echo(f"通过：{counted['rules']} 条规则，{counted['checklists']} 个检查清单，无问题。")


@rules.command("test")
@click.option("--engine", type=click.Choice(["native", "rete", "both"]), default="native", show_default=True,
              help="求值引擎：native、rete 或 both（两者都跑，结果须一致）")
@click.option("--verbose", "-v", is_flag=True, help="通过的示例也逐条列出（默认只列失败的）")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True,
              help="输出格式：text 中文逐条；json 供程序读取；junit 为 JUnit XML（CI 合并门禁用）")
@click.option("--out", default=None, metavar="文件", help="写入文件（整文件原子写入）而不是标准输出")
@rulebook_options(required=False)
@click.argument("rule_ids", nargs=-1)
def rules_test(engine, verbose, fmt, out, checklist, rules_dir, params, rule_ids):
    """运行每条规则自带的通过/不通过示例（类似 opa test）。给 --checklist 时只测该清单的规则，
    示例按该清单（及 --param 覆盖后的参数）运行。有失败时退出码为 1。"""
    from .rulebook_choice import choose
    from .ruletest import results_json, results_junit, run_examples
    choice = choose(rules_dir, checklist, params, need_checklist=False)
    book = choice.book
    unknown = [r for r in rule_ids if r not in book.rules]
    if unknown:
        raise InputError(f"未知的规则 id：{'、'.join(unknown)}")
    pool = choice.checklist.rule_ids if choice.checklist else sorted(book.rules)
    selected = [book.rules[r] for r in (rule_ids or pool)]
    engines = ("native", "rete") if engine == "both" else (engine,)
    results = run_examples(book, selected, engines, choice.checklist)
    bad = [r for r in results if not r.ok]
    no_examples = [r.id for r in selected if not r.examples]
    for rid in no_examples:
        click.echo(f"警告：规则 {rid} 没有示例", err=True)
    if fmt == "json":
        _write_out(json.dumps(results_json(results, no_examples, choice.to_json()), ensure_ascii=False, indent=2), out)
    elif fmt == "junit":
        _write_out(results_junit(results, no_examples), out)
    else:
        lines = []
        for r in results:
            if verbose or not r.ok:
                mark = "通过" if r.ok else "失败"
                got = r.error or f"得到 {r.got}：{r.reason}"
                lines.append(f"{mark} [{r.engine}] {r.rule.id} “{r.name}”：期望 {r.expected}，{got}")
        lines.append(f"{len(results) - len(bad)} passed, {len(bad)} failed")
        _write_out("\n".join(lines), out)
    sys.exit(EXIT_FAILED if bad else 0)


@rules.command("coverage")
@rulebook_options()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="输出格式：table 中文表格；json 供程序读取")
@click.option("--checklists", "checklists_root", default=None, type=click.Path(exists=True, file_okay=False),
              help="检查清单目录（代替随包的 checklists/）")
def rules_coverage(checklist, rules_dir, params, fmt, checklists_root):
    """逐条列出检查清单应覆盖的条款及实现它的规则：主体责任清单对照通知条款，判定标准清单对照标准目录
    逐项，组合清单对照所含各清单；有条款无规则实现时退出码为 1。"""
    from .coverage import coverage, render_table
    from .rulebook_choice import choose
    choice = choose(rules_dir, checklist, params, checklists_dir=checklists_root)
    root = Path(rules_dir) if rules_dir and (Path(rules_dir) / "counters.yaml").is_file() else None
    cov = coverage(choice.book, choice.checklist.id, root)
    if fmt == "json":
        click.echo(json.dumps(cov.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(cov))
    sys.exit(0 if cov.ok else EXIT_FAILED)


@rules.command("list")
@click.option("--checklist", "checklist_id", default=None, help="只列该检查清单包含的规则")
def rules_list(checklist_id):
    """列出规则（可按检查清单）。"""
    from .rulebook import shipped_rulebook
    book = shipped_rulebook()
    ids = book.checklist(checklist_id).rule_ids if checklist_id else sorted(book.rules)
    for rid in ids:
        r = book.rules[rid]
        click.echo(f"{r.id}\t{r.kind}\t{r.source_text}\t{r.title}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="输出格式：table 中文表格；json 为与 check --format json 同形的文档组成的列表（每个检查清单一个）")
@click.option("--engine", type=click.Choice(["native", "rete"]), default="native", show_default=True,
              help="求值引擎：native（默认）或 rete（durable-rules，需 pip install 'yinhuan[rete]'）")
def demo(fmt, engine):
    """对随包附带的示例企业运行检查清单（演示）。

    依次运行主体责任清单，以及判定标准清单发现的重大事故隐患；有不符合项时退出码为 1（与 check 相同）。"""
    from .evidence import load_evidence
    from .render import render_result
    from .resources import examples_dir
    from .session import any_failed, findings_document, open_runner

    runs = (("enterprises", "gongmao-2023", None), ("enterprises", "mine-2023", None),
            ("criteria", "gongmao-criteria-2023", {"不符合"}), ("criteria", "mine-criteria-2022", {"不符合"}))
    docs, failed = [], False
    for folder, checklist_id, only in runs:
        files = sorted((examples_dir() / folder).glob("*.yaml"))
        if not files:
            raise InputError("未找到示例证据文件", str(examples_dir() / folder))
        runner = open_runner(checklist_id, engine)
        evs = [e for e in (load_evidence(f) for f in files) if e.profile["sector"] == runner.checklist.sector]
        note = "（只列判定为重大事故隐患的条项）" if only else ""
        click.echo(f"==== 检查清单 {checklist_id}：{runner.checklist.title}（{len(evs)} 家企业）{note}====\n", err=True)
        results = [runner.run(ev) for ev in evs]
        failed = failed or any_failed(results)
        if fmt == "json":
            docs.append(findings_document(runner, results))
        else:
            for r in results:
                click.echo(render_result(r, only=only) + "\n")
    if fmt == "json":
        click.echo(json.dumps(docs, ensure_ascii=False, indent=2))
    sys.exit(EXIT_FAILED if failed else 0)


lazy_command("tally", "yinhuan.reports.cli", "tally", "按通知附件汇总调度表（xlsx/csv/json），并可追溯每个数的来源。")
lazy_command("ledger", "yinhuan.reports.cli", "ledger", "重大事故隐患台账（附件2）：导出与逐行检查。")
lazy_command("template", "yinhuan.workbook.cli", "template",
             "生成检查清单的企业自查表（Excel）：企业基本情况、清单规则读取的各类记录表、判断项。")


def _register_store():
    """The system of record (yinhuan.store): db, users, import, hazards, plan."""
    from .store.cli import register
    register(main)


_register_store()


class _LazyServe(click.Command):
    """`yinhuan serve`, imported only when run: Flask stays out of every other command's start-up."""

    def __init__(self):
        super().__init__("serve", help="启动网页版（检查人员录入与判定，应急管理局调度表、图表和隐患）。",
                         context_settings={"ignore_unknown_options": True, "help_option_names": []})
        self.params = [click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)]

    def invoke(self, ctx):
        from .cli_text import localise
        from .web.cli import serve
        localise(serve)
        return serve.main(list(ctx.params["args"]), prog_name="yinhuan serve", standalone_mode=False)


main.add_command(_LazyServe())


def _register_examples():
    from .examples_cmd import examples
    main.add_command(examples)


_register_examples()


def _localise():
    """Chinese metavars and option descriptions, the shipped checklist ids on --checklist."""
    from .cli_text import localise
    localise(main)


_localise()


if __name__ == "__main__":
    main()
