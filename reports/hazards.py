"""Major-hazard records from the enterprises' evidence files (their 附件2 ledgers).

One enterprise's ledger may arrive in several evidence files (one per inspection), so a hazard is
identified by (统一社会信用代码, record id) and counted once. When two files disagree on the same
hazard, the file with the later inspection date is the newer ledger and wins; equal dates with
different contents cannot be decided and are an error naming both files.

A record that breaks the tables' formulas is rejected here, naming file, line and field, rather
than being silently counted: 已整改 without rectified_on; rectified_on before found_on; a
rectified_on on a hazard not marked 已整改.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from yinhuan.errors import InputError
from yinhuan.evidence import Evidence

RECTIFIED = "已整改"


@dataclass(frozen=True)
class Hazard:
    file: str
    index: int
    line: int | None
    credit_code: str
    enterprise: str
    city: str
    district: str
    county: str
    sector: str
    industry: str
    domains: tuple[str, ...]
    mine_types: tuple[str, ...]
    id: str
    description: str
    found_on: date
    found_by: str
    basis: str = ""
    criterion: str = ""
    onsite_action: str = ""
    admin_action: str = ""
    listed_by: str = ""
    listed_level: str = ""
    responsible: str = ""
    deadline: date | None = None
    measures: str = ""
    status: str = ""
    rectified_on: date | None = None
    five_in_place: tuple[tuple[str, object], ...] = ()
    place: str = ""                    # 隐患部位 (not a 附件2 column; part of the store's identity)
    inspection_date: date | None = field(default=None, compare=False)
    basis_line: int | None = field(default=None, compare=False)   # where 判定依据 (basis/criterion) is written

    @property
    def key(self) -> tuple[str, str]:
        return (self.credit_code, self.id)

    @property
    def where(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc} records.hazards[{self.index}]（{self.id}）"

    @property
    def rectified(self) -> bool:
        return self.status == RECTIFIED

    def content(self) -> tuple:
        """Everything but where it was read from: two copies of one ledger compare equal."""
        skip = {"file", "index", "line", "inspection_date", "basis_line"}
        return tuple(v for k, v in self.__dict__.items() if k not in skip)


class LedgerSource:
    """What tally and ledger keep of one evidence file: its profile and its hazard records, not
    its other records, so reading thousands of evidence files holds only their ledgers. A message
    about the profile re-reads the file for its line (`error`)."""

    __slots__ = ("file", "profile", "hazards", "inspection")
    KEEP = ("name", "credit_code", "city", "district", "county", "sector", "industry", "domains", "mine_types")

    def __init__(self, ev: Evidence):
        self.file = ev.file
        self.profile = {k: ev.profile[k] for k in self.KEEP if k in ev.profile}
        self.inspection = {"date": ev.inspection.get("date")}
        self.hazards = hazards_of(ev)

    def error(self, message: str, path: tuple) -> InputError:
        from yinhuan.loader import load_file
        try:
            return load_file(self.file).error(message, path)
        except InputError:
            return InputError(message, self.file, None, ".".join(path))


def located(ev, message: str, path: tuple) -> InputError:
    """A message about an evidence file's profile, at its line (a LedgerSource or an Evidence)."""
    if isinstance(ev, LedgerSource):
        return ev.error(message, path)
    if ev.doc is not None:
        return ev.doc.error(message, path)
    return InputError(message, ev.file, None, ".".join(path))


def hazards_of(ev: Evidence) -> list[Hazard]:
    """The hazard records of one evidence file, checked for the formula-breaking mistakes."""
    if isinstance(ev, LedgerSource):
        return ev.hazards
    p = ev.profile
    out = []
    for i, h in enumerate(ev.facts.get("hazards", [])):
        path = ("records", "hazards", i)

        def err(msg, key):
            return ev.doc.error(msg, path + (key,)) if ev.doc else InputError(msg, ev.file, None, key)

        status = h.get("status", "")
        rectified_on = h.get("rectified_on")
        if status == RECTIFIED and rectified_on is None:
            raise err(f"隐患 {h['id']} 标为已整改，但没有完成整改日期 rectified_on", "rectified_on")
        if rectified_on is not None and status != RECTIFIED:
            raise err(f"隐患 {h['id']} 有完成整改日期，但状态为 “{status or '未填写'}”（应为 已整改）", "status")
        if rectified_on is not None and rectified_on < h["found_on"]:
            raise err(f"隐患 {h['id']} 的完成整改日期 {rectified_on} 早于发现时间 {h['found_on']}", "rectified_on")
        five = h.get("five_in_place") or {}
        out.append(Hazard(
            file=ev.file, index=i, line=ev.doc.line_of(path) if ev.doc else None,
            credit_code=p["credit_code"], enterprise=p["name"], city=p.get("city", ""),
            district=p["district"], county=p.get("county", "") or p["district"], sector=p["sector"],
            industry=p.get("industry", ""), domains=tuple(p.get("domains", [])),
            mine_types=tuple(p.get("mine_types", [])),
            id=h["id"], description=h["description"], found_on=h["found_on"], found_by=h["found_by"],
            basis=h.get("basis", ""), criterion=h.get("criterion", ""),
            onsite_action=h.get("onsite_action", ""), admin_action=h.get("admin_action", ""),
            listed_by=h.get("listed_by", ""), listed_level=h.get("listed_level", ""),
            responsible=h.get("responsible") or five.get("responsible", ""),
            deadline=h.get("deadline") or five.get("deadline"),
            measures=h.get("measures") or five.get("measures", ""),
            status=status, rectified_on=rectified_on,
            five_in_place=tuple(sorted(five.items())), place=" ".join((h.get("place") or "").split()),
            inspection_date=ev.inspection.get("date"),
            basis_line=ev.doc.line_of(path + ("basis" if h.get("basis") else "criterion",)) if ev.doc else None))
    return out


def merge(evidences: list[Evidence]) -> list[Hazard]:
    """All hazards, one per (credit code, id), newest ledger winning; in a stable order."""
    chosen: dict[tuple, Hazard] = {}
    for ev in evidences:
        for h in hazards_of(ev):
            old = chosen.get(h.key)
            if old is None or old.content() == h.content():
                chosen.setdefault(h.key, h)
                continue
            if old.inspection_date == h.inspection_date:
                raise InputError(f"同一隐患 {h.id}（{h.credit_code}）在 {old.where} 中内容不同，"
                                 "且两份文件检查日期相同，无法判断哪份台账较新", h.file, h.line,
                                 f"records.hazards[{h.index}]")
            if (h.inspection_date or date.min) > (old.inspection_date or date.min):
                chosen[h.key] = h
    return sorted(chosen.values(), key=lambda h: (h.found_on, h.credit_code, h.id))
