"""`yinhuan tally` and `yinhuan ledger`: plain functions, with a thin click layer on top.

The functions take and return Python values (so tests and other tools can call them); the click
commands only parse options, print, and turn InputError into one message and exit code 2.
Register them in the main CLI with `main.add_command(tally)` and `main.add_command(ledger)`.
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import click

from yinhuan.dates import BadDate, ledger_form, parse_date
from yinhuan.errors import InputError, InputErrors

from . import csvjson, layouts, xlsx
from yinhuan.atomic import write_all, write_bytes
from .hazards import Hazard, LedgerSource, located, merge
from .inputs import Inputs, load_inputs, read_document, kind_of, resolve_bureau
from .ledger import (ERROR, OVERDUE, UNKNOWN, BasisValidator, LedgerRow, catalogue_basis, check_rows, looks_like_ledger, numbered,
                     read_ledger, refuse_bad_basis, row_from_hazard, select)
from .tally import Tally, compute, explain, find_metric, make_period

FORMATS = ("xlsx", "csv", "json")


# ---- plain functions ---------------------------------------------------------------------

def build_tally(paths, checklist: str, period: str, cumulative: bool = False, city: str | None = None,
                districts_file: str | None = None, inputs: Inputs | None = None,
                book=None) -> tuple[Tally, list[Hazard]]:
    """Load and validate every input, then count. Raises InputError on the first bad input.
    `inputs`: already loaded (e.g. read back from the store by `tally --db`) instead of `paths`;
    `book`: the rulebook the checklist is read from (default the shipped one)."""
    cl = layouts.resolve_checklist(checklist, book)
    per = make_period(period, cumulative, cl.window_from, cl.window_to)
    if inputs is None:
        inputs = load_inputs(paths)
    bureau = resolve_bureau(inputs, districts_file, city)
    sector = layouts.layout(cl.layout)["sector"]
    for ev in inputs.evidence:
        if ev.profile["sector"] != sector:
            raise located(ev, f"企业行业类别为 {ev.profile['sector']}，与调度表（{sector}）不符",
                          ("enterprise", "sector"))
    t = compute(inputs, cl, bureau, per)
    hazards = [h for h in merge(inputs.evidence) if per.contains(h.found_on)]
    return t, hazards


def store_inputs(store, checklist: str, period: str, cumulative: bool = False):
    """What `tally --db` counts (and the web app's tables, the same call): the store's records of the
    checklist's sector, with the hazards' lifecycle decisions as they stood at the period's end."""
    from yinhuan.store.reporting import inputs_from_store
    cl = layouts.resolve_checklist(checklist)
    sector = layouts.layout(cl.layout)["sector"]
    end = make_period(period, cumulative, cl.window_from, cl.window_to).end
    return inputs_from_store(store, sector, end)


def render_tally(t: Tally, hazards: list[Hazard], formats=FORMATS, filed_on: date | None = None,
                 stem: str | None = None) -> dict[str, bytes]:
    """Every requested output as bytes, keyed by file name; nothing is written here."""
    filed = filed_on or t.period.end
    stem = stem or f"{t.checklist.id}-{t.period.slug.replace('-累计', '-cumulative')}"
    out = {}
    for fmt in formats:
        if fmt == "xlsx":
            rows = numbered([row_from_hazard(h, t.bureau.city) for h in hazards])
            refuse_bad_basis(rows)
            out[f"{stem}.xlsx"] = xlsx.tally_workbook(t, rows, ledger_title(t.layout["sector"]), filed)
        elif fmt == "csv":
            out[f"{stem}.csv"] = csvjson.tally_csv(t)
        elif fmt == "json":
            out[f"{stem}.json"] = csvjson.tally_json(t)
        else:
            raise InputError(f"未知的输出格式 “{fmt}”，可选 {'、'.join(FORMATS)}", None, None, "--format")
    return out


def ledger_title(sector: str) -> str:
    spec = layouts.layout("ledger-2023")
    return spec["titles"].get(sector, spec["title"])


def evidence_hazards(paths) -> tuple[list[Hazard], Inputs]:
    inputs = load_inputs(paths)
    if inputs.findings or inputs.activities:
        other = (inputs.findings or inputs.activities)[0]
        raise InputError("台账只从企业证据文件（enterprise、records.hazards）生成", getattr(other, "file", None) or
                         other.bureau.file)
    return merge(inputs.evidence), inputs


@dataclass
class LedgerPart:
    """The hazards of one sector: a ledger under its own title (工贸 or 非煤矿山)."""

    sector: str
    title: str
    rows: list[LedgerRow]


def export_ledger(paths, period: str | None = None, cumulative: bool = False, district: str | None = None,
                  city: str | None = None) -> list[LedgerPart]:
    """One part per sector, each numbered from 1 and titled for its sector: hazards of 工贸 and of
    非煤矿山 enterprises are never filed under one title. Every 判定依据 is checked first."""
    hazards, inputs = evidence_hazards(paths)
    return ledger_parts(hazards, {ev.profile["sector"] for ev in inputs.evidence}, period, cumulative, district, city)


def ledger_parts(hazards: list[Hazard], sectors: set[str], period: str | None, cumulative: bool,
                 district: str | None, city: str | None) -> list[LedgerPart]:
    chosen = select(hazards, period, cumulative, district)
    order = ["工贸", "非煤矿山"]
    parts = [LedgerPart(s, ledger_title(s), numbered([row_from_hazard(h, city) for h in chosen if h.sector == s]))
             for s in sorted(sectors, key=lambda s: (s not in order, s))]
    refuse_bad_basis([r for p in parts for r in p.rows])
    return [p for p in parts if p.rows] or parts[:1]


def export_ledger_from_store(db: str, as_of: date, period: str | None = None, cumulative: bool = False,
                             district: str | None = None, city: str | None = None) -> list[LedgerPart]:
    """附件2 from the store's hazards as they stood on `as_of` (the same parts as from files)."""
    from yinhuan.store.db import connect
    from yinhuan.store.reporting import ledger_hazards
    hazards = ledger_hazards(connect(db), as_of, district)
    parts = ledger_parts(hazards, {h.sector for h in hazards}, period, cumulative, district, city)
    for r in (r for p in parts for r in p.rows):   # the optional columns after 附件2's 17: the state on as_of
        r.values["整改状态"] = r.hazard.status
        r.values["完成整改时间"] = ledger_form(r.hazard.rectified_on) if r.hazard.rectified_on else ""
    return parts


def ledger_rows(paths) -> list[LedgerRow]:
    """Rows to check: from ledger files (.xlsx/.csv with 附件2's header) and evidence files."""
    from yinhuan.evidence import from_document
    rows: list[LedgerRow] = []
    evidences = []
    for p in paths:
        if looks_like_ledger(p):
            rows.extend(read_ledger(p))
            continue
        doc = read_document(p)
        if kind_of(doc) != "evidence":
            raise InputError("ledger check 接受台账（.xlsx/.csv）或企业证据文件", doc.file)
        evidences.append(LedgerSource(from_document(doc)))   # its ledger only, not its records
    # one enterprise's ledger sent twice is one set of hazards, as in tally
    return rows + [row_from_hazard(h) for h in merge(evidences)]


def check_ledger(paths, as_of: date, basis_validator: BasisValidator = catalogue_basis):
    rows = ledger_rows(paths)
    return rows, check_rows(rows, as_of, basis_validator)


# ---- click layer -------------------------------------------------------------------------

def _exit_on_input_error(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:  # same wording as the main CLI: one line per problem, exit 2
            for e in exc.errors if isinstance(exc, InputErrors) else [exc]:
                click.echo(f"错误：{e}", err=True)
            sys.exit(2)
    return wrapper


def _date_option(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except BadDate as exc:
        raise InputError(str(exc), None, None, name) from None


@click.command("tally", help="按通知附件汇总调度表（xlsx/csv/json），并可追溯每个数的来源。")
@click.option("--checklist", required=True, metavar="ID|文件",
              help="检查清单 id（mine-2023、gongmao-2023，或含二者的 *-full-2023），或一个检查清单 YAML 文件")
@click.option("--rules", "rules_dir", default=None, metavar="目录",
              help="再加载这个目录下的规则文件（含 counters.yaml 时代替随包规则）")
@click.option("--param", "params", multiple=True, metavar="名称=值", help="覆盖检查清单的一个参数，可重复")
@click.option("--period", required=True, help="统计月份，如 2023-06")
@click.option("--cumulative", is_flag=True, help="自专项行动开始累计至该月末")
@click.option("--city", help="填报地市（须与区市名单一致）")
@click.option("--districts", "districts_file", help="区市名单文件（含 city、districts），默认取局工作记录")
@click.option("--explain", "explain_counter", help="列出某一格背后的企业、检查、规则或记录")
@click.option("--district", help="与 --explain 合用：只看一个区市")
@click.option("--out", "out_dir", default=".", show_default=True, help="输出目录")
@click.option("--format", "formats", default="xlsx,csv,json", show_default=True, help="输出格式，逗号分隔")
@click.option("--filed-on", help="填报时间，默认统计期末")
@click.option("--db", default=None, help="从系统台账数据库汇总（yinhuan import / check --db 存入的记录），不再给文件")
@click.argument("inputs", nargs=-1)
@_exit_on_input_error
def tally(checklist, rules_dir, params, period, cumulative, city, districts_file, explain_counter, district, out_dir,
          formats, filed_on, db, inputs):
    from yinhuan.rulebook_choice import choose
    choice = choose(rules_dir, checklist, params)
    loaded = None
    if db is not None:
        if inputs:
            raise InputError("给了 --db 就不再给输入文件（先用 yinhuan import 导入）", None, None, "--db")
        from yinhuan.store.db import connect
        loaded = store_inputs(connect(db), checklist, period, cumulative)
    elif not inputs:
        raise InputError("缺少输入文件（或用 --db 从数据库汇总）", None, None, "INPUTS")
    t, hazards = build_tally(inputs, choice.checklist.id, period, cumulative, city, districts_file, loaded, choice.book)
    t.rulebook = choice.to_json()
    if explain_counter:
        click.echo(explain(t, find_metric(explain_counter, t.layout), district))
        return
    fmts = [f.strip() for f in formats.split(",") if f.strip()]
    rendered = render_tally(t, hazards, fmts, _date_option(filed_on, "--filed-on"))
    outputs = {Path(out_dir) / name: data for name, data in rendered.items()}
    for path in write_all(outputs, [*inputs, *([districts_file] if districts_file else [])]):
        click.echo(f"已写入 {path}", err=True)


@click.group("ledger", help="重大事故隐患台账（附件2）：导出与逐行检查。")
def ledger():
    pass


@ledger.command("export", help="从企业证据文件的 records.hazards 导出附件2台账。")
@click.option("--period", help="只含该月发现的隐患，如 2023-06")
@click.option("--cumulative", is_flag=True, help="与 --period 合用：截至该月末发现的全部隐患")
@click.option("--district", help="只含一个区市或县（市、区）")
@click.option("--city", help="企业未填 city 时的 市")
@click.option("--out", "out", help="输出文件（.xlsx 或 .csv）；省略则把 CSV 打印到标准输出")
@click.option("--filed-on", help="填报时间，默认统计期末（或最晚的发现时间）")
@click.option("--db", default=None, help="从系统台账数据库导出（含销号、延期等处理结果）")
@click.option("--as-of", "as_of", default=None, help="与 --db 合用：导出该日的台账（默认今天）")
@click.argument("inputs", nargs=-1)
@_exit_on_input_error
def ledger_export(period, cumulative, district, city, out, filed_on, db, as_of, inputs):
    if db is not None:
        if inputs:
            raise InputError("给了 --db 就不再给输入文件", None, None, "--db")
        parts = export_ledger_from_store(db, _date_option(as_of, "--as-of") or date.today(), period,
                                         cumulative, district, city)
        filed_on = filed_on or as_of
    elif not inputs:
        raise InputError("缺少输入文件（或用 --db 从数据库导出）", None, None, "INPUTS")
    else:
        parts = export_ledger(inputs, period, cumulative, district, city)
    rows = [r for p in parts for r in p.rows]
    filed = _date_option(filed_on, "--filed-on")
    if filed is None:
        if period:
            filed = make_period(period, cumulative, date.min, date.max).end
        else:
            filed = max((r.found_on for r in rows), default=date(2023, 1, 1))
    if (out is None or out.lower().endswith(".csv")) and len(parts) > 1:
        raise InputError("这些证据文件的隐患分属 " + "、".join(p.sector for p in parts) +
                         "，各有各的台账标题；CSV 只有一张表。请用 --out 台账.xlsx（每个行业一张工作表），"
                         "或按行业分别导出", None, None, "--out")
    if out is None:
        click.echo(csvjson.ledger_csv(rows).decode("utf-8-sig"), nl=False)
        return
    if out.lower().endswith(".xlsx"):
        data = xlsx.ledger_workbook([(p.title, p.rows) for p in parts],
                                    city or next((r.values["市"] for r in rows if r.values["市"]), ""), filed)
    elif out.lower().endswith(".csv"):
        data = csvjson.ledger_csv(rows)
    else:
        raise InputError("--out 应以 .xlsx 或 .csv 结尾", None, None, "--out")
    sheets = "，".join(f"{p.title} {len(p.rows)} 条" for p in parts)
    click.echo(f"已写入 {write_bytes(out, data, inputs)}（{sheets}）", err=True)


@ledger.command("check", help="逐行检查台账：信用代码、发现方式、判定依据、五到位、整改期限、逾期。")
@click.option("--as-of", help="检查日期（判断逾期），默认今天")
@click.argument("inputs", nargs=-1, required=True)
@_exit_on_input_error
def ledger_check(as_of, inputs):
    day = _date_option(as_of, "--as-of") or date.today()
    rows, problems = check_ledger(inputs, day)
    for p in problems:
        click.echo(str(p))
    errors = [p for p in problems if p.severity == ERROR]
    bad_rows = {id(p.row) for p in errors}
    overdue = [p for p in problems if p.severity == OVERDUE]
    unknown = [p for p in problems if p.severity == UNKNOWN]
    no_status = sum(1 for r in rows if r.rectified is None)
    line = f"共 {len(rows)} 条隐患，{len(bad_rows)} 条有误，{len(overdue)} 条逾期未整改（截至 {day.isoformat()}）"
    if no_status:
        line += (f"；{no_status} 条来自台账文件，附件2的 17 列没有整改状态，其中 {len(unknown)} 条已过整改期限、"
                 "是否逾期无法判断（可在第 17 列后加“整改状态”列，或用企业证据文件检查）")
    click.echo(line)
    if errors:
        sys.exit(1)
