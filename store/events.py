"""The append-only event log: every change to the store is one event, hash-chained to the previous.

hash(n) = SHA-256(hash(n-1) + canonical JSON of event n). `chain_head` holds the last seq and hash;
every writing transaction locks it first (`lock`), so writers append one after another (SQLite
already serialises them with BEGIN IMMEDIATE; PostgreSQL by SELECT … FOR UPDATE on that row), and
what a transaction read before deciding is still true when it writes.

An event about a record also carries the digest of the record as the event left it; `verify` checks
the chain, that no event is missing at the end, and that every such record still has that digest —
so a row altered or deleted outside the program (a hand-edited SQLite file, an UPDATE in psql) is
found.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import models

GENESIS = "0" * 64


def canonical(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(v):
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, (set, frozenset, tuple)):
        return list(v)
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, bytes):
        return hashlib.sha256(v).hexdigest()
    raise TypeError(type(v).__name__)


def now() -> datetime:
    """UTC, naive, to the microsecond (the same on SQLite and PostgreSQL)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def row_digest(obj) -> str:
    """Digest of a record's columns (all but the pointer to its last event). Empty (NULL) columns are
    left out, so a column added by a later migration does not change the digest of older records."""
    cols = {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs
            if c.key != "updated_seq" and getattr(obj, c.key) is not None}
    extra = getattr(obj, "digest_extra", None)
    if extra is not None:          # rows that belong to this one (an inspection's findings)
        cols["_parts"] = extra()
    return hashlib.sha256(canonical(cols).encode()).hexdigest()


def parts_digest(obj) -> str:
    """Digest of the rows of other tables that belong to a record (a hazard's sightings and links)."""
    return hashlib.sha256(canonical(obj.digest_parts()).encode()).hexdigest()


def _event_hash(prev: str, seq: int, at: datetime, actor: str, kind: str, entity: str, entity_id: str,
                payload: dict) -> str:
    body = canonical([seq, at.isoformat(), actor, kind, entity, entity_id, payload])
    return hashlib.sha256((prev + body).encode()).hexdigest()


def ensure_head(s: Session) -> None:
    if s.get(models.ChainHead, 1) is None:
        s.add(models.ChainHead(id=1, seq=0, hash=GENESIS))
        s.flush()


def lock(s: Session) -> models.ChainHead:
    """Take the writers' lock for this transaction (call first in every writing transaction)."""
    head = s.scalars(select(models.ChainHead).where(models.ChainHead.id == 1).with_for_update()).first()
    if head is None:
        ensure_head(s)
        head = s.get(models.ChainHead, 1)
    return head


def record(s: Session, actor: str, kind: str, entity: str, entity_id, payload: dict | None = None,
           row=None) -> models.Event:
    """Append one event (inside the caller's transaction). `row`: the record the event leaves behind;
    its digest is kept in the event so `verify` can tell if it is later changed outside the program."""
    head = lock(s)
    payload = json.loads(canonical(payload or {}))
    if row is not None:
        s.flush()
        payload["row_digest"] = row_digest(row)
        if hasattr(row, "digest_parts"):
            payload["parts_digest"] = parts_digest(row)
    seq = head.seq + 1
    at = now()
    h = _event_hash(head.hash, seq, at, actor, kind, entity, str(entity_id), payload)
    ev = models.Event(seq=seq, at=at, actor=actor, kind=kind, entity=entity, entity_id=str(entity_id),
                      payload=payload, prev_hash=head.hash, hash=h)
    s.add(ev)
    head.seq, head.hash = seq, h
    if row is not None and hasattr(row, "updated_seq"):
        row.updated_seq = seq
    s.flush()
    return ev


@dataclass
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


# entity name in events -> model whose rows the events vouch for
VOUCHED = {"enterprise": models.Enterprise, "hazard": models.Hazard, "inspection": models.Inspection, "user": models.User,
           "document": models.Document, "activity": models.Activity, "plan": models.PlanDraw}


def verify(s: Session) -> tuple[int, list[Problem]]:
    """Check the chain and the vouched-for records; returns (events checked, problems)."""
    problems: list[Problem] = []
    prev, expected_seq, n = GENESIS, 1, 0
    last_digest: dict[tuple[str, str], tuple[int, str | None, str | None]] = {}
    for ev in s.scalars(select(models.Event).order_by(models.Event.seq)).yield_per(2000):
        n += 1
        where = f"事件 #{ev.seq}"
        if ev.seq != expected_seq:
            problems.append(Problem(where, f"缺少事件 #{expected_seq}–#{ev.seq - 1}（被删除）"))
        if ev.prev_hash != prev:
            problems.append(Problem(where, "与前一事件的哈希链断开"))
        if _event_hash(ev.prev_hash, ev.seq, ev.at, ev.actor, ev.kind, ev.entity, ev.entity_id,
                       ev.payload) != ev.hash:
            problems.append(Problem(where, f"内容被改动（{ev.kind} {ev.entity} {ev.entity_id}）"))
        prev, expected_seq = ev.hash, ev.seq + 1
        if ev.entity in VOUCHED:
            last_digest[(ev.entity, ev.entity_id)] = (ev.seq, ev.payload.get("row_digest"),
                                                      ev.payload.get("parts_digest"))
    head = s.get(models.ChainHead, 1)
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        problems.append(Problem("事件链末尾", f"记录的最后事件为 #{head.seq}，实际为 #{expected_seq - 1}（末尾事件被删除或改动）"))
    for (entity, eid), (seq, digest, parts) in sorted(last_digest.items(), key=lambda kv: kv[1][0]):
        model = VOUCHED[entity]
        obj = s.get(model, int(eid)) if eid.isdigit() else None
        label = f"{model.__tablename__} #{eid}"
        if obj is None:
            problems.append(Problem(label, f"记录已不存在（最后由事件 #{seq} 写入），在程序之外被删除"))
        elif digest and row_digest(obj) != digest:
            problems.append(Problem(label, f"记录与事件 #{seq} 写入时不同，在程序之外被改动"))
        elif parts and parts_digest(obj) != parts:
            problems.append(Problem(label, f"所属的发现记录（hazard_sightings）或台账关联（hazard_links）与事件 #{seq} "
                                           "写入时不同，在程序之外被改动、删除或添加"))
    # a record that no event vouches for was added outside the program
    for entity, model in VOUCHED.items():
        pk = list(model.__mapper__.primary_key)[0]
        for (rid,) in s.execute(select(pk)):
            if (entity, str(rid)) not in last_digest:
                problems.append(Problem(f"{model.__tablename__} #{rid}", "没有任何事件记录它的写入，在程序之外被添加"))
    return n, problems
