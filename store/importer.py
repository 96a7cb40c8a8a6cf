"""`yinhuan import` and `yinhuan check --db`: files into the store, one transaction per file.

Each file is read and validated whole by the same loaders `tally` and `ledger` use (so a file the
store accepts is a file `tally` accepts), before anything is written: a bad file is refused whole,
the error naming file, line or row and field. Then, in one transaction, the file is kept whole in
`documents` (by SHA-256) and its records are entered by natural key:

- findings (yinhuan check JSON): one inspection per (enterprise, date, checklist, mode, agency), with
  its findings; the same inspection again is unchanged, with different results it is updated;
- evidence (an enterprise's file): its profile, and its ledger's hazards as sightings;
- ledgers (附件2 .xlsx/.csv): the hazards of each row as sightings;
- activity files: the bureau's records, by their content.

Importing the same file twice changes nothing and says so.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from yinhuan.errors import InputError

from . import events, hazards, models
from .db import Store


@dataclass
class Report:
    file: str
    kind: str = ""
    unchanged: bool = False
    counts: dict = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def line(self) -> str:
        kinds = {"findings": "检查结果", "evidence": "企业证据", "ledger": "隐患台账", "activity": "局工作记录"}
        if self.unchanged:
            return f"{self.file}：{kinds.get(self.kind, self.kind)}，已导入过（内容相同），无变化"
        parts = "，".join(f"{k} {v}" for k, v in self.counts.items() if v) or "无新记录"
        return f"{self.file}：{kinds.get(self.kind, self.kind)}，{parts}"


# ---- parsing (no store involved) -----------------------------------------------------------------

@dataclass
class Parsed:
    kind: str
    file: str
    raw: bytes
    obj: object          # FindingsFile + raw data | Evidence | ActivityFile | list[LedgerRow]
    data: object = None


def parse(path: str | Path) -> Parsed:
    """Read and validate one file whole; InputError (file, line, field) if anything is wrong."""
    from yinhuan.reports import activity as activity_mod
    from yinhuan.reports.inputs import findings_from_document, kind_of, read_document
    from yinhuan.reports.ledger import looks_like_ledger, read_ledger
    from yinhuan.loader import read_input_bytes
    p = Path(path)
    raw = read_input_bytes(p)
    if p.suffix.lower() == ".xlsx" and _is_self_check(p):   # a filled 自查表: one enterprise's evidence
        from yinhuan.reports.hazards import hazards_of
        from yinhuan.workbook.read import load
        ev = load(p)
        hazards_of(ev)
        return Parsed("evidence", str(path), raw, ev)
    if looks_like_ledger(p) and not (p.suffix.lower() == ".csv" and
                                     activity_mod.looks_like_csv(raw[:4096].decode("utf-8-sig", errors="ignore"))):
        rows = read_ledger(p)
        _check_ledger_rows(rows)
        return Parsed("ledger", str(path), raw, rows)
    doc = read_document(p)
    kind = kind_of(doc)
    if kind == "findings":
        return Parsed(kind, str(path), raw, findings_from_document(doc), doc.data)
    if kind == "evidence":
        from yinhuan.evidence import from_document
        from yinhuan.reports.hazards import hazards_of
        ev = from_document(doc)
        hazards_of(ev)   # the ledger's formula-breaking mistakes, refused as tally refuses them
        return Parsed(kind, str(path), raw, ev)
    return Parsed(kind, str(path), raw, activity_mod.from_document(doc))


def _is_self_check(p: Path) -> bool:
    from yinhuan.workbook import is_workbook
    return is_workbook(p)


def _check_ledger_rows(rows) -> None:
    from yinhuan.reports.ledger import ERROR, check_rows
    problems = [p for p in check_rows(rows, date.today()) if p.severity == ERROR]
    if problems:
        p = problems[0]
        raise InputError(f"{p.message}（台账共 {len(problems)} 处错误，整份文件未导入）",
                         p.row.file, p.row.line, p.column)


# ---- writing -------------------------------------------------------------------------------------

def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _plain(obj):
    import json
    return json.loads(events.canonical(obj))


def enterprise(s: Session, actor: str, profile: dict, as_of: date | None) -> models.Enterprise:
    """The enterprise by 统一社会信用代码, its profile kept as of the latest date seen."""
    code = profile["credit_code"]
    ent = s.scalar(select(models.Enterprise).where(models.Enterprise.credit_code == code))
    prof = {k: v for k, v in _plain(profile).items() if v not in (None, "", [], {})}
    if ent is None:
        ent = models.Enterprise(credit_code=code, name=prof.get("name", ""), district=prof.get("district", ""),
                                sector=prof.get("sector", ""), industry=prof.get("industry", ""), profile=prof,
                                profile_as_of=as_of)
        s.add(ent)
        s.flush()
        events.record(s, actor, "enterprise.create", "enterprise", ent.id, {"credit_code": code, "name": ent.name},
                      row=ent)
        return ent
    newer = as_of is not None and (ent.profile_as_of is None or as_of >= ent.profile_as_of)
    merged = dict(ent.profile, **prof) if newer else dict(prof, **ent.profile)
    if merged != ent.profile:
        ent.profile = merged
        if newer:
            ent.profile_as_of = as_of
        for k in ("name", "district", "sector", "industry"):
            setattr(ent, k, merged.get(k, getattr(ent, k)) or getattr(ent, k))
        events.record(s, actor, "enterprise.profile", "enterprise", ent.id, {"profile": merged, "as_of": as_of},
                      row=ent)
    return ent


def document(s: Session, actor: str, kind: str, filename: str, raw: bytes) -> tuple[models.Document, bool]:
    digest = sha(raw)
    doc = s.scalar(select(models.Document).where(models.Document.sha256 == digest))
    if doc is not None:
        return doc, False
    doc = models.Document(sha256=digest, kind=kind, filename=filename, content=raw, imported_at=events.now(),
                          imported_by=actor)
    s.add(doc)
    s.flush()
    events.record(s, actor, "document.import", "document", doc.id,
                  {"sha256": digest, "kind": kind, "filename": filename}, row=doc)
    return doc, True


def inspection(s: Session, actor: str, rep: Report, raw_result: dict, checklist_id: str, source_file: str,
               index: int, line: int | None, day: date, rulebook_version: str = "",
               document_id: int | None = None) -> models.Inspection:
    """One inspection's result (the `results[i]` of a findings file) by its natural key."""
    ent_profile = raw_result["enterprise"]
    insp = raw_result.get("inspection") or {}
    mode, agency = insp.get("mode") or "", insp.get("agency") or ""
    inspectors = insp.get("inspectors") or []
    if isinstance(inspectors, str):
        inspectors = [inspectors]
    key = sha(events.canonical([ent_profile["credit_code"], day, checklist_id, mode, agency]).encode())
    findings = [{"rule": f["rule"], "status": f["status"], "counters": list(f.get("counters") or []),
                 "reason": f.get("reason") or "", "criterion": f.get("criterion")} for f in raw_result["findings"]]
    content = sha(events.canonical([findings, inspectors, rulebook_version]).encode())
    ent = enterprise(s, actor, ent_profile, day)
    row = s.scalar(select(models.Inspection).where(models.Inspection.natural_key == key))
    if row is not None and row.content_sha == content:
        rep.add("检查（已有）")
        return row
    if row is None:
        row = models.Inspection(enterprise_id=ent.id, date=day, mode=mode, agency=agency, checklist_id=checklist_id,
                                natural_key=key, created_by=actor)
        s.add(row)
        rep.add("检查（新）")
        kind = "inspection.create"
    else:
        for f in list(row.findings):
            s.delete(f)
        s.flush()
        rep.add("检查（结果更新）")
        kind = "inspection.update"
    row.inspectors, row.rulebook_version, row.content_sha = list(inspectors), rulebook_version, content
    row.profile = _plain(ent_profile)
    row.source_file, row.source_index, row.source_line = source_file, index, line
    row.evidence_file, row.document_id = raw_result.get("file", "") or "", document_id
    s.flush()
    for f in findings:
        s.add(models.Finding(inspection_id=row.id, **f))
    s.flush()
    s.refresh(row)
    events.record(s, actor, kind, "inspection", row.id,
                  {"credit_code": ent.credit_code, "date": day, "checklist": checklist_id, "mode": mode,
                   "agency": agency, "findings": len(findings), "content": content}, row=row)
    _close_by_compliant_reinspection(s, actor, rep, ent, row)
    return row


