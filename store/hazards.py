"""Hazards kept over the campaign: registration (identity fixed once), the lifecycle, overdue,
挂牌督办, 延期, and the notice's enforcement suggestions.

Identity. A hazard is the same hazard when the enterprise, the 判定依据 and the place are the same,
or when a ledger record id of that enterprise was already linked to it. The identity string is
computed when the hazard is registered and stored; it is never recomputed, so later edits to the
description or basis never split a hazard into a copy (DefectDojo's re-import problem).

Imports never override a person: once someone moved, extended or signed a hazard off
(`decided_by_person`), a file may add a sighting but changes neither state nor deadline. A hazard
absent from a later file stays as it is; only a person's sign-off (or acceptance) closes it.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from yinhuan.errors import InputError

from . import events, models
from .models import CLOSED, FOUND, RECTIFIED, RECTIFYING, STATES

OPEN = (FOUND, RECTIFYING)
SIGNERS = ("主要负责人", "安全总监")


class Refused(InputError):
    """An illegal transition: the message says why, in Chinese."""


# ---- what an event changed (so any past date can be replayed) ------------------------------------

# The fields of a hazard that change over its life and that the ledger and the tables show. Every
# hazard event carries `set` (the fields it changed, with their new values) and `effective` (the date
# the change takes effect: the decision's date for a person's action, the discovery or filing date
# for a file), so `state_on` can rebuild the hazard as it was on any date.
TRACKED = ("state", "deadline", "rectified_on", "closed_on", "listed_by", "listed_level", "responsible",
           "measures", "onsite_action", "admin_action", "penalties", "penalised_on", "extensions")
DATES = ("deadline", "rectified_on", "closed_on", "penalised_on")
BLANK = {"state": FOUND, "deadline": None, "rectified_on": None, "closed_on": None, "listed_by": "",
         "listed_level": "", "responsible": "", "measures": "", "onsite_action": "", "admin_action": "",
         "penalties": 0, "penalised_on": None, "extensions": 0}


def snapshot(hz: models.Hazard) -> dict:
    return {k: getattr(hz, k) for k in TRACKED}


def record_change(s: Session, actor: str, kind: str, hz: models.Hazard, payload: dict, before: dict,
                  effective: date) -> None:
    """The one way a hazard event is written: what changed since `before`, and from when."""
    after = snapshot(hz)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    events.record(s, actor, kind, "hazard", hz.id, dict(payload, set=changed, effective=effective), row=hz)


# ---- identity ----------------------------------------------------------------------------------

def norm(text: str) -> str:
    t = (text or "").replace("(", "（").replace(")", "）")
    return re.sub(r"\s+", "", t)


def norm_place(text: str) -> str:
    """隐患部位 as identity compares it: full-width letters, digits and brackets as half-width (NFKC),
    no whitespace at all, so “１号 车间” and “1号车间” are one place."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def identity_of(credit_code: str, basis: str, place: str = "") -> str:
    """Computed once, at registration, and stored: never recomputed."""
    return hashlib.sha256(f"{credit_code}|{norm(basis)}|{norm_place(place)}".encode()).hexdigest()


@dataclass
class Sighted:
    """A hazard as one source reports it (a ledger record, a criterion finding)."""

    record_id: str
    description: str
    basis: str
    found_on: date
    found_by: str
    source: str                      # file:line record, for people
    criterion: str = ""
    place: str = ""
    seen_on: date | None = None      # the inspection (or filing) date; default found_on
    agency: str = ""
    deadline: date | None = None
    status: str = ""                 # the record's own status: 未整改 | 整改中 | 已整改
    rectified_on: date | None = None
    reported_on: date | None = None
    signed_off_on: date | None = None
    fields: dict = field(default_factory=dict)  # responsible, measures, onsite_action, admin_action, listed_by, listed_level


def _state_of_record(rec: Sighted) -> str:
    if rec.status == "已整改" and rec.rectified_on:
        return RECTIFIED
    if rec.status == "整改中":
        return RECTIFYING
    return FOUND


