"""`yinhuan check` over many evidence files: every file checked on its own, results streamed.

A bureau runs one command over thousands of files. So:
- each file is loaded, checked and rendered on its own; a bad file is reported (one located
  message) and the others are still checked; the run exits 2 if any file was bad, and the summary
  says how many of each;
- results are rendered one by one (`Checker.piece`) and written as they come (`Output`), so
  nothing holds all enterprises: jsonl is one result per line (after a first line with each
  rule's fixed fields — title, clause, remedy — which its findings leave out), json is the same results inside
  one document, written incrementally; both compact unless --indent is given;
- `--jobs N` checks files in N worker processes (forked after the rulebook is compiled, so each
  starts ready); results are written in the order of the command line, so the output is
  byte-for-byte the same whatever N is — each piece is rendered by the same function from the same
  file either way;
- on a terminal a progress line (files/s, 不符合 so far) is drawn on stderr; then one summary line.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field

from .errors import InputError, InputErrors
from .findings import FAIL


@dataclass(frozen=True)
class Options:
    """What a worker needs to check and render one file (picklable)."""

    checklist_id: str
    engine: str = "native"
    as_of: str | None = None
    fmt: str = "table"               # table | json | jsonl
    verbose: bool = False
    only: frozenset | None = None
    indent: int | None = None
    max_file_size: int | None = None
    rules_dir: str | None = None     # --rules, --param: the rulebook_choice of the run
    params: tuple = ()


@dataclass
class Outcome:
    """One file's outcome: its rendered piece, or the messages that rejected it."""

    file: str
    piece: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed: int = 0                  # 不符合 findings
    result: object = None            # the Result itself, only when asked for (in-process runs)


def error_lines(exc: InputError) -> list[str]:
    return [str(e) for e in (exc.errors if isinstance(exc, InputErrors) else [exc])]


class Checker:
    """The compiled checklist of one process and how one file becomes one piece of output."""

    def __init__(self, options: Options):
        from .rulebook_choice import choose
        from .session import Runner
        self.options = options
        self.choice = choose(options.rules_dir, options.checklist_id, options.params)
        self.runner = Runner(self.choice.book, self.choice.checklist, options.engine)
        head = self.header()
        self.line_head = {"yinhuan_result": 1, "checklist": head["checklist"]["id"], "engine": options.engine,
                          "rulebook_version": head["rulebook_version"]}

    def header(self) -> dict:
        """The json document's fields before its results."""
        from .session import findings_document
        head = findings_document(self.runner, [], self.choice)
        del head["results"], head["summary"]    # written after the results
        return head

    def rules_line(self) -> str:
        """A jsonl file's first line: each rule's fixed fields, which its lines leave out
        (findings.rule_json; findings.joined puts them back)."""
        from .findings import finding_static, rule_json
        rules = {r.id: rule_json(finding_static(r)) for r in self.runner.book.rules_of(self.runner.checklist)}
        head = {"yinhuan_rules": 1} | {k: v for k, v in self.line_head.items() if k != "yinhuan_result"}
        return json.dumps(head | {"rules": rules}, ensure_ascii=False, separators=(",", ":"))

    def piece(self, result) -> str:
        o = self.options
        if o.fmt == "json":
            return json.dumps(result.to_json(), ensure_ascii=False, indent=o.indent, separators=_seps(o.indent))
        if o.fmt == "jsonl":
            return json.dumps(self.line_head | result.to_json(compact=True), ensure_ascii=False, separators=(",", ":"))
        from .render import render_result
        return render_result(result, o.verbose, set(o.only) if o.only is not None else None)

    def check(self, path: str, keep: bool = False, prepare=None) -> Outcome:
        """Load, check and render one file; a bad file gives its messages instead."""
        from .evidence import load_evidence
        warnings: list[str] = []
        try:
            evidence = load_evidence(path)
            if getattr(evidence, "workbook", None) is not None:  # made for this checklist, from these rules?
                warnings = list(evidence.workbook.for_checklist(self.runner.checklist.id, evidence.file))
            if prepare is not None:
                evidence = prepare(evidence)
            result = self.runner.run(evidence, self.options.as_of)
        except InputError as exc:
            return Outcome(str(path), errors=error_lines(exc), warnings=warnings)
        failed = sum(1 for f in result.findings if f.status == FAIL)
        return Outcome(str(path), self.piece(result), warnings=warnings, failed=failed,
                       result=result if keep else None)