def _close_by_compliant_reinspection(s, actor, rep, ent, insp: models.Inspection) -> None:
    """A later inspection that covered a hazard's criterion and found it compliant closes the hazard."""
    met = {f.criterion for f in insp.findings if f.criterion and f.status == "符合"}
    if not met:
        return
    cited = {hazards.norm(_citation(c)) for c in met}
    for hz in s.scalars(select(models.Hazard).where(models.Hazard.enterprise_id == ent.id,
                                                    models.Hazard.state != models.CLOSED)):
        if hz.criterion not in met and hazards.norm(hz.basis) not in cited:
            continue
        if insp.date > hz.found_on:
            old, before = hz.state, hazards.snapshot(hz)
            hz.state, hz.closed_on = models.CLOSED, insp.date
            hz.rectified_on = hz.rectified_on or insp.date   # rectified by the day it was found compliant
            hazards.record_change(s, actor, "hazard.closed_by_inspection", hz,
                                  {"from": old, "inspection": insp.id, "on": insp.date,
                                   "note": f"{insp.date} {insp.mode or '检查'}复查该项符合"}, before, insp.date)
            rep.add("隐患（复查符合销号）")


def _evidence_hazards(s, actor, rep, ev, ent, source_label) -> None:
    from yinhuan.reports.hazards import hazards_of
    agency = (ev.inspection or {}).get("agency", "")
    for h, raw in zip(hazards_of(ev), ev.facts.get("hazards", [])):
        rec = hazards.Sighted(
            record_id=h.id, description=h.description, basis=h.basis or _citation(h.criterion),
            criterion=h.criterion, place=h.place, found_on=h.found_on, found_by=h.found_by,
            seen_on=h.inspection_date or h.found_on,
            agency=agency, deadline=h.deadline, status=h.status, rectified_on=h.rectified_on,
            reported_on=raw.get("reported_on"), source=f"{source_label} {h.where.split(' ', 1)[-1]}",
            fields={"responsible": h.responsible, "measures": h.measures, "onsite_action": h.onsite_action,
                    "admin_action": h.admin_action, "listed_by": h.listed_by, "listed_level": h.listed_level})
        _, what = hazards.register(s, actor, ent, rec)
        rep.add({"new": "隐患（新）", "again": "隐患（再次发现，不重复计数）", "recurring": "隐患（销号后复现）",
                 "updated": "隐患（台账更新）", "same": "隐患（已有）"}[what])


