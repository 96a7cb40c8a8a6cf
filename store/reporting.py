"""The store read back as the reports' inputs, so `tally --db` and `ledger export --db` run the very
computations of yinhuan.reports (nothing is re-implemented here).

- Inspections come from the `inspections`/`findings` tables (imported findings files and
  `check --db` runs alike), as the `Result` objects tally counts.
- The enterprises' ledgers and the bureau's activity files are re-read from the documents kept
  whole in the store, by the same loaders the files go through.
- `ledger_hazards` turns the store's hazards (with their lifecycle) into the report's `Hazard`
  records as they stood on a date.

What the store decides beyond the files reaches the tables (`apply_lifecycle`): a person's 整改/销号,
挂牌督办 and 延期 replace what the enterprise's ledger said of that hazard, as they stood at the end
of the period; a hazard filed twice under two record ids is counted once; hazards the store holds
from other sources (附件2 ledger files, check --db) are counted too; penalties recorded on hazards
are 行政处罚 records. A store holding only imported files therefore tallies exactly as the files do.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

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


def inputs_from_store(store: Store, sector: str | None = None, as_of: date | None = None):
    """The reports' Inputs from the store; with `sector`, only that sector's inspections (by their
    checklist), enterprises' ledgers (by profile) and activity files (by the sector given at import).
    The hazards carry the store's lifecycle decisions as they stood at the end of `as_of` (default:
    every decision recorded): see apply_lifecycle."""
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
    apply_lifecycle(store, inputs, sector, as_of or date.max)
    return inputs


# events that are a person's decision on a hazard (not what a file said)
DECISIONS = ("hazard.move", "hazard.list", "hazard.extend")


def ledger_status(then: dict) -> tuple[str, date | None]:
    """(整改状态, 完成整改时间) of a hazard as `then` describes it, in the ledger's words."""
    if then["state"] in (models.RECTIFIED, models.CLOSED) and then["rectified_on"] is not None:
        return "已整改", then["rectified_on"]
    return ("未整改" if then["state"] == models.FOUND else "整改中"), None


def _decided(evs, hz, day: date) -> tuple[set[str], list[str]]:
    """The fields people set on this hazard by `day`, and those decisions in words (for --explain)."""
    from .hazards import _effective
    fields: set[str] = set()
    words: list[str] = []
    for e in evs:
        when = _effective(e, hz)
        if e.kind in DECISIONS and when <= day:
            fields |= set(e.payload.get("set") or {}) | ({"state"} if e.kind == "hazard.move" else set())
            p = e.payload
            words.append(f"{when} {e.actor} " + {"hazard.move": f"改为{p.get('to')}",
                                                  "hazard.list": f"挂牌督办（{p.get('unit')}，{p.get('level')}）",
                                                  "hazard.extend": f"延期至{p.get('to')}"}[e.kind])
    return fields, words


def _overlay(h, then: dict, fields: set[str], words: list[str]):
    """The ledger record `h` with what people decided in the store (then: the hazard on the day);
    where it is read from says so, so `tally --explain` shows the decisions behind a count."""
    import dataclasses
    loc = f"{h.file}:{h.line}" if h.line else h.file
    change = {"file": f"{loc}，数据库中的处理决定（{'；'.join(words)}）", "line": None}
    if fields & {"state", "rectified_on", "closed_on"}:
        change["status"], change["rectified_on"] = ledger_status(then)
    if fields & {"listed_by", "listed_level"}:
        change["listed_by"], change["listed_level"] = then["listed_by"], then["listed_level"]
    for k in ("deadline", "responsible", "measures"):
        if k in fields:
            change[k] = then[k]
    return dataclasses.replace(h, **change)