def register(s: Session, actor: str, ent: models.Enterprise, rec: Sighted) -> tuple[models.Hazard, str]:
    """Register a sighting. Returns (hazard, what): 'new', 'again' (known hazard, new sighting),
    'recurring' (found again after 销号), 'updated' (the filed record moved it on), 'same' (nothing new)."""
    seen_on = rec.seen_on or rec.found_on
    basis = rec.basis or rec.criterion
    hz = None
    if rec.record_id:
        link = s.scalar(select(models.HazardLink).where(models.HazardLink.credit_code == ent.credit_code,
                                                        models.HazardLink.record_id == rec.record_id))
        hz = s.get(models.Hazard, link.hazard_id) if link else None
    ident = identity_of(ent.credit_code, basis, rec.place)
    if hz is None:
        hz = s.scalar(select(models.Hazard).where(models.Hazard.identity == ident))
    skey = hashlib.sha256(events.canonical([ent.credit_code, rec.record_id, ident, seen_on, rec.found_by,
                                            rec.status, rec.rectified_on]).encode()).hexdigest()
    if hz is None:
        hz = models.Hazard(
            identity=ident, enterprise_id=ent.id, district=ent.district, description=rec.description,
            basis=basis, criterion=rec.criterion, place=" ".join(rec.place.split()), found_on=rec.found_on, found_by=rec.found_by,
            state=_state_of_record(rec), deadline=rec.deadline, rectified_on=rec.rectified_on
            if _state_of_record(rec) == RECTIFIED else None, reported_on=rec.reported_on,
            found_agency=rec.agency if rec.found_by == "部门检查" else "",
            self_reported_on=rec.found_on if rec.found_by == "自查" else None,
            times_found=1, recurrences=0, penalties=0, extensions=0, signed_off={},
            decided_by_person=False, rectified_by="",
            **{k: v for k, v in rec.fields.items() if v})
        s.add(hz)
        s.flush()
        _link(s, ent, rec, hz)
        s.add(models.Sighting(hazard_id=hz.id, key=skey, seen_on=seen_on, found_by=rec.found_by, source=rec.source))
        record_change(s, actor, "hazard.register", hz, {"identity": ident, "source": rec.source, "state": hz.state},
                      BLANK, rec.found_on)
        return hz, "new"
    before = snapshot(hz)
    linked = _link(s, ent, rec, hz)
    if s.scalar(select(models.Sighting).where(models.Sighting.key == skey)):
        if linked:   # nothing new but the record id: the link is written, and vouched for, by an event
            record_change(s, actor, "hazard.link", hz,
                          {"record_id": rec.record_id, "credit_code": ent.credit_code, "source": rec.source},
                          before, seen_on)
        return hz, "same"
    s.add(models.Sighting(hazard_id=hz.id, key=skey, seen_on=seen_on, found_by=rec.found_by, source=rec.source))
    what = "again"
    if rec.found_by == "自查" and (hz.self_reported_on is None or rec.found_on < hz.self_reported_on):
        hz.self_reported_on = rec.found_on
    if rec.criterion and not hz.criterion:
        hz.criterion = rec.criterion
    if rec.found_by == "部门检查" and not hz.found_agency:
        hz.found_agency = rec.agency
    if hz.state == CLOSED and hz.closed_on and seen_on > hz.closed_on and rec.status != "已整改":
        hz.state, hz.recurrences, hz.times_found = FOUND, hz.recurrences + 1, hz.times_found + 1
        hz.rectified_on, hz.closed_on, hz.rectified_by, hz.signed_off = None, None, "", {}
        hz.decided_by_person = False
        what = "recurring"
    elif not hz.decided_by_person:
        new_state = _state_of_record(rec)
        if STATES.index(new_state) > STATES.index(hz.state):   # files move a hazard forward, never back
            hz.state = new_state
            if new_state == RECTIFIED:
                hz.rectified_on = rec.rectified_on
            what = "updated"
        if rec.deadline and hz.deadline is None:
            hz.deadline = rec.deadline
        for k, v in rec.fields.items():
            if v and not getattr(hz, k):
                setattr(hz, k, v)
    record_change(s, actor, f"hazard.sighting.{what}", hz,
                  {"source": rec.source, "seen_on": seen_on, "found_by": rec.found_by, "state": hz.state},
                  before, seen_on)
    return hz, what