def _citation(criterion: str) -> str:
    from yinhuan.reports.ledger import _citation as cite
    return cite(criterion)


def _ledger_hazards(s, actor, rep, rows) -> None:
    from yinhuan.reports.ledger import PLACE_COLUMN
    for r in rows:
        v = r.values
        mine = v.get("行业") == "非煤矿山"
        profile = {"credit_code": v["统一社会信用代码"], "name": v["企业全称"], "district": v.get("县（市、区）", ""),
                   "city": v.get("市", ""), "sector": "非煤矿山" if mine else "工贸",
                   "industry": "" if mine else v.get("行业", "")}
        if v.get("领域"):   # 工贸 领域 / 非煤矿山 矿种, as row_from_hazard writes them
            profile["mine_types" if mine else "domains"] = [x for x in v["领域"].split("、") if x]
        ent = enterprise(s, actor, profile, None)
        rec = hazards.Sighted(
            record_id="", description=v["重大事故隐患描述"], basis=v["判定依据"], place=v.get(PLACE_COLUMN, ""),
            found_on=r.found_on,
            found_by=v["发现方式"], deadline=r.deadline, agency=v.get("挂牌督办单位", "") if v["发现方式"] == "部门检查" else "",
            source=f"{r.where}",
            fields={"responsible": v.get("整改责任人", ""), "measures": v.get("整改措施", ""),
                    "onsite_action": v.get("现场处置措施", ""), "admin_action": v.get("行政处置措施", ""),
                    "listed_by": v.get("挂牌督办单位", "")})
        _, what = hazards.register(s, actor, ent, rec)
        rep.add({"new": "隐患（新）", "again": "隐患（再次发现，不重复计数）", "recurring": "隐患（销号后复现）",
                 "updated": "隐患（台账更新）", "same": "隐患（已有）"}[what])


