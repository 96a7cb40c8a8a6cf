"""`yinhuan check … --db`: what check computed, kept in the store.

Each evidence file is one transaction: the file itself (so `tally --db` re-reads the enterprise's
ledger exactly as `tally` would), the inspection with its findings (the same record an imported
findings file makes, through the same function), and each criterion met registered as a hazard
(the records `--ledger-out` would write), with the rulebook version the run used.
"""
from __future__ import annotations

from pathlib import Path

from . import events, hazards, importer
from .db import Store


def rulebook_version(book=None) -> str:
    """The digest of the rulebook a run used (yinhuan.rulebook_choice.rulebook_digest), the same string
    `check --format json` records; default: the shipped rulebook."""
    from yinhuan.rulebook import shipped_rulebook
    from yinhuan.rulebook_choice import rulebook_digest
    return rulebook_digest(book if book is not None else shipped_rulebook())


def store_results(store: Store, results, checklist_id: str, actor: str,
                  version: str | None = None) -> list[importer.Report]:
    from yinhuan.ledger_out import hazard_records
    from yinhuan.loader import Document
    from yinhuan.evidence import from_document
    version = version or rulebook_version()
    reports = []
    for r in results:
        ev = r.evidence
        raw = Path(ev.file).read_bytes()
        rj = r.to_json()
        day = ev.inspection.get("date") or r.as_of
        records = hazard_records(r)   # criteria met, as ledger records (refuses a file without mode/date)
        with store.session() as s:
            events.lock(s)
            rep = importer.Report(file=ev.file, kind="findings")
            doc, _ = importer.document(s, actor, "evidence", Path(ev.file).name, raw)
            ent = importer.enterprise(s, actor, ev.profile, day)
            importer._evidence_hazards(s, actor, rep, ev, ent, ev.file)
            importer.inspection(s, actor, rep, rj, checklist_id, ev.file, 0, None, day, version, doc.id)
            if records:
                crit = from_document(Document(data={"enterprise": ev.doc.data["enterprise"] if ev.doc else ev.profile,
                                                    "inspection": ev.doc.data.get("inspection", {}) if ev.doc else {},
                                                    "records": {"hazards": records}}, file=ev.file, lines={}))
                importer._evidence_hazards(s, actor, rep, crit, ent, f"{ev.file}（检查发现）")
        reports.append(rep)
    return reports
