"""Stage 5, findings: what an inspector can defend.

Each evaluator (native or rete) runs, per rule, the check kind's shared decision, which gives a
verdict: the status, the reason in concrete Chinese, the records it rests on. A Finding is that
verdict with the rule's fixed parts (source clause, counters, remedy), so the two evaluators are
compared on what they decided, not on how a sentence is phrased.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

PASS, FAIL, NA, INSUFFICIENT, NOT_DUE = "符合", "不符合", "不适用", "证据不足", "未到期"
STATUSES = (PASS, FAIL, NA, INSUFFICIENT, NOT_DUE)


def worded(value):
    """A verdict's reason or details as given: the value itself, or `(function, *arguments)`
    called now. Checks hand over the tuple so a run that only tallies statuses never words a
    reason, and so a check builds no closure per enterprise."""
    if type(value) is tuple:
        return value[0](*value[1:])
    return value


class Finding:
    """One rule's verdict on one enterprise: what an inspector can defend.

    A check decides a *verdict*, the plain tuple (status, reason, ids of the records it rests on,
    details); reason and details may be given as (function, *arguments), worded when first read
    (see `worded`), so a bulk run that only tallies statuses never words them. What depends on
    the rule alone (id, title, clause, counters, remedy, the catalogue's citation) is `static`,
    shared by every finding of that rule. So a run over thousands of enterprises builds one small
    object per rule and enterprise, and sorts, words and describes only what is read."""

    __slots__ = ("status", "_reason", "_ids", "_details", "facts", "static")

    def __init__(self, verdict: tuple, facts: dict | None = None, static: dict | None = None):
        # status; reason: str, or (function, *arguments) giving it; ids of the records cited, in
        # any order; details
        self.status, self._reason, self._ids, self._details = verdict
        self.facts = facts or {}           # id -> fact, to describe the evidence when shown
        self.static = static or {}

    rule = property(lambda self: self.static.get("rule"))
    title = property(lambda self: self.static.get("title"))
    source = property(lambda self: self.static.get("source"))
    source_text = property(lambda self: self.static.get("source_text", ""))
    remedy = property(lambda self: self.static.get("remedy", ""))
    criterion = property(lambda self: self.static.get("criterion"))
    basis = property(lambda self: self.static.get("basis"))              # 判定依据: the catalogue's citation
    basis_summary = property(lambda self: self.static.get("basis_summary"))  # our paraphrase: 摘要
    unconfirmed = property(lambda self: self.static.get("unconfirmed", False))  # 条文待核实

    @property
    def reason(self) -> str:
        reason = self._reason
        if type(reason) is tuple:
            reason = self._reason = worded(reason)
        if self.status == FAIL and self.static.get("unconfirmed"):
            return reason + "（条文待核实）"
        return reason

    @property
    def details(self) -> dict:
        self._details = worded(self._details) or {}
        return self._details

    @property
    def evidence_ids(self) -> tuple:
        """The cited records' ids, sorted (sorted when first read)."""
        ids = self._ids
        if type(ids) is not tuple:
            ids = self._ids = tuple(sorted(ids, key=str))
        return ids

    @property
    def counters(self) -> list:
        """The dispatch-table counters this finding counts toward: the rule's, when it fails."""
        return list(self.static.get("counters", ())) if self.status == FAIL else []

    def __repr__(self) -> str:
        return f"Finding({self.rule!r}, {self.status!r}, {self.reason!r})"

    @property
    def evidence(self) -> list[dict]:
        """The records used, as references (id, type, date, label) — built when shown, since
        most findings of a large run are tallied, never printed."""
        return [record_ref(fid, self.facts.get(fid)) for fid in self.evidence_ids]

    @property
    def major_hazard(self) -> bool:
        """A criterion met: a 重大事故隐患 for the ledger (not a 家 counter of the dispatch table)."""
        return self.status == FAIL and self.criterion is not None

    def to_json(self, compact: bool = False) -> dict:
        """The finding as findings JSON writes it; compact: without what is the same for every
        finding of its rule (RULE_FIELDS, written once per file by `--format jsonl`), which
        `joined` puts back in place."""
        if compact:
            out = {"rule": self.rule, "status": self.status, "reason": self.reason, "evidence": self.evidence,
                   "counters": self.counters, "details": jsonable(self.details)}
            if self.criterion:
                out["major_hazard"] = self.major_hazard
            return out
        out = {"rule": self.rule, "title": self.title, "status": self.status, "reason": self.reason,
               "source": self.source, "source_text": self.source_text, "evidence": self.evidence,
               "counters": self.counters, "remedy": self.remedy, "criterion": self.criterion,
               "details": jsonable(self.details)}
        if self.criterion:
            out.update({"basis": self.basis, "basis_summary": self.basis_summary,
                        "unconfirmed": self.unconfirmed, "major_hazard": self.major_hazard})
        return out


def rule_json(static: dict) -> dict:
    """What every finding of one rule says alike (its title, clause, remedy, the catalogue's
    citation): the `rules` of a jsonl findings file's first line."""
    out = {"title": static.get("title"), "source": static.get("source"), "source_text": static.get("source_text", ""),
           "remedy": static.get("remedy", ""), "criterion": static.get("criterion")}
    if out["criterion"]:
        out.update({"basis": static.get("basis"), "basis_summary": static.get("basis_summary"),
                    "unconfirmed": static.get("unconfirmed", False)})
    return out


def joined(compact: dict, rule: dict) -> dict:
    """A compact finding (jsonl) with its rule's fields put back: the finding as `--format json`
    writes it, key for key and in the same order."""
    out = {"rule": compact["rule"], "title": rule["title"], "status": compact["status"], "reason": compact["reason"],
           "source": rule["source"], "source_text": rule["source_text"], "evidence": compact["evidence"],
           "counters": compact["counters"], "remedy": rule["remedy"], "criterion": rule["criterion"],
           "details": compact["details"]}
    if rule["criterion"]:
        out.update({"basis": rule["basis"], "basis_summary": rule["basis_summary"],
                    "unconfirmed": rule["unconfirmed"], "major_hazard": compact["major_hazard"]})
    return out


def finding_static(rule) -> dict:
    """The parts of a rule's findings that never change, computed once per rule."""
    cached = rule.__dict__.get("_finding_static")
    if cached is not None:
        return cached
    basis = summary = None
    unconfirmed = False
    cid = rule.raw.get("criterion")
    if cid:
        from .catalogue import load_catalogues
        entry = load_catalogues().entry(cid)
        if entry is not None:
            basis, summary, unconfirmed = entry.citation, entry.summary_text, entry.unconfirmed
    static = {"rule": rule.id, "title": rule.title, "source": basis or rule.source_text,
              "source_text": rule.source.get("text", ""), "remedy": rule.remedy, "criterion": cid,
              "counters": tuple(rule.counters), "basis": basis, "basis_summary": summary,
              "unconfirmed": unconfirmed}
    rule.__dict__["_finding_static"] = static
    return static


_LABEL_KEYS = ("title", "kind", "topic", "name", "description")


def record_ref(fid: str, fact: dict | None) -> dict:
    if fact is None:
        return {"id": fid}
    out = {"id": fid, "type": fact.get("_type")}
    for k in ("date", "work_start", "found_on", "valid_until"):
        if fact.get(k) is not None:
            out["date"] = iso(fact[k])
            break
    for k in _LABEL_KEYS:
        if fact.get(k):
            out["label"] = str(fact[k])
            break
    return out


def iso(v: Any) -> str:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


_SCALARS = frozenset((str, int, float, bool, type(None)))


def jsonable(v: Any) -> Any:
    """v with dates as text, tuples and sets as lists, keys as text. Plain values are passed
    through without a call (most of a finding's details are), as they would come back anyway."""
    t = type(v)
    if t in _SCALARS:
        return v
    if t is dict:
        return {k if type(k) is str else str(k): x if type(x) in _SCALARS else jsonable(x) for k, x in v.items()}
    if t is list or t is tuple:
        return [x if type(x) in _SCALARS else jsonable(x) for x in v]
    if isinstance(v, (date, datetime)):
        return iso(v)
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        return [jsonable(x) for x in v]
    return v


def ids_text(ids, limit: int = 6) -> str:
    if len(ids) == 1:
        return str(ids[0])
    ids = sorted(ids, key=str)
    shown = "、".join(str(i) for i in ids[:limit])
    return shown + (f" 等 {len(ids)} 条" if len(ids) > limit else "")
