"""The two printed documents of a finished inspection, as PDF: 检查记录 and 整改通知书.

fpdf2 writes the PDF and embeds a subset of Debian's Noto Sans CJK (package fonts-noto-cjk, an
OpenType collection; the Simplified Chinese face is found with fontconfig), so the Chinese text
renders the same on every viewer. The documents are built from what the finished inspection froze
(its evidence and findings), never recomputed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from yinhuan.dates import chinese_form, parse_date

STATUS_ORDER = {"不符合": 0, "证据不足": 1, "未到期": 2, "符合": 3, "不适用": 4}
_FALLBACK = {"": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
             "B": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2)}


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=2)
def cjk_font(style: str = "") -> tuple[str, int]:
    """(file, index in the collection) of a Simplified Chinese font: $YINHUAN_CJK_FONT, else what
    fontconfig matches for Noto Sans CJK SC, else Debian's fonts-noto-cjk path."""
    env = os.environ.get("YINHUAN_CJK_FONT")
    if env and not style:
        path, _, idx = env.partition(":")
        return path, int(idx or 0)
    if shutil.which("fc-match"):
        pattern = "Noto Sans CJK SC" + (":bold" if style == "B" else "")
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}:%{index}", pattern], capture_output=True,
                                 text=True, timeout=10).stdout.strip()
            path, _, idx = out.rpartition(":")
            if path and "CJK" in path and os.path.exists(path):
                return path, int(idx or 0)
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
    path, idx = _FALLBACK[style]
    if os.path.exists(path):
        return path, idx
    raise FontMissing("找不到中文字体：请安装 Debian 软件包 fonts-noto-cjk，或设置 YINHUAN_CJK_FONT=字体文件:序号")


