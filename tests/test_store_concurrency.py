"""Several clerks importing and moving hazards at the same time lose nothing: separate processes
write to one store (SQLite in WAL mode, and PostgreSQL), then every event must be there exactly once,
the hash chain intact, and the counters equal to the number of actions (no lost update)."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml
from click.testing import CliRunner
from sqlalchemy import select

from store_fixtures import db_kind, pg_server, store_db  # noqa: F401
from yinhuan import creditcode
from yinhuan.cli import main
from yinhuan.store import db as dbm, events, models

WORKERS, ACTIONS = 4, 8
HERE = Path(__file__).resolve().parent


def run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.output


def evidence(path: Path, i: int, n_hazards: int) -> Path:
    ent = {"name": f"并发企业{i}号", "credit_code": creditcode.make(f"91371002MA3C{i:05d}"), "district": "环翠区",
           "sector": "工贸", "industry": "机械"}
    hz = [{"id": f"H{k}", "description": f"隐患{k}", "basis": f"《工贸企业重大事故隐患判定标准》第三条第（{'一二三'[k]}）项",
           "found_on": "2023-07-01", "found_by": "部门检查", "deadline": "2023-09-30"} for k in range(n_hazards)]
    path.write_text(yaml.safe_dump({"yinhuan_evidence": 1, "enterprise": ent,
                                    "inspection": {"date": "2023-07-01", "mode": "部门检查"},
                                    "records": {"hazards": hz}}, allow_unicode=True), encoding="utf-8")
    return path


def test_concurrent_writers_lose_nothing(store_db, tmp_path):
    run("db", "init", "--db", store_db, "--user", "admin")
    for w in range(WORKERS):
        run("users", "add", "--db", store_db, "--user", "admin", f"w{w}", "--role", "inspector")
    shared = evidence(tmp_path / "shared.yaml", 99, 3)
    run("import", "--db", store_db, shared)      # hazards 1–3, which every clerk penalises
    shared2 = evidence(tmp_path / "shared2.yaml", 98, 1)   # imported by all clerks at once: entered once
    own = [evidence(tmp_path / f"own{w}.yaml", w, 2) for w in range(WORKERS)]
    procs = [subprocess.Popen([sys.executable, str(HERE / "store_worker.py"), store_db, str(w), str(ACTIONS),
                               str(shared2), str(own[w])], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for w in range(WORKERS)]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
    store = dbm.connect(store_db)
    with store.session() as s:
        evs = s.scalars(select(models.Event).order_by(models.Event.seq)).all()
        assert [e.seq for e in evs] == list(range(1, len(evs) + 1))
        notes = Counter(e.payload["note"] for e in evs if e.kind == "hazard.penalty")
        assert notes == Counter({f"w{w}-{j}": 1 for w in range(WORKERS) for j in range(ACTIONS)})
        moves = Counter(e.actor for e in evs if e.kind == "hazard.move")
        assert moves == Counter({f"w{w}": 2 for w in range(WORKERS)})
        penalties = {h.id: h.penalties for h in s.scalars(select(models.Hazard).where(models.Hazard.id <= 3))}
        assert sum(penalties.values()) == WORKERS * ACTIONS          # no update lost
        per = Counter(int(e.entity_id) for e in evs if e.kind == "hazard.penalty")
        assert penalties == dict(per)
        docs = Counter(e.payload["filename"] for e in evs if e.kind == "document.import")
        assert docs["shared2.yaml"] == 1 and all(docs[f"own{w}.yaml"] == 1 for w in range(WORKERS))
        assert s.scalar(select(models.Hazard).where(models.Hazard.id > 0).order_by(models.Hazard.id.desc())).id \
            == 3 + 1 + 2 * WORKERS
        n, problems = events.verify(s)
        assert problems == [] and n == len(evs)