def _link(s: Session, ent, rec: Sighted, hz) -> bool:
    """Link the record id to the hazard the first time it is seen; True when a link was added."""
    if rec.record_id and not s.scalar(select(models.HazardLink).where(
            models.HazardLink.credit_code == ent.credit_code, models.HazardLink.record_id == rec.record_id)):
        s.add(models.HazardLink(credit_code=ent.credit_code, record_id=rec.record_id, hazard_id=hz.id))
        s.flush()
        return True
    return False


# ---- the lifecycle -------------------------------------------------------------------------------

def _person(s: Session, username: str) -> models.User:
    u = s.scalar(select(models.User).where(models.User.username == username))
    if u is None:
        raise Refused(f"操作人 {username} 不是登记的用户（先用 yinhuan users add 登记）", field="--user")
    if u.role == "viewer":
        raise Refused(f"用户 {username} 是只读用户，不能改动隐患", field="--user")
    return u


def get(s: Session, hazard_id: int, lock: bool = True) -> models.Hazard:
    if lock:
        events.lock(s)
    hz = s.get(models.Hazard, hazard_id)
    if hz is None:
        raise InputError(f"没有编号为 {hazard_id} 的隐患", field="hazard")
    return hz


def move(s: Session, actor: str, hazard_id: int, to: str, on: date, note: str = "",
         rectified_on: date | None = None, signatures: dict | None = None, five: dict | None = None) -> models.Hazard:
    """One lifecycle transition, refused with the reason when illegal.

    发现 → 整改中 (五到位: 责任人、措施、期限 …) → 已整改(待验收) (完成整改日期 not before 发现时间) →
    已销号 (验收 by someone other than who rectified, with the note, and the signatures of the
    主要负责人 and 安全总监). 已整改 → 整改中 (验收不通过) and 已销号 → 发现 (重新打开) reopen it."""
    user = _person(s, actor)
    hz = get(s, hazard_id)
    before = snapshot(hz)
    frm = hz.state
    if to not in STATES:
        raise Refused(f"未知状态 “{to}”，应为 {'、'.join(STATES)} 之一", field="state")
    allowed = {FOUND: (RECTIFYING, RECTIFIED), RECTIFYING: (RECTIFIED,), RECTIFIED: (CLOSED, RECTIFYING),
               CLOSED: (FOUND,)}[frm]
    if to not in allowed:
        raise Refused(f"隐患 {hz.id} 当前为 {frm}，不能直接改为 {to}（可改为：{'、'.join(allowed)}）", field="state")
    payload: dict = {"from": frm, "to": to, "on": on, "note": note}
    if to == RECTIFYING:
        if frm == RECTIFIED and not note:
            raise Refused("验收不通过退回整改中，须写明原因（--note）", field="note")
        five = {k: v for k, v in (five or {}).items() if v not in (None, "")}
        for k, v in five.items():
            if k == "deadline":
                if v < hz.found_on:
                    raise Refused(f"整改期限 {v} 早于发现时间 {hz.found_on}", field="deadline")
                if hz.deadline and v != hz.deadline:
                    raise Refused("已有整改期限；变更期限只能通过局里批准的延期（yinhuan hazards extend）", field="deadline")
                hz.deadline = v
            elif k in ("responsible", "measures"):
                setattr(hz, k, v)
        payload["five_in_place"] = five
        if frm == RECTIFIED:
            hz.rectified_on, hz.rectified_by = None, ""
    elif to == RECTIFIED:
        if rectified_on is None:
            raise Refused("改为已整改须给出完成整改日期（--rectified-on）", field="rectified_on")
        if rectified_on < hz.found_on:
            raise Refused(f"完成整改日期 {rectified_on} 早于发现时间 {hz.found_on}", field="rectified_on")
        if rectified_on > on:
            raise Refused(f"完成整改日期 {rectified_on} 晚于操作日期 {on}", field="rectified_on")
        hz.rectified_on, hz.rectified_by = rectified_on, user.username
        payload["rectified_on"] = rectified_on
    elif to == CLOSED:
        sig = {k: (v or "").strip() for k, v in (signatures or {}).items()}
        missing = [r for r in SIGNERS if not sig.get(r)]
        if missing:
            raise Refused(f"销号须有主要负责人和安全总监签字，缺少：{'、'.join(missing)}", field="signatures")
        if hz.rectified_by and hz.rectified_by == user.username:
            raise Refused(f"验收须由整改人（{hz.rectified_by}）以外的人员进行", field="--user")
        if not note:
            raise Refused("销号须附验收意见（--note）", field="note")
        hz.signed_off, hz.closed_on = {r: sig[r] for r in SIGNERS}, on
        payload["signatures"], payload["accepted_by"] = hz.signed_off, user.username
    elif to == FOUND:
        if not note:
            raise Refused("重新打开已销号的隐患须写明原因（--note）", field="note")
        hz.closed_on, hz.signed_off, hz.rectified_on, hz.rectified_by = None, {}, None, ""
        hz.recurrences += 1
    hz.state = to
    hz.decided_by_person = True
    record_change(s, actor, "hazard.move", hz, payload, before, on)
    return hz