class _Doc(FPDF):
    def __init__(self, title: str, footer_text: str):
        super().__init__(format="A4")
        self.doc_title, self.footer_text = title, footer_text
        for style in ("", "B"):
            path, idx = cjk_font(style)
            self.add_font("cjk", style, path, collection_font_number=idx)
        self.set_auto_page_break(True, margin=18)
        self.set_margins(18, 16, 18)
        self.set_title(title)
        self.set_creator("yinhuan")
        self.add_page()

    def footer(self):
        self.set_y(-12)
        self.set_font("cjk", "", 8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.footer_text}　第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0)

    def heading(self, text: str, size: int = 18):
        self.set_font("cjk", "B", size)
        self.cell(0, 12, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def para(self, text: str, size: float = 10.5, style: str = "", h: float = 6, indent: float = 0):
        self.set_font("cjk", style, size)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, h, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def info_table(self, rows: list[tuple[str, str]]):
        self.set_font("cjk", "", 10.5)
        label_w = 34
        for label, value in rows:
            y0 = self.get_y()
            if y0 > self.page_break_trigger - 10:
                self.add_page()
                y0 = self.get_y()
            self.set_xy(self.l_margin + label_w, y0)
            self.multi_cell(self.epw - label_w, 7, value or "—", border=1, wrapmode=WrapMode.CHAR,
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            y1 = self.get_y()
            self.set_xy(self.l_margin, y0)
            self.set_fill_color(238, 238, 238)
            self.cell(label_w, y1 - y0, label, border=1, fill=True, align="C")
            self.set_y(y1)
        self.ln(3)

    def signatures(self, lines: list[str]):
        self.ln(6)
        if self.get_y() > self.page_break_trigger - 12 * len(lines):
            self.add_page()
        self.set_font("cjk", "", 11)
        label_w = max(self.get_string_width(t + "：") for t in lines) + 2
        for text in lines:
            self.cell(label_w, 12, f"{text}：")
            self.cell(62, 12, "_" * 24)
            self.cell(0, 12, "　日期：______年____月____日", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _when(iso: str) -> str:
    """A date in Chinese form, or as written if it cannot be read."""
    day = _day(iso)
    return chinese_form(day) if day else str(iso)


def _day(value):
    """A date as the evidence wrote it (2023.08.31, 2023年8月31日, …), or None."""
    try:
        return parse_date(str(value)) if value else None
    except Exception:  # noqa: BLE001 - an unreadable date is simply not compared
        return None


def _evidence_text(f: dict) -> str:
    refs = []
    for e in f.get("evidence") or []:
        bits = [e.get("id", "")]
        if e.get("label"):
            bits.append(e["label"])
        if e.get("date"):
            bits.append(e["date"])
        refs.append(" ".join(bits))
    return "；".join(refs) if refs else "（无记录）"


def _header_rows(insp) -> list[tuple[str, str]]:
    fin = insp.finished
    ev = fin["evidence"]
    ent, meta = ev.get("enterprise", {}), ev.get("inspection", {})
    from yinhuan.rulebook import shipped_rulebook
    try:
        cl_title = shipped_rulebook().checklist(fin["checklist"]).title
    except Exception:  # noqa: BLE001 - a checklist renamed since still prints its id
        cl_title = ""
    inspectors = meta.get("inspectors") or []
    return [("被检查单位", ent.get("name", insp.enterprise)), ("统一社会信用代码", ent.get("credit_code", "")),
            ("所在区市", " ".join(x for x in (ent.get("city"), ent.get("district")) if x)),
            ("主要负责人", ent.get("principal", "")),
            ("检查日期", _when(meta.get("date") or fin["as_of"])), ("检查方式", meta.get("mode", insp.mode)),
            ("检查单位", meta.get("agency", "")),
            ("检查人员", "、".join(inspectors) if isinstance(inspectors, list) else str(inspectors)),
            ("检查清单", f"{fin['checklist']} {cl_title}"), ("规则版本", fin["rulebook_version"])]


def inspection_record(insp) -> bytes:
    """Every finding, readable: each 不符合 in full (clause and its text, reason, the records it used,
    the remedy); each 证据不足/未到期 with its reason; 符合 and 不适用 as one compact table at the end."""
    fin = insp.finished
    doc = _Doc("安全生产检查记录", f"检查记录 {fin['notice_no']}")
    doc.heading("安全生产检查记录")
    doc.info_table(_header_rows(insp))
    findings = sorted(fin["findings"], key=lambda f: (STATUS_ORDER.get(f["status"], 9), f["source"] or "", f["rule"]))
    counts = {}
    for f in findings:
        counts[f["status"]] = counts.get(f["status"], 0) + 1
    doc.para("检查结果：" + "，".join(f"{s} {counts[s]} 项" for s in STATUS_ORDER if s in counts), style="B")
    doc.ln(2)
    detailed = [f for f in findings if f["status"] not in ("符合", "不适用")]
    rest = [f for f in findings if f["status"] in ("符合", "不适用")]
    section = 0
    for status, title in (("不符合", "不符合的项目"), ("证据不足", "证据不足、无法判定的项目（请补充证据后复查）"),
                          ("未到期", "尚未到期的项目")):
        group = [f for f in detailed if f["status"] == status]
        if not group:
            continue
        section += 1
        doc.para(f"{_NUMERALS[section]}、{title}（{len(group)} 项）", style="B", size=11.5, h=8)
        for f in group:
            _finding(doc, findings.index(f) + 1, f, full=status == "不符合")
    if rest:
        section += 1
        if doc.get_y() > doc.page_break_trigger - 30:
            doc.add_page()
        doc.para(f"{_NUMERALS[section]}、符合和不适用的项目（{len(rest)} 项）", style="B", size=11.5, h=8)
        _compact_table(doc, [(findings.index(f) + 1, f) for f in rest])
    doc.signatures(["检查人员（签字）", "被检查单位负责人（签字）"])
    return bytes(doc.output())


_NUMERALS = "〇一二三四五六七八九十"


def _finding(doc: _Doc, n: int, f: dict, full: bool) -> None:
    if doc.get_y() > doc.page_break_trigger - 24:
        doc.add_page()
    doc.para(f"{n}．【{f['status']}】{f['title']}", style="B", size=10.5)
    clause = f"规则 {f['rule']}　条款：{f['source']}"
    if full and f.get("source_text"):
        clause += f"　{f['source_text']}"
    doc.para(clause, size=8.5 if not full else 9, indent=6, h=4.8)
    doc.para(f"理由：{f['reason']}", size=9, indent=6, h=5)
    if full or f.get("evidence"):
        doc.para(f"依据的记录：{_evidence_text(f)}", size=9, indent=6, h=5)
    if full and f.get("remedy"):
        doc.para(f"整改要求：{f['remedy']}", size=9, indent=6, h=5)
    doc.ln(1.2)


def _compact_table(doc: _Doc, rows: list[tuple[int, dict]]) -> None:
    """序号 | 检查项（规则） | 结论 | 说明: one line or two per finding."""
    doc.set_font("cjk", "", 8.5)
    widths = (10, 78, 14, doc.epw - 102)
    with doc.table(col_widths=widths, text_align=("CENTER", "LEFT", "CENTER", "LEFT"), line_height=4.6,
                   wrapmode=WrapMode.CHAR, first_row_as_headings=True) as table:
        head = table.row()
        for h in ("序号", "检查项（规则）", "结论", "说明"):
            head.cell(h)
        for n, f in rows:
            r = table.row()
            r.cell(str(n))
            r.cell(f"{f['title']}（{f['rule']}）")
            r.cell(f["status"])
            r.cell(f["reason"] if f["status"] == "不适用" else f"条款：{f['source']}")


def rectification_notice(insp) -> bytes:
    fin = insp.finished
    ev = fin["evidence"]
    ent = ev.get("enterprise", {})
    agency = (ev.get("inspection") or {}).get("agency") or f"{insp.district}应急管理局"
    doc = _Doc("责令限期整改通知书", f"整改通知书 {fin['notice_no']}")
    doc.heading("责令限期整改通知书")
    doc.para(f"编号：{fin['notice_no']}", size=10)
    doc.ln(2)
    doc.para(f"{ent.get('name', insp.enterprise)}（统一社会信用代码 {ent.get('credit_code', '')}）：", size=11.5, style="B")
    deadline = _when(fin["deadline"])
    doc.para(f"　　{_when(fin['as_of'])}，{agency}对你单位进行了{insp.mode}。检查发现你单位存在下列问题和隐患，"
             f"现责令你单位于 {deadline} 前整改完毕，整改期间落实整改责任人、措施、资金、期限和应急预案（五到位），"
             f"整改完成后由主要负责人和安全总监签字确认并报告。", size=11, h=7)
    doc.ln(2)
    fails = [f for f in fin["findings"] if f["status"] == "不符合"]
    fails.sort(key=lambda f: (not f.get("major_hazard"), f["source"] or "", f["rule"]))
    ledger = [h for h in (ev.get("records") or {}).get("hazards", []) if h.get("status") != "已整改"]
    n = 0
    if fails:
        doc.para("一、检查发现的问题", style="B", size=12, h=8)
    for f in fails:
        n += 1
        if doc.get_y() > doc.page_break_trigger - 30:
            doc.add_page()
        tag = "【重大事故隐患】" if f.get("major_hazard") else ""
        doc.para(f"{n}．{tag}{f['title']}", style="B", size=10.5)
        doc.para(f"问题：{f['reason']}", size=9.5, indent=6, h=5.5)
        basis = f.get("basis") or f["source"]
        doc.para(f"依据：{basis}" + (f"（摘要：{f['basis_summary']}）" if f.get("basis_summary") else
                                     (f"　{f['source_text']}" if f.get("source_text") else "")), size=9.5, indent=6, h=5.5)
        doc.para(f"整改要求：{f.get('remedy') or '按依据整改'}", size=9.5, indent=6, h=5.5)
        doc.para(f"整改期限：{deadline}", size=9.5, indent=6, h=5.5)
        doc.ln(1.5)
    if ledger:
        doc.para(("二、" if fails else "一、") + "企业隐患台账中尚未整改的重大事故隐患", style="B", size=12, h=8)
    for h in ledger:
        n += 1
        if doc.get_y() > doc.page_break_trigger - 30:
            doc.add_page()
        doc.para(f"{n}．{h.get('description', '')}（台账编号 {h.get('id', '')}）", style="B", size=10.5)
        doc.para(f"依据：{h.get('basis') or h.get('criterion') or '—'}", size=9.5, indent=6, h=5.5)
        doc.para(f"整改措施：{h.get('measures') or '—'}；整改责任人：{h.get('responsible') or '—'}", size=9.5, indent=6, h=5.5)
        due, on = _day(h.get("deadline")), _day(fin["as_of"])
        late = "（已逾期，请立即整改）" if due and on and due < on else ""
        doc.para(f"整改期限：{_when(h['deadline']) if h.get('deadline') else deadline}{late}", size=9.5, indent=6, h=5.5)
        doc.ln(1.5)
    if not n:
        doc.para("本次检查未发现需要整改的问题。", size=11)
    doc.ln(2)
    doc.para("　　逾期未整改的，依法从严处罚；对自查发现、如实报告并正在整改的，依法不予行政处罚。"
             "如不服本通知，可依法申请行政复议或者提起行政诉讼。", size=10, h=6)
    if doc.get_y() > doc.page_break_trigger - 60:   # signatures and seal stay on one page
        doc.add_page()
    doc.signatures(["检查人员（签字）", "被检查单位负责人（签收）"])
    doc.ln(4)
    doc.set_font("cjk", "", 11)
    doc.cell(0, 8, f"{agency}（印章）", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.cell(0, 8, _when(fin["as_of"]), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(doc.output())