def apply_lifecycle(store: Store, inputs, sector: str | None, day: date) -> None:
    """Bring the store's own knowledge into `inputs` (in place), as it stood at the end of `day`."""
    from yinhuan.reports.activity import Activity, ActivityFile
    from yinhuan.reports.hazards import LedgerSource
    from .hazards import state_on
    with store.session() as s:
        hz_by_id = {h.id: h for h in s.scalars(select(models.Hazard).options(selectinload(models.Hazard.enterprise)))}
        if not hz_by_id:
            return
        links = {(lk.credit_code, lk.record_id): lk.hazard_id for lk in s.scalars(select(models.HazardLink))}
        evs = hazard_events(s)
        sources = [ev if isinstance(ev, LedgerSource) else LedgerSource(ev) for ev in inputs.evidence]
        # one record key per store hazard: the earliest found (a hazard filed again under another id
        # is the same hazard, counted once)
        keep: dict[int, tuple] = {}
        for src in sources:
            for h in src.hazards:
                hid = links.get(h.key)
                if hid is not None and (hid not in keep or (h.found_on, h.id) < keep[hid][0]):
                    keep[hid] = ((h.found_on, h.id), h.key)
        for src in sources:
            out = []
            for h in src.hazards:
                hid = links.get(h.key)
                if hid is None:
                    out.append(h)
                    continue
                if keep[hid][1] != h.key:
                    continue
                hz = hz_by_id[hid]
                e = evs.get(hid, [])
                fields, words = _decided(e, hz, day)
                then = state_on(hz, e, day) if fields else None
                out.append(_overlay(h, then, fields, words) if then else h)
            src.hazards = out
        inputs.evidence = sources
        # hazards the store holds from other sources (a 附件2 ledger file, check --db): counted too
        extra = [hz for hid, hz in hz_by_id.items() if hid not in keep and hz.found_on <= day
                 and (not sector or hz.enterprise.sector == sector)]
        for hz in extra:
            then = state_on(hz, evs.get(hz.id, []), day)
            src = LedgerSource.__new__(LedgerSource)
            src.file = "数据库"
            src.profile = {k: v for k, v in dict(hz.enterprise.profile, sector=hz.enterprise.sector,
                                                 credit_code=hz.enterprise.credit_code,
                                                 name=hz.enterprise.name).items() if k in LedgerSource.KEEP}
            src.inspection = {"date": None}
            src.hazards = [_store_hazard(hz, then)]
            inputs.evidence.append(src)
        # penalties recorded on hazards are 行政处罚 records, unless the bureau's activity file has it
        # already (the same enterprise, the same day)
        if inputs.activities:
            filed = {(a.credit_code, a.date) for af in inputs.activities for a in af.activities if a.kind == "行政处罚"}
            rows = []
            for hid, e in sorted(evs.items()):
                hz = hz_by_id.get(hid)
                if hz is None or (sector and hz.enterprise.sector != sector):
                    continue
                for ev in e:
                    if ev.kind != "hazard.penalty":
                        continue
                    on = date.fromisoformat(ev.payload["on"])
                    if (hz.enterprise.credit_code, on) in filed:
                        continue
                    amount = ev.payload.get("amount")
                    rows.append(Activity(
                        file="数据库（隐患处罚记录）", index=len(rows), line=None, date=on, district=hz.district,
                        kind="行政处罚", count=1, amount=Decimal(str(amount)) if amount is not None else None,
                        enterprise=hz.enterprise.name, credit_code=hz.enterprise.credit_code,
                        id=f"隐患#{hz.id}", note=ev.payload.get("note")))
            if rows:
                inputs.activities.append(ActivityFile(bureau=inputs.activities[0].bureau, activities=tuple(rows)))


def _store_hazard(h: models.Hazard, then: dict):
    """A store hazard as the report's Hazard record, as it was on the day `then` describes."""
    from yinhuan.reports.hazards import Hazard
    p = h.enterprise.profile
    status, rectified_on = ledger_status(then)
    return Hazard(
        file="数据库", index=h.id, line=None, credit_code=h.enterprise.credit_code,
        enterprise=h.enterprise.name, city=p.get("city", ""), district=h.district,
        county=p.get("county", "") or h.district, sector=h.enterprise.sector,
        industry=h.enterprise.industry, domains=tuple(p.get("domains", [])),
        mine_types=tuple(p.get("mine_types", [])), id=f"隐患#{h.id}", description=h.description,
        found_on=h.found_on, found_by=h.found_by, basis=h.basis, criterion=h.criterion,
        onsite_action=then["onsite_action"], admin_action=then["admin_action"],
        listed_by=then["listed_by"], listed_level=then["listed_level"], responsible=then["responsible"],
        deadline=then["deadline"], measures=then["measures"], status=status, rectified_on=rectified_on)


def hazard_events(s) -> dict[int, list]:
    """Every hazard's events in the order they were recorded, by hazard id."""
    q = select(models.Event).where(models.Event.entity == "hazard").order_by(models.Event.seq)
    out: dict[int, list] = {}
    for e in s.scalars(q).yield_per(2000):
        out.setdefault(int(e.entity_id), []).append(e)
    return out


def ledger_hazards(store: Store, as_of: date, district: str | None = None):
    """The store's hazards found on or before `as_of`, as the report's Hazard records, each as it was
    on that date, replayed from its events (hazards.state_on): state, deadline (a 延期 only once
    approved), 挂牌督办 and rectification as they stood then, not as they stand now."""
    from .hazards import state_on
    with store.session() as s:
        q = (select(models.Hazard).options(selectinload(models.Hazard.enterprise))
             .where(models.Hazard.found_on <= as_of).order_by(models.Hazard.found_on, models.Hazard.id))
        if district:
            q = q.where(models.Hazard.district == district)
        evs = hazard_events(s)
        out = [_store_hazard(h, state_on(h, evs.get(h.id, []), as_of)) for h in s.scalars(q)]
    if not out:
        raise InputError(f"数据库中没有 {as_of} 及以前发现的重大事故隐患", field="--as-of")
    return out

