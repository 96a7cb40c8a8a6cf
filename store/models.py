"""The tables of the store. Column names are English; values shown to people are Chinese.

Design notes:
- Source files are kept whole in `documents`, addressed by the SHA-256 of their bytes: importing the
  same file twice finds it and changes nothing, and `tally --db` re-reads exactly what was filed.
- A hazard's identity (`identity`) is computed once, when it is registered, and never again: later
  changes to its description or basis do not split it into a copy.
- `events` is append-only and hash-chained (see events.py); `chain_head` is the one row every writer
  locks, so concurrent writers append one after the other.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint, CheckConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, object_session, relationship

ROLES = ("inspector", "admin", "viewer")
MODES = ("自查", "部门检查")

# hazard lifecycle states
FOUND, RECTIFYING, RECTIFIED, CLOSED = "发现", "整改中", "已整改(待验收)", "已销号"
STATES = (FOUND, RECTIFYING, RECTIFIED, CLOSED)


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    district: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # set while the account is disabled (NULL otherwise, so older rows keep their event digest)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (CheckConstraint("role in ('inspector', 'admin', 'viewer')", name="ck_users_role"),)


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))            # evidence | findings | activity | ledger
    sector: Mapped[str | None] = mapped_column(String(16), nullable=True)  # an activity file's 工贸 | 非煤矿山
    filename: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(64))


class Enterprise(Base):
    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(String(64))
    sector: Mapped[str] = mapped_column(String(16))
    industry: Mapped[str] = mapped_column(String(64), default="")
    profile: Mapped[dict] = mapped_column(JSON)              # the latest profile seen
    profile_as_of: Mapped[date | None] = mapped_column(Date, nullable=True)


class Inspection(Base):
    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    date: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(16), default="")     # 自查 | 部门检查 | '' (not stated)
    agency: Mapped[str] = mapped_column(Text, default="")
    inspectors: Mapped[list] = mapped_column(JSON, default=list)
    checklist_id: Mapped[str] = mapped_column(String(64))
    rulebook_version: Mapped[str] = mapped_column(String(80), default="")
    profile: Mapped[dict] = mapped_column(JSON)                   # the profile as of this inspection
    natural_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_sha: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(Text, default="")   # findings file (or evidence file for check --db)
    source_index: Mapped[int] = mapped_column(Integer, default=0)
    source_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    evidence_file: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    enterprise: Mapped[Enterprise] = relationship()
    findings: Mapped[list["Finding"]] = relationship(back_populates="inspection", order_by="Finding.id")

    def digest_extra(self) -> list:
        """The findings are part of the inspection's record: one changed outside the program shows."""
        return sorted([f.rule, f.status, f.counters, f.reason, f.criterion] for f in self.findings)


class Finding(Base):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    rule: Mapped[str] = mapped_column(String(96))
    status: Mapped[str] = mapped_column(String(8))
    counters: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    criterion: Mapped[str | None] = mapped_column(String(32), nullable=True)
    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    __table_args__ = (UniqueConstraint("inspection_id", "rule", name="uq_findings_rule"),)


class Activity(Base):
    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_sha: Mapped[str] = mapped_column(String(64), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    date: Mapped[date] = mapped_column(Date)
    district: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(Text)
    record: Mapped[dict] = mapped_column(JSON)


class Hazard(Base):
    __tablename__ = "hazards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity: Mapped[str] = mapped_column(String(64), unique=True)   # fixed at registration
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    district: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text, default="")
    criterion: Mapped[str] = mapped_column(String(32), default="")
    place: Mapped[str] = mapped_column(Text, default="")
    found_on: Mapped[date] = mapped_column(Date)
    found_by: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    responsible: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    onsite_action: Mapped[str] = mapped_column(Text, default="")
    admin_action: Mapped[str] = mapped_column(Text, default="")
    listed_by: Mapped[str] = mapped_column(Text, default="")        # 挂牌督办单位
    listed_level: Mapped[str] = mapped_column(String(8), default="")
    rectified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    rectified_by: Mapped[str] = mapped_column(String(64), default="")
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reported_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    found_agency: Mapped[str] = mapped_column(Text, default="")      # the unit that found it (谁发现谁挂牌)
    self_reported_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # first in the enterprise's own ledger
    penalised_on: Mapped[date | None] = mapped_column(Date, nullable=True)      # last administrative penalty
    signed_off: Mapped[dict] = mapped_column(JSON, default=dict)     # {主要负责人: 姓名, 安全总监: 姓名}
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    decided_by_person: Mapped[bool] = mapped_column(default=False)   # imports never override then
    times_found: Mapped[int] = mapped_column(Integer, default=1)
    recurrences: Mapped[int] = mapped_column(Integer, default=0)
    penalties: Mapped[int] = mapped_column(Integer, default=0)
    updated_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # the event that last changed it
    enterprise: Mapped[Enterprise] = relationship()

    def digest_parts(self) -> dict:
        """The rows that belong to this hazard in other tables (its sightings and the ledger records
        linked to it), as `db verify` compares them: one altered, deleted or added outside the program
        changes this. Kept apart from the row digest so the digests of older events stay valid."""
        from sqlalchemy import select
        s = object_session(self)
        sightings = s.execute(select(Sighting.id, Sighting.key, Sighting.seen_on, Sighting.found_by, Sighting.source)
                              .where(Sighting.hazard_id == self.id).order_by(Sighting.id)).all()
        links = s.execute(select(HazardLink.id, HazardLink.credit_code, HazardLink.record_id)
                          .where(HazardLink.hazard_id == self.id).order_by(HazardLink.id)).all()
        return {"sightings": [list(r) for r in sightings], "links": [list(r) for r in links]}


class HazardLink(Base):
    """An explicit link from a ledger record id (per enterprise) to a registered hazard."""
    __tablename__ = "hazard_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18))
    record_id: Mapped[str] = mapped_column(String(128))
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"))
    __table_args__ = (UniqueConstraint("credit_code", "record_id", name="uq_hazard_links_record"),)


class Sighting(Base):
    """Each time a hazard was reported (an inspection or a filed ledger), never counted twice."""
    __tablename__ = "hazard_sightings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    seen_on: Mapped[date] = mapped_column(Date)
    found_by: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)


class PlanDraw(Base):
    __tablename__ = "plan_draws"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seed: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(DateTime)
    drawn_by: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON)
    population: Mapped[list] = mapped_column(JSON)
    drawn: Mapped[list] = mapped_column(JSON)


class Event(Base):
    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(48))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    __tablename__ = "chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


# the web app's working state (drafts, login failures, its session key): tables of the same schema
from . import webstate  # noqa: E402,F401