def extend(s: Session, actor: str, hazard_id: int, new_deadline: date, reason: str, on: date) -> models.Hazard:
    """延期: the only pause of the deadline; approved by the bureau (an admin), with a reason."""
    user = _person(s, actor)
    if user.role != "admin":
        raise Refused(f"延期须由应急管理局（管理员）批准；{actor} 是{'检查员' if user.role == 'inspector' else user.role}",
                      field="--user")
    hz = get(s, hazard_id)
    if hz.state not in OPEN:
        raise Refused(f"隐患 {hz.id} 当前为 {hz.state}，无须延期", field="state")
    if not reason.strip():
        raise Refused("延期须写明理由（--reason）", field="reason")
    if hz.deadline and new_deadline <= hz.deadline:
        raise Refused(f"新的整改期限 {new_deadline} 应晚于原期限 {hz.deadline}", field="deadline")
    old, before = hz.deadline, snapshot(hz)
    hz.deadline, hz.extensions, hz.decided_by_person = new_deadline, hz.extensions + 1, True
    record_change(s, actor, "hazard.extend", hz, {"from": old, "to": new_deadline, "reason": reason, "on": on},
                  before, on)
    return hz


def list_for_supervision(s: Session, actor: str, hazard_id: int, unit: str, level: str, on: date) -> models.Hazard:
    """挂牌督办, by 谁发现谁挂牌: a hazard a department found is hung by that department."""
    _person(s, actor)
    hz = get(s, hazard_id)
    if level not in ("政府", "部门"):
        raise Refused(f"挂牌督办层级应为 政府 或 部门，得到 “{level}”", field="level")
    if not unit.strip():
        raise Refused("挂牌督办须写明挂牌单位（--unit）", field="unit")
    if hz.state == CLOSED:
        raise Refused(f"隐患 {hz.id} 已销号，无须挂牌督办", field="state")
    if level == "部门" and hz.found_by == "部门检查" and hz.found_agency and unit != hz.found_agency:
        raise Refused(f"按“谁发现谁挂牌”，该隐患由 {hz.found_agency} 发现，应由其挂牌督办（得到 {unit}）；"
                      "涉及多部门的可提请政府安委会挂牌（--level 政府）", field="unit")
    before = snapshot(hz)
    hz.listed_by, hz.listed_level, hz.decided_by_person = unit, level, True
    record_change(s, actor, "hazard.list", hz, {"unit": unit, "level": level, "on": on}, before, on)
    return hz