def _seps(indent):
    return None if indent is not None else (",", ":")


# ---- workers -------------------------------------------------------------------------------

_checker: Checker | None = None


def _init_worker(options: Options) -> None:
    global _checker
    from .loader import limits
    if options.max_file_size:
        limits.max_file_size = options.max_file_size
    if _checker is None or _checker.options != options:   # forked workers inherit the parent's
        _checker = Checker(options)


def _work(path: str) -> Outcome:
    return _checker.check(path)


EVIDENCE_SUFFIXES = (".yaml", ".yml", ".json")


def expand_paths(paths) -> list[str]:
    """The files to check: each path given, a folder standing for its evidence files (*.yaml,
    *.yml, *.json, in sorted order, subfolders included) — 100,000 names do not fit a command line."""
    from pathlib import Path
    out: list[str] = []
    for p in map(str, paths):
        if Path(p).is_dir():
            out.extend(str(f) for f in sorted(Path(p).rglob("*"))
                       if f.suffix.lower() in EVIDENCE_SUFFIXES and f.is_file() and not f.name.startswith("."))
        else:
            out.append(p)
    return out


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def outcomes(checker: Checker, files: list[str], jobs: int = 1):
    """Each file's Outcome, in the order given, checked by `jobs` processes."""
    if jobs <= 1 or len(files) <= 1:
        for f in files:
            yield checker.check(f)
        return
    import multiprocessing as mp
    global _checker
    _checker = checker
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    chunk = max(1, min(32, len(files) // (jobs * 16)))
    with mp.get_context(method).Pool(jobs, initializer=_init_worker, initargs=(checker.options,)) as pool:
        yield from pool.imap(_work, files, chunksize=chunk)


# ---- output ---------------------------------------------------------------------------------

class Output:
    """Pieces written as they come, to a file (atomically: a temporary file moved into place at
    the end, removed if nothing is written or the run stops) or to stdout. Nothing is written
    before the first piece, so a run that rejects every file leaves no output at all."""

    def __init__(self, checker: Checker, out: str | None):
        self.checker = checker
        self.fmt = checker.options.fmt
        self.out = out
        self.sink = None
        self.count = 0
        self.closed = False

    def _write(self, text: str) -> None:
        if self.sink is None:
            if self.out:
                from .atomic import AtomicFile
                self.sink = AtomicFile(self.out)
            else:
                import click
                self.sink = _Stdout(click)
            if self.fmt == "json":
                head = json.dumps(self.checker.header(), ensure_ascii=False, separators=(",", ":"))
                self.sink.write(head[:-1] + ',"results":[\n')
            elif self.fmt == "jsonl":
                self.sink.write(self.checker.rules_line() + "\n")
        self.sink.write(text)

    def add(self, piece: str) -> None:
        if self.fmt == "json":
            self._write((",\n" if self.count else "") + piece)
        elif self.fmt == "jsonl":
            self._write(piece + "\n")
        else:
            self._write(("\n\n" if self.count else "") + piece)
        self.count += 1

    def finish(self, rejected: list[dict], summary: dict, commit: bool = True) -> None:
        if self.sink is None:
            return
        if self.fmt == "json":
            tail = ({"rejected": rejected} if rejected else {}) | {"summary": summary}
            self.sink.write("\n]," + json.dumps(tail, ensure_ascii=False, separators=(",", ":"))[1:] + "\n")
        elif self.fmt == "table":
            self.sink.write("\n")
        if commit:
            self.commit()

    def commit(self) -> None:
        if self.sink is not None and not self.closed:
            self.closed = True
            self.sink.commit()

    def abandon(self) -> None:
        if self.sink is not None and not self.closed:
            self.closed = True
            self.sink.discard()


class _Stdout:
    def __init__(self, click):
        self.click = click

    def write(self, text: str) -> None:
        self.click.echo(text, nl=False)

    def commit(self) -> None:
        pass

    def discard(self) -> None:
        pass


# ---- progress -------------------------------------------------------------------------------

class Progress:
    """A progress line on stderr when it is a terminal: files done, files/s, 不符合 so far."""

    def __init__(self, total: int, enabled: bool):
        self.total = total
        self.enabled = enabled
        self.start = time.monotonic()
        self.shown = 0.0
        self.width = 0

    def update(self, done: int, failed: int, rejected: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.shown < 0.2 and done < self.total):
            return
        self.shown = now
        rate = done / max(now - self.start, 1e-9)
        filled = int(24 * done / max(self.total, 1))
        line = (f"\r[{'#' * filled}{'-' * (24 - filled)}] {done:,}/{self.total:,} 个文件  {rate:,.0f} 个/秒  "
                f"不符合 {failed:,}" + (f"  拒绝 {rejected:,}" if rejected else ""))
        self.width = max(self.width, len(line))
        sys.stderr.write(line)
        sys.stderr.flush()

    def clear(self) -> None:
        if self.enabled and self.width:
            sys.stderr.write("\r" + " " * (self.width * 2) + "\r")
            sys.stderr.flush()

    def elapsed(self) -> float:
        return time.monotonic() - self.start


def summary_line(s: dict, seconds: float) -> str:
    rate = s["files"] / max(seconds, 1e-9)
    text = (f"共 {s['files']:,} 个文件：检查 {s['checked']:,} 家企业，其中 {s['enterprises_failed']:,} 家有不符合项"
            f"（不符合 {s['failed']:,} 项）")
    if s["rejected"]:
        text += f"；拒绝 {s['rejected']:,} 个文件（见上方错误）"
    return text + f"；用时 {seconds:,.1f} 秒，{rate:,.0f} 个/秒"


def run_batch(checker: Checker, files: list[str], out: str | None, jobs: int, progress: bool,
              echo_error, outcome_stream=None, skip_bad: bool = False, echo_warning=None,
              defer: bool = False) -> dict:
    """Check every file and report every bad one; returns the summary (files, checked, rejected,
    failed findings, enterprises with a failure; `output`, to commit when deferred). The output file is written only if no file was
    bad, or with skip_bad (then it lists the rejected files after the results)."""
    summary = {"files": len(files), "checked": 0, "rejected": 0, "failed": 0, "enterprises_failed": 0}
    rejected: list[dict] = []
    output = Output(checker, out)
    bar = Progress(len(files), progress)
    stream = outcome_stream if outcome_stream is not None else outcomes(checker, files, jobs)
    try:
        for done, o in enumerate(stream, 1):
            if o.warnings and echo_warning is not None:
                bar.clear()
                for line in o.warnings:
                    echo_warning(line)
            if o.errors:
                bar.clear()
                for line in o.errors:
                    echo_error(line)
                summary["rejected"] += 1
                rejected.append({"file": o.file, "errors": o.errors})
            else:
                output.add(o.piece)
                summary["checked"] += 1
                summary["failed"] += o.failed
                summary["enterprises_failed"] += bool(o.failed)
            bar.update(done, summary["failed"], summary["rejected"])
        bar.clear()
        if rejected and not skip_bad:   # exit 2 leaves no output file: whole or not at all
            output.abandon()
        else:   # defer: the caller commits summary["output"] once its other outputs are written
            output.finish(rejected, summary, commit=not defer)
            summary["written"] = output.sink is not None
            summary["output"] = output
    except BaseException:
        bar.clear()
        output.abandon()
        raise
    summary["seconds"] = bar.elapsed()
    return summary
