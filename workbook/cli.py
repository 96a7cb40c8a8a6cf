"""`yinhuan template`: write a checklist's self-check workbook, empty or filled from evidence."""
from __future__ import annotations

import sys

import click


@click.command()
@click.option("--checklist", "checklist_id", required=True, help="检查清单 id，如 gongmao-2023、mine-2023")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="写入的 .xlsx 文件，如 自查表.xlsx")
@click.option("--fill", "fill", default=None, type=click.Path(dir_okay=False),
              help="用一份证据文件（YAML/JSON）预先填好（如给示例企业）")
@click.option("--send-to", "send_to", default=None, help="填写说明中“填好后交给谁”，默认 属地区市应急管理局")
def template(checklist_id, out, fill, send_to):
    """生成检查清单的企业自查表（Excel）：企业基本情况、清单规则读取的各类记录表、判断项。"""
    from yinhuan.atomic import write_bytes
    from yinhuan.errors import InputError
    from .layout import layout_for
    from .write import SEND_TO, build

    if not out.lower().endswith(".xlsx"):
        raise InputError("自查表须写成 .xlsx 文件", out, field="--out")
    lay = layout_for(checklist_id)
    evidence = None
    if fill:
        from yinhuan.evidence import load_evidence
        ev = load_evidence(fill)
        evidence = ev.doc.data
        if ev.profile["sector"] != lay.sector:
            raise InputError(f"证据文件是{ev.profile['sector']}企业，检查清单 {checklist_id} 适用于{lay.sector}", fill)
    data, dropped = build(lay, evidence, send_to or SEND_TO)
    write_bytes(out, data)
    for d in dropped:
        click.echo(f"警告：自查表中没有位置，未写入：{d}", err=True)
    sheets = len(lay.sheets)
    click.echo(f"已写入 {out}：{sheets} 张记录表，{len(lay.judgements)} 个判断项（检查清单 {lay.checklist}，"
               f"规则版本 {lay.version}）", err=True)
    sys.exit(0)
