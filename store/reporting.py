"""The store read back as the reports' inputs, so `tally --db` and `ledger export --db` run the very
computations of yinhuan.reports (nothing is re-implemented here).

- Inspections come from the `inspections`/`findings` tables (imported findings files and
  `check --db` runs alike), as the `Result` objects tally counts.
- The enterprises' ledgers and the bureau's activity files are re-read from the documents kept
  whole in the store, by the same loaders the files go through.
- `ledger_hazards` turns the store's hazards (with their lifecycle) into the report's `Hazard`
  records as they stood on a date.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from yinhuan.errors import InputError

from . import models
from .db import Store


def _sector_of_checklist(checklist_id: str) -> str | None:
    from yinhuan.reports import layouts
    try:
        return layouts.layout(layouts.resolve_checklist(checklist_id).layout)["sector"]
    except InputError:
        return None


def inputs_from_store(store: Store, sector: str | None = None):
    """The reports' Inputs from the store; with `sector`, only that sector's inspections (by their
    checklist), enterprises' ledgers (by profile) and activity files (by the sector given at import)."""
    from yinhuan.evidence import from_document
    from yinhuan.loader import parse_text
    from yinhuan.reports import activity as activity_mod
    from yinhuan.reports.inputs import Inputs, FindingsFile, Result
    inputs = Inputs()
    with store.session() as s:
        rows = s.scalars(select(models.Inspection).options(selectinload(models.Inspection.findings),
                                                           selectinload(models.Inspection.enterprise))
                         .order_by(models.Inspection.source_file, models.Inspection.source_index,
                                   models.Inspection.id)).all()
        by_checklist: dict[str, list] = {}
        for r in rows:
            p = r.profile
            by_checklist.setdefault(r.checklist_id, []).append(Result(
                file=r.source_file, index=r.source_index, line=r.source_line, evidence_file=r.evidence_file,
                credit_code=r.enterprise.credit_code, name=p.get("name", r.enterprise.name),
                district=p.get("district", r.enterprise.district), date=r.date, mode=r.mode or None,
                statuses=tuple((f.rule, f.status) for f in r.findings),
                failures=tuple((f.rule, tuple(f.counters)) for f in r.findings if f.status == "不符合")))
        for cl, results in by_checklist.items():
            if sector and _sector_of_checklist(cl) not in (sector, None):
                continue
            inputs.findings.append(FindingsFile(file=f"数据库（{cl}）", checklist=cl, results=tuple(results)))
        docs = s.scalars(select(models.Document).where(models.Document.kind.in_(("evidence", "activity")))
                         .order_by(models.Document.id)).all()
        sectors = set()
        unmarked = []
        for d in docs:
            if d.kind == "evidence" and d.content[:2] == b"PK":   # a filled 自查表 workbook
                from yinhuan.evidence import from_data
                from yinhuan.workbook import read_workbook_bytes
                ev = from_data(read_workbook_bytes(d.content, d.filename), d.filename)
                sectors.add(ev.profile.get("sector"))
                if not sector or ev.profile.get("sector") == sector:
                    inputs.evidence.append(ev)
                continue
            text = d.content.decode("utf-8-sig")
            if d.kind == "evidence":
                ev = from_document(parse_text(text, d.filename))
                sectors.add(ev.profile.get("sector"))
                if not sector or ev.profile.get("sector") == sector:
                    inputs.evidence.append(ev)
                continue
            if sector and d.sector not in (sector, None):
                continue
            if d.sector is None:
                unmarked.append(d.filename)
            if activity_mod.looks_like_csv(text[:4096]):
                inputs.activities.append(activity_mod.from_document(activity_mod.parse_csv(text, d.filename)))
            else:
                inputs.activities.append(activity_mod.from_document(parse_text(text, d.filename)))
        sectors |= {_sector_of_checklist(cl) for cl in by_checklist} - {None}
    if sector and unmarked and len(sectors) > 1:
        raise InputError(f"数据库中有两个行业的记录，而局工作记录 {'、'.join(unmarked)} 未注明行业，无法判断是否计入"
                         f"{sector}调度表：请用 yinhuan import --sector 工贸|非煤矿山 文件 注明", field="--db")
    return inputs


def hazard_events(s, hazard_ids=None) -> dict[int, list]:
    """Every hazard's events in the order they were recorded, by hazard id."""
    q = select(models.Event).where(models.Event.entity == "hazard").order_by(models.Event.seq)
    out: dict[int, list] = {}
    for e in s.scalars(q).yield_per(2000):
        out.setdefault(int(e.entity_id), []).append(e)
    return out


LEDGER_STATUS = {models.FOUND: "未整改", models.RECTIFYING: "整改中", models.RECTIFIED: "已整改",
                 models.CLOSED: "已整改"}


def ledger_hazards(store: Store, as_of: date, district: str | None = None):
    """The store's hazards found on or before `as_of`, as the report's Hazard records, each as it was
    on that date, replayed from its events (hazards.state_on): state, deadline (a 延期 only once
    approved), 挂牌督办 and rectification as they stood then, not as they stand now."""
    from yinhuan.reports.hazards import Hazard
    from .hazards import state_on
    out = []
    with store.session() as s:
        q = (select(models.Hazard).options(selectinload(models.Hazard.enterprise))
             .where(models.Hazard.found_on <= as_of).order_by(models.Hazard.found_on, models.Hazard.id))
        if district:
            q = q.where(models.Hazard.district == district)
        evs = hazard_events(s)
        for h in s.scalars(q):
            p = h.enterprise.profile
            then = state_on(h, evs.get(h.id, []), as_of)
            out.append(Hazard(
                file="数据库", index=h.id, line=None, credit_code=h.enterprise.credit_code,
                enterprise=h.enterprise.name, city=p.get("city", ""), district=h.district,
                county=p.get("county", "") or h.district, sector=h.enterprise.sector,
                industry=h.enterprise.industry, domains=tuple(p.get("domains", [])),
                mine_types=tuple(p.get("mine_types", [])), id=f"隐患#{h.id}", description=h.description,
                found_on=h.found_on, found_by=h.found_by, basis=h.basis, criterion=h.criterion,
                onsite_action=then["onsite_action"], admin_action=then["admin_action"],
                listed_by=then["listed_by"], listed_level=then["listed_level"], responsible=then["responsible"],
                deadline=then["deadline"], measures=then["measures"], status=LEDGER_STATUS[then["state"]],
                rectified_on=then["rectified_on"]))
    if not out:
        raise InputError(f"数据库中没有 {as_of} 及以前发现的重大事故隐患", field="--as-of")
    return out