def _activities(s, actor, rep, af, doc) -> None:
    import dataclasses
    for a in af.activities:
        rec = {k: v for k, v in dataclasses.asdict(a).items() if k not in ("file", "index", "line") and v not in (None, False)}
        rec = _plain(rec)
        key = sha(events.canonical(rec).encode())
        if s.scalar(select(models.Activity).where(models.Activity.content_sha == key)):
            rep.add("工作记录（已有）")
            continue
        row = models.Activity(content_sha=key, document_id=doc.id, date=a.date, district=a.district, kind=a.kind,
                              record=rec)
        s.add(row)
        s.flush()
        events.record(s, actor, "activity.create", "activity", row.id, {"kind": a.kind, "date": a.date}, row=row)
        rep.add("工作记录（新）")


SECTORS = ("工贸", "非煤矿山")


def store_parsed(s: Session, actor: str, p: Parsed, sector: str | None = None) -> Report:
    """Enter one parsed file inside the caller's transaction. `sector`: the sector an activity file
    reports for (activity files do not say; `tally --db` of one sector reads only its own)."""
    events.lock(s)
    rep = Report(file=p.file, kind=p.kind)
    doc, new = document(s, actor, p.kind, Path(p.file).name if p.kind != "findings" else p.file, p.raw)
    if p.kind == "activity" and sector and doc.sector != sector:
        if doc.sector:
            raise InputError(f"该局工作记录已按 {doc.sector} 导入，不能再注明为 {sector}", p.file, None, "--sector")
        doc.sector = sector
        events.record(s, actor, "document.sector", "document", doc.id, {"sector": sector}, row=doc)
        rep.add(f"注明行业 {sector}")
    if not new:
        rep.unchanged = not rep.counts
        return rep
    if p.kind == "findings":
        ff = p.obj
        for r, raw in zip(ff.results, p.data["results"]):
            inspection(s, actor, rep, raw, ff.checklist, r.file, r.index, r.line, r.date, document_id=doc.id)
    elif p.kind == "evidence":
        ev = p.obj
        ent = enterprise(s, actor, ev.profile, (ev.inspection or {}).get("date"))
        _evidence_hazards(s, actor, rep, ev, ent, p.file)
    elif p.kind == "ledger":
        _ledger_hazards(s, actor, rep, p.obj)
    else:
        _activities(s, actor, rep, p.obj, doc)
    return rep


def import_files(store: Store, paths, actor: str, sector: str | None = None) -> tuple[list[Report], list[InputError]]:
    """Each file validated whole, then entered in its own transaction. Returns (reports, refusals)."""
    if sector is not None and sector not in SECTORS:
        raise InputError(f"行业应为 {' 或 '.join(SECTORS)}，得到 “{sector}”", field="--sector")
    reports, refused = [], []
    for path in paths:
        try:
            parsed = parse(path)
            with store.session() as s:
                reports.append(store_parsed(s, actor, parsed, sector))
        except InputError as exc:
            refused.append(exc)
    return reports, refused