def penalise(s: Session, actor: str, hazard_id: int, on: date, note: str,
             amount: Decimal | None = None) -> models.Hazard:
    """Record an administrative penalty on the hazard (what 长期存在并多次受到处罚 counts; `tally --db`
    counts it as a 行政处罚 record, with its amount in 万元 when given)."""
    _person(s, actor)
    hz = get(s, hazard_id)
    if not note.strip():
        raise Refused("行政处罚须写明文书或说明（--note）", field="note")
    if amount is not None and amount < 0:
        raise Refused(f"罚款金额不能为负数：{amount}", field="amount")
    before = snapshot(hz)
    hz.penalties, hz.penalised_on = hz.penalties + 1, on
    payload = {"on": on, "note": note, **({"amount": str(amount)} if amount is not None else {})}
    record_change(s, actor, "hazard.penalty", hz, payload, before, on)
    return hz


def link(s: Session, actor: str, hazard_id: int, record_id: str) -> models.Hazard:
    """An explicit link: the enterprise's ledger record `record_id` is this hazard, whatever its
    wording or 判定依据 say; later files carrying that record join the hazard instead of copying it."""
    _person(s, actor)
    hz = get(s, hazard_id)
    code = hz.enterprise.credit_code
    record_id = record_id.strip()
    if not record_id:
        raise Refused("须给出台账记录编号（--record）", field="record")
    old = s.scalar(select(models.HazardLink).where(models.HazardLink.credit_code == code,
                                                   models.HazardLink.record_id == record_id))
    if old is not None:
        if old.hazard_id == hz.id:
            raise Refused(f"台账记录 {record_id} 已关联到隐患 #{hz.id}", field="record")
        raise Refused(f"台账记录 {record_id} 已关联到隐患 #{old.hazard_id}，不能再关联到 #{hz.id}", field="record")
    s.add(models.HazardLink(credit_code=code, record_id=record_id, hazard_id=hz.id))
    record_change(s, actor, "hazard.link", hz, {"record_id": record_id, "credit_code": code}, snapshot(hz),
                  date.today())
    return hz


# ---- reading -----------------------------------------------------------------------------------

def overdue(hz: models.Hazard, as_of: date) -> bool:
    """Open (not yet rectified) past its 整改期限 on that date; a 延期 moved the deadline itself."""
    return hz.state in OPEN and hz.deadline is not None and hz.deadline < as_of


NOTICE = "威应急发〔2023〕12号"


def _cite(hz, gm: str, mine: str) -> str:
    return f"{NOTICE} {mine if hz.enterprise.sector == '非煤矿山' else gm}"


def suggestions(hz: models.Hazard, as_of: date) -> list[tuple[str, str]]:
    """The notice's enforcement guidance for this hazard: (suggestion, citation). Suggestions for the
    inspector, never decisions."""
    out = []
    if hz.found_by == "自查" and hz.reported_on and hz.state in (RECTIFYING, RECTIFIED) and not overdue(hz, as_of):
        out.append(("企业自查发现、已按规定报告并正在整改：建议依法不予行政处罚",
                    _cite(hz, "工贸方案 三（三）2", "非煤矿山方案 六（二）3")))
    if hz.found_by == "部门检查" and (hz.self_reported_on is None or hz.self_reported_on > hz.found_on):
        out.append(("部门检查发现、企业台账未载明：属应查未查、应报未报，建议依法从严处罚",
                    _cite(hz, "工贸方案 三（三）2", "非煤矿山方案 六（三）")))
    if overdue(hz, as_of):
        out.append((f"超过整改期限 {hz.deadline} 仍未整改：属应改未改，建议依法从严处罚",
                    _cite(hz, "工贸方案 三（三）2", "非煤矿山方案 六（三）")))
    if hz.penalties >= 1 and (hz.recurrences >= 1 or hz.times_found > 1):
        out.append((f"受到处罚（{hz.penalties} 次）后再次发现：属长期存在并多次受到处罚，建议依法提请地方人民政府予以关闭",
                    _cite(hz, "工贸方案 三（三）2", "非煤矿山方案 六（二）3")))
    return out


