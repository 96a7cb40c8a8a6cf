"""Facts as durable-rules sees them: plain JSON, with the faults of the released build designed out.

durable-rules has no date type, treats `id`/`sid` as its own, lets null satisfy `$ex`, cannot
join on list membership and cannot test an empty list. So each fact is rewritten, the same way
the compiler (compile.py) writes the literals it compares against:
- dates become sortable integers in minutes (a date is its midnight); a date-time `x` also gets
  `x__day`, its day's midnight, for comparisons with a plain date (which are made by the day);
- `id` becomes `_fid`; nulls and empty lists are dropped (absent, as native treats them) — a
  written null leaves `x__null: 1`, so "not written" (a filter's unknown) stays testable — and
  every list field `x` gets a sibling `x__n` holding its length so emptiness stays testable;
- the profile fields rules read are copied under `_p`, so a profile test is a test on the fact
  itself rather than a join (joins are where durable-rules crashes);
- `_k: 1` on every fact feeds the PAD join the note prescribes against upstream bug #381;
- list fields used in a join (`id in p.workers`) are also asserted as edge facts
  `{t: '@permits.workers', o: owner id, v: value}`, since `$iany` takes no join references.
"""
from __future__ import annotations

from datetime import date, datetime

PROFILE_TYPE = "profile"
PROFILE_ID = "__profile__"
LEN = "__n"
DAY = "__day"
NULL = "__null"


def to_number(v):
    """A date or datetime as minutes since 0001-01-01, so both sort on one scale."""
    if isinstance(v, datetime):
        return v.toordinal() * 1440 + v.hour * 60 + v.minute
    if isinstance(v, date):
        return v.toordinal() * 1440
    return v


def convert(obj: dict) -> dict:
    out = {}
    for k, v in obj.items():
        if k == "_type":
            continue
        key = "_fid" if k == "id" else k
        if v is None:
            out[key + NULL] = 1
            continue
        if isinstance(v, dict):
            out[key] = convert(v)
        elif isinstance(v, (list, tuple)):
            out[key + LEN] = len(v)
            if v:
                out[key] = [to_number(x) for x in v]
        else:
            out[key] = to_number(v)
            if isinstance(v, datetime):
                out[key + DAY] = to_number(v.date())
    return out


def edge_type(fact: str, field: str) -> str:
    return f"@{fact}.{field}"


def durable_facts(evidence, types: set, negated: set, profile_keys: set, edges: set, sid: str) -> list:
    """One enterprise's facts for one ruleset, negated fact types first (stock negation only
    withdraws nothing, so the facts a `none()` pattern looks for must already be there)."""
    prof = convert({k: evidence.profile[k] for k in profile_keys if k in evidence.profile})
    order = sorted(types, key=lambda t: (t not in negated, t))
    out = []
    for t in order:
        items = [evidence.profile] if t == PROFILE_TYPE else evidence.facts.get(t, ())
        for f in items:
            d = convert(f)
            if t == PROFILE_TYPE:
                d["_fid"] = PROFILE_ID
            d["t"], d["_p"], d["_k"], d["sid"] = t, prof, 1, sid
            out.append(d)
    for t, field in sorted(edges):
        for f in evidence.facts.get(t, ()):
            v = f.get(field)
            vals = v if isinstance(v, list) else [] if v is None else [v]
            for x in dict.fromkeys(to_number(x) for x in vals):
                out.append({"t": edge_type(t, field), "o": f["id"], "v": x, "_k": 1, "sid": sid})
    out.append({"t": "__end__", "sid": sid})
    return out
