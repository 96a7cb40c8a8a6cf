"""`yinhuan check --ledger-out`: criteria met become 重大事故隐患 ledger records.

Why: a criterion finding is a 重大事故隐患, and the notice wants every one in the enterprise's
附件2 ledger with its 判定依据. Typing the citation by hand is where ledgers go wrong, so the
records are written from the findings, the citation copied from the catalogue. The output is an
evidence-style file (enterprise, inspection, records.hazards) that `yinhuan ledger export`,
`ledger check` and `tally` read like any other evidence; the enterprise then completes 五到位.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from .catalogue import UNCONFIRMED, load_catalogues
from .errors import InputError
from .findings import iso


def hazard_records(result) -> list[dict]:
    """One record per criterion met (rules sharing a criterion are merged), in catalogue order; a
    criterion met at several places (the `location` of the records that met it) is one record per
    place, since the same 判定依据 at two places is two hazards (id suffixed -1, -2, … in place order)."""
    ev = result.evidence
    mode = ev.inspection.get("mode")
    found_on = ev.inspection.get("date")
    hits = [f for f in result.findings if f.major_hazard]
    if not hits:
        return []
    if mode not in ("部门检查", "自查"):
        raise InputError("证据文件未填写 inspection.mode（部门检查 或 自查），无法确定台账的发现方式", ev.file,
                         ev.doc.line_of(("inspection",)) if ev.doc else None, "inspection.mode")
    if found_on is None:
        raise InputError("证据文件未填写 inspection.date，无法确定台账的发现时间", ev.file, None, "inspection.date")
    cats = load_catalogues()
    by_criterion: dict[str, list] = {}
    for f in hits:
        by_criterion.setdefault(f.criterion, []).append(f)
    order = list(cats.by_id)
    out = []
    for cid in sorted(by_criterion, key=order.index):
        entry = cats.entry(cid)
        basis = entry.citation + (f"（{UNCONFIRMED}）" if entry.unconfirmed else "")
        places = _places(by_criterion[cid], ev)
        for k, place in enumerate(places, 1):
            parts = [_describe(f, ev, entry, place if len(places) > 1 else None) for f in by_criterion[cid]]
            rec = {"id": f"{cid}-{found_on:%Y%m%d}" + (f"-{k}" if len(places) > 1 else ""),
                   "description": "；".join(p for p in parts if p), "basis": basis, "criterion": cid,
                   "found_on": iso(found_on), "found_by": mode, "status": "未整改"}
            if place:
                rec["place"] = place
            out.append(rec)
    return out


def _location(ev, ref) -> str:
    return " ".join(str((ev.by_id.get(ref["id"]) or {}).get("location") or "").split())


def _places(findings, ev) -> list[str]:
    """The distinct places the records behind these findings name, in order; [""] when none does,
    or when a finding without records (an inspector's judgement) cannot say where."""
    if any(not f.evidence for f in findings):
        return [""]
    places = sorted({_location(ev, ref) for f in findings for ref in f.evidence})
    return places if "" not in places else [""]


def _describe(finding, ev, entry, place: str | None = None) -> str:
    """`place`: only the records at that place (a criterion met at several places)."""
    if finding.evidence:  # a fact pattern: say which records, and where they are
        where = []
        refs = [r for r in finding.evidence if place is None or _location(ev, r) == place]
        if not refs:
            return ""
        for ref in refs:
            fact = ev.by_id.get(ref["id"]) or {}
            loc = fact.get("location")
            where.append(ref["id"] + (f"（{loc}）" if loc else ""))
        text = finding.reason.split("：", 1)[0]
        return f"{text}：{'、'.join(where)}"
    ans = (finding.details or {}).get("answer") or {}
    note = f"；{ans['note']}" if ans.get("note") else ""
    return f"经检查人员判定存在该项情形（{entry.summary_text}）{note}"


def ledger_document(result) -> dict | None:
    """The evidence-style ledger file for one result, or None when no criterion was met."""
    records = hazard_records(result)
    if not records:
        return None
    raw = result.evidence.doc.data if result.evidence.doc else {}
    doc = {"yinhuan_evidence": 1, "enterprise": raw.get("enterprise", {})}
    if raw.get("inspection"):
        doc["inspection"] = raw["inspection"]
    doc["records"] = {"hazards": records}
    return doc


def ledger_out_targets(evidence_files, out: str) -> list[Path]:
    """Where --ledger-out writes each evidence file's records: `out` itself for one file, or
    `out/<stem>-hazards.yaml` per file when `out` is a folder (ends with / or exists as one).
    Worked out before anything is written, so a bad --ledger-out stops the command first."""
    target = Path(out)
    folder = out.endswith(("/", "\\")) or target.is_dir()
    if len(evidence_files) > 1 and not folder:
        raise InputError("多个证据文件时 --ledger-out 应为目录（以 / 结尾），每家企业写一个文件", field="--ledger-out")
    return [target / f"{Path(f).stem}-hazards.yaml" if folder else target for f in evidence_files]


def write_ledger_out(results, out: str, inputs=()) -> list[tuple[Path, int]]:
    """Write the ledger records (see ledger_out_targets). JSON when the name ends .json, YAML otherwise."""
    from .atomic import write_all
    outputs, written = {}, []
    for r, path in zip(results, ledger_out_targets([r.evidence.file for r in results], out)):
        doc = ledger_document(r)
        if doc is None:
            doc = {"yinhuan_evidence": 1, "enterprise": r.evidence.doc.data.get("enterprise", {}),
                   "records": {"hazards": []}}
        outputs[path] = (json.dumps(doc, ensure_ascii=False, indent=2) if path.suffix == ".json"
                         else yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=200))
        written.append((path, len(doc["records"]["hazards"])))
    write_all(outputs, inputs, "--ledger-out")  # every enterprise's file, or none; never over an input
    return written