def _legacy_effects(e: models.Event) -> dict:
    """What an event written before events carried `set` changed, as far as its payload says."""
    p = e.payload
    if e.kind == "hazard.move":
        out = {"state": p["to"]}
        if p.get("rectified_on"):
            out["rectified_on"] = p["rectified_on"]
        if p["to"] == CLOSED:
            out["closed_on"] = p["on"]
        if p["to"] in (FOUND, RECTIFYING):
            out.update({"rectified_on": None, "closed_on": None} if p["to"] == FOUND else {"rectified_on": None})
        return out
    if e.kind == "hazard.extend":
        return {"deadline": p["to"]}
    if e.kind == "hazard.list":
        return {"listed_by": p["unit"], "listed_level": p["level"]}
    if e.kind == "hazard.closed_by_inspection":
        return {"state": CLOSED, "closed_on": p["on"]}
    if "state" in p:
        return {"state": p["state"]}
    return {}


def _effective(e: models.Event, hz: models.Hazard) -> date:
    p = e.payload
    when = p.get("effective") or p.get("on") or p.get("seen_on")
    if e.kind == "hazard.register" or when is None:
        return hz.found_on
    return date.fromisoformat(when) if isinstance(when, str) else when


def state_on(hz: models.Hazard, evs: list[models.Event], day: date) -> dict | None:
    """The hazard's tracked fields as they were at the end of `day`, replayed from its events (those
    that took effect by then, in the order they were recorded); None if it was not yet found.

    A person's action takes effect on its date (a 延期 on the day it was approved); what a file said
    takes effect on the day the file reports (the discovery date when it registered the hazard). A
    rectification or sign-off a file dates after `day` had not happened yet on `day`."""
    if hz.found_on > day:
        return None
    snap = dict(BLANK)
    legacy = bool(evs) and "set" not in evs[0].payload
    if legacy:   # a store written before events carried `set`: start from the row's undated fields
        snap.update({k: getattr(hz, k) for k in ("deadline", "responsible", "measures", "onsite_action",
                                                "admin_action")})
        first_extension = next((e for e in evs if e.kind == "hazard.extend"), None)
        if first_extension is not None:   # the deadline before any 延期
            old = first_extension.payload.get("from")
            snap["deadline"] = date.fromisoformat(old) if isinstance(old, str) else old
        if not any(e.kind == "hazard.list" for e in evs):   # listed by the file itself
            snap.update(listed_by=hz.listed_by, listed_level=hz.listed_level)
    for e in evs:
        if _effective(e, hz) > day:
            continue
        changed = e.payload["set"] if "set" in e.payload else _legacy_effects(e)
        for k, v in changed.items():
            snap[k] = date.fromisoformat(v) if k in DATES and isinstance(v, str) else v
    if snap["closed_on"] and snap["closed_on"] > day:
        snap["closed_on"], snap["state"] = None, RECTIFIED
    if snap["rectified_on"] and snap["rectified_on"] > day:
        snap["rectified_on"] = None
        if snap["state"] in (RECTIFIED, CLOSED):
            snap["state"] = RECTIFYING
    return snap


def history(s: Session, hazard_id: int) -> list[models.Event]:
    return list(s.scalars(select(models.Event).where(models.Event.entity == "hazard",
                                                     models.Event.entity_id == str(hazard_id))
                          .order_by(models.Event.seq)))


def query(s: Session, *, district: str | None = None, state: str | None = None, overdue_on: date | None = None,
          listed: bool | None = None, enterprise: str | None = None) -> list[models.Hazard]:
    """Hazards matching every filter given (enterprise: credit code or part of the name)."""
    q = select(models.Hazard).join(models.Enterprise).order_by(models.Hazard.found_on, models.Hazard.id)
    if district:
        q = q.where(models.Hazard.district == district)
    if state:
        if state not in STATES:
            raise InputError(f"未知状态 “{state}”，应为 {'、'.join(STATES)} 之一", field="--state")
        q = q.where(models.Hazard.state == state)
    if listed is not None:
        q = q.where((models.Hazard.listed_level != "") if listed else (models.Hazard.listed_level == ""))
    if enterprise:
        q = q.where((models.Enterprise.credit_code == enterprise) | models.Enterprise.name.contains(enterprise))
    out = list(s.scalars(q))
    if overdue_on is not None:
        out = [h for h in out if overdue(h, overdue_on)]
    return out
