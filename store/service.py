"""What the CLI and the web app call: one function per action, each one transaction.

Handlers (click commands, web views) parse their input, call these, and show the result; they never
write to the tables themselves, so every change is an event and the two front ends cannot disagree.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from . import models
from .db import Store
from .users import create_user


def ensure_admin(store: Store, username: str) -> str | None:
    """The first user of a new store: the person who ran `db init`, as admin. Returns the name
    when created."""
    with store.session() as s:
        if s.scalar(select(func.count()).select_from(models.User)):
            return None
        create_user(s, username, username, username, "admin")
        return username


# ---- hazards -------------------------------------------------------------------------------------

def hazard_dict(h: models.Hazard, as_of) -> dict:
    from .hazards import overdue
    ent = h.enterprise
    return {"id": h.id, "enterprise": ent.name, "credit_code": ent.credit_code, "district": h.district,
            "description": h.description, "basis": h.basis, "criterion": h.criterion, "place": h.place,
            "found_on": h.found_on, "found_by": h.found_by, "found": f"{h.found_on} {h.found_by}"
            + (f"（{h.found_agency}）" if h.found_agency else ""), "state": h.state, "deadline": h.deadline,
            "responsible": h.responsible, "measures": h.measures, "listed_by": h.listed_by,
            "listed_level": h.listed_level, "listed": f"{h.listed_by}（{h.listed_level}）" if h.listed_by else "",
            "rectified_on": h.rectified_on, "rectified": f"{h.rectified_on}（{h.rectified_by or '台账'}）"
            if h.rectified_on else "", "closed_on": h.closed_on,
            "signed_off": "、".join(f"{k} {v}" for k, v in (h.signed_off or {}).items()),
            "times_found": h.times_found, "recurrences": h.recurrences, "penalties": h.penalties,
            "extensions": h.extensions, "overdue": overdue(h, as_of)}


def list_hazards(store: Store, *, as_of, district=None, state=None, overdue_on=None, listed=None,
                 enterprise=None) -> list[dict]:
    from . import hazards
    with store.session() as s:
        return [hazard_dict(h, as_of) for h in hazards.query(s, district=district, state=state,
                                                              overdue_on=overdue_on, listed=listed,
                                                              enterprise=enterprise)]


_WHAT = {"hazard.register": "登记", "hazard.sighting.again": "再次发现（不重复计数）",
         "hazard.sighting.recurring": "销号后再次发现（复现）", "hazard.sighting.updated": "台账更新",
         "hazard.move": "状态变更", "hazard.extend": "延期", "hazard.list": "挂牌督办",
         "hazard.penalty": "行政处罚", "hazard.closed_by_inspection": "复查符合，销号",
         "hazard.link": "关联台账记录"}


def _describe_event(e: models.Event) -> str:
    p = e.payload
    what = _WHAT.get(e.kind, e.kind)
    if e.kind == "hazard.move":
        what += f" {p['from']} → {p['to']}（{p['on']}）"
        if p.get("rectified_on"):
            what += f"，完成整改 {p['rectified_on']}"
        if p.get("five_in_place"):
            what += "，五到位 " + "、".join(f"{k}={v}" for k, v in p["five_in_place"].items())
        if p.get("signatures"):
            what += "，签字 " + "、".join(f"{k} {v}" for k, v in p["signatures"].items()) + f"，验收 {p['accepted_by']}"
        if p.get("note"):
            what += f"，{p['note']}"
    elif e.kind == "hazard.extend":
        what += f" {p['from']} → {p['to']}，理由：{p['reason']}"
    elif e.kind == "hazard.list":
        what += f" {p['unit']}（{p['level']}）"
    elif e.kind == "hazard.penalty":
        what += f" {p['on']}：{p['note']}"
    elif e.kind == "hazard.link":
        what += f" {p['record_id']}"
    elif "source" in p:
        what += f"：{p['source']}"
    elif "note" in p:
        what += f"：{p['note']}"
    return what


def show_hazard(store: Store, hazard_id: int, as_of) -> dict:
    from . import hazards
    with store.session() as s:
        h = hazards.get(s, hazard_id, lock=False)
        sightings = s.scalars(select(models.Sighting).where(models.Sighting.hazard_id == h.id)
                              .order_by(models.Sighting.seen_on, models.Sighting.id))
        return {"hazard": hazard_dict(h, as_of),
                "sightings": [{"seen_on": x.seen_on, "found_by": x.found_by, "source": x.source} for x in sightings],
                "history": [{"seq": e.seq, "at": e.at.isoformat(timespec="seconds"), "actor": e.actor,
                             "kind": e.kind, "what": _describe_event(e), "payload": e.payload}
                            for e in hazards.history(s, h.id)],
                "suggestions": hazards.suggestions(h, as_of)}


def move_hazard(store: Store, actor: str, hazard_id: int, to: str, on, **kw) -> dict:
    from . import hazards
    with store.session() as s:
        return hazard_dict(hazards.move(s, actor, hazard_id, to, on, **kw), on)


def extend_hazard(store: Store, actor: str, hazard_id: int, new_deadline, reason: str, on) -> dict:
    from . import hazards
    with store.session() as s:
        return hazard_dict(hazards.extend(s, actor, hazard_id, new_deadline, reason, on), on)


def supervise_hazard(store: Store, actor: str, hazard_id: int, unit: str, level: str, on) -> dict:
    from . import hazards
    with store.session() as s:
        return hazard_dict(hazards.list_for_supervision(s, actor, hazard_id, unit, level, on), on)


def penalise_hazard(store: Store, actor: str, hazard_id: int, on, note: str, amount=None) -> dict:
    from . import hazards
    with store.session() as s:
        return hazard_dict(hazards.penalise(s, actor, hazard_id, on, note, amount), on)


def link_hazard(store: Store, actor: str, hazard_id: int, record_id: str) -> dict:
    from . import hazards
    with store.session() as s:
        return hazard_dict(hazards.link(s, actor, hazard_id, record_id), date.today())


def import_files(store: Store, paths, actor: str, sector: str | None = None):
    """(reports, refusals): see importer.import_files."""
    from . import importer
    return importer.import_files(store, paths, actor, sector)
