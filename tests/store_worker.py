"""One clerk of the concurrency test, run as its own process:
    python tests/store_worker.py DB WORKER N SHARED_FILE OWN_FILE
imports the shared file and its own file, then records N penalties on the shared hazards (round
robin, each with a unique note) and moves its own hazard to 整改中 — every action its own transaction."""
from __future__ import annotations

import sys
from datetime import date

from yinhuan.store import db as dbm, service


def main(db: str, worker: int, n: int, shared: str, own: str) -> None:
    store = dbm.connect(db)
    user = f"w{worker}"
    reports, refused = service.import_files(store, [shared, own], user)
    assert not refused, refused
    for j in range(n):
        service.penalise_hazard(store, user, 1 + (j + worker) % 3, date(2023, 8, 1), f"{user}-{j}")
    own_ids = [h["id"] for h in service.list_hazards(store, as_of=date(2023, 8, 1), enterprise=f"并发企业{worker}号")]
    for hid in own_ids:
        service.move_hazard(store, user, hid, "整改中", date(2023, 8, 2), five={"responsible": user})


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
