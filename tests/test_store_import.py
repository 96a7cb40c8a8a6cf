"""yinhuan import / check --db / tally --db / ledger export --db, on SQLite and PostgreSQL.

The differential tests prove `tally --db` gives exactly the numbers `tally` gives from the same
files: over the bundled bureau examples and over generated inspections, ledgers and periods."""
from __future__ import annotations

import json
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bureau_helpers import BUREAU, GM_INPUTS, MINE_INPUTS
from store_fixtures import db_kind, pg_server, store_db  # noqa: F401
from yinhuan import creditcode
from yinhuan.cli import main

REPO = Path(__file__).resolve().parent.parent


def run(*args, code=0):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


@pytest.fixture
def db(store_db):
    run("db", "init", "--db", store_db, "--user", "admin")
    return store_db


def tally_json(tmp_path: Path, name: str, checklist: str, period: str, *args) -> dict:
    out = tmp_path / name
    run("tally", "--checklist", checklist, "--period", period, "--format", "json", "--out", out, *args)
    return json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))


@pytest.mark.parametrize("checklist, inputs", [("gongmao-2023", GM_INPUTS), ("mine-2023", MINE_INPUTS)])
def test_tally_from_store_equals_tally_from_files(db, tmp_path, checklist, inputs):
    out = run("import", "--db", db, *inputs)
    assert "无变化" not in out
    for period, extra in (("2023-06", ()), ("2023-06", ("--cumulative",)), ("2023-07", ())):
        files = tally_json(tmp_path, f"f{period}{extra}", checklist, period, *extra, *inputs)
        stored = tally_json(tmp_path, f"d{period}{extra}", checklist, period, *extra, "--db", db)
        assert stored == files
    assert any(v for row in files["rows"] for v in row.values() if isinstance(v, (int, float)) and v)


def test_import_twice_changes_nothing_and_says_so(db):
    run("import", "--db", db, *GM_INPUTS)
    before = run("db", "status", "--db", db)
    again = run("import", "--db", db, *GM_INPUTS)
    assert again.count("已导入过（内容相同），无变化") == len(GM_INPUTS)
    assert run("db", "status", "--db", db) == before


def test_same_records_in_a_renamed_copy_are_not_entered_twice(db, tmp_path):
    run("import", "--db", db, *GM_INPUTS)
    n_before = run("hazards", "list", "--db", db).splitlines()[-1]
    copy = tmp_path / "副本.yaml"
    copy.write_text("# 另存的副本\n" + (BUREAU / "evidence" / "gm-huancui-food.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    out = run("import", "--db", db, copy)
    assert "隐患（已有） 2" in out
    assert run("hazards", "list", "--db", db).splitlines()[-1] == n_before


def test_a_bad_file_is_refused_whole(db, tmp_path):
    src = yaml.safe_load((BUREAU / "evidence" / "gm-huancui-food.yaml").read_text(encoding="utf-8"))
    src["records"]["hazards"][1].update(status="已整改", rectified_on="2023-05-01")  # before found_on, 2nd record
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(src, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = run("import", "--db", db, bad, BUREAU / "activity-gongmao.yaml", code=2)
    assert "bad.yaml" in out and "rectified_on" in out and "整份文件未导入" in out
    assert ":" in out.split("bad.yaml", 1)[1][:3]           # a line number follows the file name
    assert "局工作记录，工作记录（新）" in out                  # the good file was imported
    assert "共 0 条" in run("hazards", "list", "--db", db)    # nothing of the bad one


def test_a_bad_ledger_row_refuses_the_whole_ledger(db, tmp_path):
    out_xlsx = tmp_path / "台账.xlsx"
    run("ledger", "export", "--out", out_xlsx, *sorted((BUREAU / "evidence").glob("gm-*.yaml")))
    from openpyxl import load_workbook
    wb = load_workbook(out_xlsx)
    ws = wb.worksheets[0]
    header_row = next(r for r in ws.iter_rows() if any(c.value == "发现方式" for c in r))
    col = next(c.column for c in header_row if c.value == "发现方式")
    ws.cell(row=header_row[0].row + 2, column=col, value="群众举报")
    wb.save(out_xlsx)
    out = run("import", "--db", db, out_xlsx, code=2)
    assert "发现方式" in out and f":{header_row[0].row + 2}" in out and "整份文件未导入" in out
    assert "共 0 条" in run("hazards", "list", "--db", db)


def test_ledger_file_import_and_ledger_export_from_the_store(db, tmp_path):
    xlsx = tmp_path / "台账.xlsx"
    evidence = sorted((BUREAU / "evidence").glob("gm-*.yaml"))
    run("ledger", "export", "--out", xlsx, *evidence)
    assert "隐患（新） 6" in run("import", "--db", db, xlsx)
    assert "隐患（新）" not in run("import", "--db", db, *evidence)   # the same hazards, by identity
    from_files = run("ledger", "export", *evidence)
    from_store = run("ledger", "export", "--db", db, "--as-of", "2023-12-31")
    cols = lambda text, i: sorted(line.split(",")[i] for line in text.splitlines()[1:])  # noqa: E731
    for i in (2, 3, 6, 7, 8):   # enterprise, code, description, 判定依据, 发现时间
        assert cols(from_store, i) == cols(from_files, i)
    early = run("ledger", "export", "--db", db, "--as-of", "2023-06-06")
    assert len(early.splitlines()) == 1 + 2   # found by 6 June: two hazards


def test_check_db_stores_inspection_findings_and_criteria_hazards(db):
    files = [REPO / "examples" / "criteria" / "crit-jixie.yaml"]
    r = CliRunner().invoke(main, ["check", "--checklist", "gongmao-criteria-2023", "--db", db, "--user", "admin",
                                  *map(str, files)])
    assert r.exit_code == 1, r.output
    assert "检查（新） 1" in r.output and "隐患（新）" in r.output
    from yinhuan.store import db as dbm, models
    from sqlalchemy import select
    store = dbm.connect(db)
    with store.session() as s:
        insp = s.scalars(select(models.Inspection)).one()
        assert insp.checklist_id == "gongmao-criteria-2023" and insp.rulebook_version.startswith("sha256:")
        js = CliRunner().invoke(main, ["check", "--checklist", "gongmao-criteria-2023", "--format", "json",
                                       *map(str, files)]).stdout
        assert insp.rulebook_version == json.loads(js)["rulebook"]["digest"]   # the version check reports
        assert insp.mode and insp.agency is not None and insp.date
        assert len(insp.findings) > 10
        hz = s.scalars(select(models.Hazard)).all()
        fails = {f.criterion for f in insp.findings if f.status == "不符合" and f.criterion}
        assert {h.criterion for h in hz} == fails
    r2 = CliRunner().invoke(main, ["check", "--checklist", "gongmao-criteria-2023", "--db", db, *map(str, files)])
    assert "检查（已有） 1" in r2.output and "隐患（新）" not in r2.output


# ---- generated data --------------------------------------------------------------------------

def _generate(folder: Path, seed: int) -> list[Path]:
    """Findings files, enterprise ledgers and the activity file of a made-up bureau, at random."""
    from yinhuan.rulebook import shipped_rulebook
    rnd = random.Random(seed)
    book = shipped_rulebook()
    rules = [(rid, list(book.rules[rid].counters)) for rid in book.checklist("gongmao-2023").rule_ids]
    districts = ["环翠区", "文登区", "荣成市", "乳山市"]
    ents = [{"name": f"生成企业{i}", "credit_code": creditcode.make(f"913710{i:02d}MA3G{seed:03d}{i:02d}"[:17]),
             "city": "威海市", "district": rnd.choice(districts), "sector": "工贸", "industry": "机械"}
            for i in range(12)]
    paths = [shutil.copy(BUREAU / "activity-gongmao.yaml", folder / "activity.yaml")]
    start = date(2023, 5, 20)
    for f in range(3):
        results = []
        for _ in range(rnd.randint(5, 15)):
            ent = rnd.choice(ents)
            day = start + timedelta(days=rnd.randint(0, 200))
            findings = [{"rule": rid, "title": rid, "status": rnd.choice(["符合", "不符合", "证据不足", "不适用"]),
                         "reason": "生成", "counters": counters} for rid, counters in rnd.sample(rules, 8)]
            results.append({"file": f"gen{f}.yaml", "as_of": day.isoformat(), "enterprise": ent,
                            "inspection": {"date": day.isoformat(), "mode": rnd.choice(["自查", "部门检查"]),
                                           "agency": f"{ent['district']}应急管理局"},
                            "findings": findings})
        doc = {"yinhuan_findings": 1, "checklist": {"id": "gongmao-2023", "title": "t", "sector": "工贸",
                                                    "window": ["2023-05-19", "2023-12-31"]},
               "engine": "native", "results": results}
        p = folder / f"findings-{f}.json"
        p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        paths.append(p)
    for i, ent in enumerate(ents):
        hazards = []
        for j in range(rnd.randint(0, 3)):
            found = start + timedelta(days=rnd.randint(0, 150))
            h = {"id": f"H{j}", "description": f"隐患{j}", "basis": f"《工贸企业重大事故隐患判定标准》第三条第（{'一二三四五'[j]}）项",
                 "found_on": found.isoformat(), "found_by": rnd.choice(["自查", "部门检查"]),
                 "deadline": (found + timedelta(days=30)).isoformat()}
            if rnd.random() < 0.3:
                h["listed_level"], h["listed_by"] = rnd.choice(["政府", "部门"]), "威海市应急管理局"
            if rnd.random() < 0.5:
                h["status"], h["rectified_on"] = "已整改", (found + timedelta(days=rnd.randint(0, 60))).isoformat()
            hazards.append(h)
        ev = {"yinhuan_evidence": 1, "enterprise": ent,
              "inspection": {"date": "2023-11-30", "mode": "部门检查", "agency": "威海市应急管理局"},
              "records": {"hazards": hazards}}
        p = folder / f"ev-{i}.yaml"
        p.write_text(yaml.safe_dump(ev, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(p)
    return paths


@pytest.mark.parametrize("seed", [1, 2])
def test_tally_differential_on_generated_data(db, tmp_path, seed):
    folder = tmp_path / "gen"
    folder.mkdir()
    inputs = _generate(folder, seed)
    run("import", "--db", db, *inputs)
    for period in ("2023-06", "2023-08", "2023-11"):
        for extra in ((), ("--cumulative",)):
            files = tally_json(tmp_path, f"f{period}{extra}", "gongmao-2023", period, *extra, *inputs)
            stored = tally_json(tmp_path, f"d{period}{extra}", "gongmao-2023", period, *extra, "--db", db)
            assert stored == files, (period, extra)


@pytest.mark.parametrize("sql, where", [
    ("UPDATE findings SET status = '符合' WHERE status = '不符合'", "inspections #"),
    ("DELETE FROM findings WHERE id = 1", "inspections #"),
    ("UPDATE enterprises SET name = '改过的名字' WHERE id = 1", "enterprises #1"),
    ("UPDATE hazards SET state = '已销号' WHERE id = 1", "hazards #1"),
    ("UPDATE activities SET district = '文登区' WHERE id = 1", "activities #1"),
])
def test_verify_finds_imported_records_changed_outside_the_program(db, sql, where):
    from sqlalchemy import text
    from yinhuan.store import db as dbm
    run("import", "--db", db, *GM_INPUTS)
    assert "校验通过" in run("db", "verify", "--db", db)
    with dbm.get_engine(dbm.resolve_url(db)).begin() as c:
        c.execute(text(sql))
    r = CliRunner().invoke(main, ["db", "verify", "--db", db])
    assert r.exit_code == 1 and where in r.output and "在程序之外被" in r.output, r.output


@pytest.mark.parametrize("sql", [
    "UPDATE hazard_sightings SET seen_on = '2023-01-01' WHERE id = 1",
    "UPDATE hazard_sightings SET hazard_id = 2 WHERE id = 1",
    "DELETE FROM hazard_sightings WHERE id = 1",
    "INSERT INTO hazard_sightings (hazard_id, key, seen_on, found_by, source) "
    "VALUES (1, 'forged', '2023-07-01', '自查', 'x.yaml')",
    "UPDATE hazard_links SET record_id = 'H-999' WHERE id = 1",
    "DELETE FROM hazard_links WHERE id = 1",
    "INSERT INTO hazard_links (credit_code, record_id, hazard_id) VALUES ('x', 'H-forged', 1)",
])
def test_verify_covers_a_hazards_sightings_and_links(db, sql):
    """A hazard's sightings and ledger links are vouched for by the hazard's events: a row of either
    table altered, deleted or added outside the program is found."""
    from sqlalchemy import text
    from yinhuan.store import db as dbm
    run("import", "--db", db, *GM_INPUTS)
    assert "校验通过" in run("db", "verify", "--db", db)
    with dbm.get_engine(dbm.resolve_url(db)).begin() as c:
        c.execute(text(sql))
    r = CliRunner().invoke(main, ["db", "verify", "--db", db])
    assert r.exit_code == 1 and "hazards #" in r.output and "hazard_sightings" in r.output, r.output


def test_a_failure_while_writing_leaves_nothing_of_the_file(db, monkeypatch):
    """One transaction per file: if entering the second hazard fails, the first is not kept either."""
    from yinhuan.store import hazards
    real, calls = hazards.register, []

    def failing(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("磁盘已满（模拟）")
        return real(*args, **kw)
    monkeypatch.setattr(hazards, "register", failing)
    before = run("db", "status", "--db", db)
    with pytest.raises(RuntimeError):
        CliRunner().invoke(main, ["import", "--db", db, str(BUREAU / "evidence" / "gm-huancui-food.yaml")],
                           catch_exceptions=False)
    assert len(calls) == 2
    assert run("db", "status", "--db", db) == before      # no document, enterprise, hazard or event
    monkeypatch.setattr(hazards, "register", real)
    assert "隐患（新） 2" in run("import", "--db", db, BUREAU / "evidence" / "gm-huancui-food.yaml")


def test_both_sectors_in_one_store_each_table_from_its_own_records(db, tmp_path):
    run("import", "--db", db, *GM_INPUTS[1:], *MINE_INPUTS[1:])
    run("import", "--db", db, "--sector", "工贸", GM_INPUTS[0])
    r = CliRunner().invoke(main, ["tally", "--db", db, "--checklist", "mine-2023", "--period", "2023-06",
                                  "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "缺少区市名单" in r.output   # the 工贸 activity file is not read for mines
    out = run("import", "--db", db, MINE_INPUTS[0])        # unmarked activity file, two sectors in the store
    r = CliRunner().invoke(main, ["tally", "--db", db, "--checklist", "gongmao-2023", "--period", "2023-06",
                                  "--out", str(tmp_path / "y")])
    assert r.exit_code == 2 and "未注明行业" in r.output and "--sector" in r.output
    assert "注明行业 非煤矿山" in run("import", "--db", db, "--sector", "非煤矿山", MINE_INPUTS[0])
    for checklist, inputs in (("gongmao-2023", GM_INPUTS), ("mine-2023", MINE_INPUTS)):
        files = tally_json(tmp_path, f"f-{checklist}", checklist, "2023-06", *inputs)
        stored = tally_json(tmp_path, f"d-{checklist}", checklist, "2023-06", "--db", db)
        assert stored == files


def test_upgrade_from_the_first_schema_keeps_every_record(tmp_path):
    """A store made with migration 0001 and filled, upgraded to the newest: nothing lost, chain intact."""
    from alembic import command
    from yinhuan.store import db as dbm
    path = str(tmp_path / "old.db")
    store = dbm.connect(path, require_current=False)
    command.upgrade(dbm._alembic_config(store), "0001")
    from yinhuan.store import events
    with store.session() as s:
        events.ensure_head(s)
    with store.engine.begin() as c:   # what the 0001 program wrote: a user and its event
        from sqlalchemy import text
        c.execute(text("INSERT INTO users (id, username, display_name, role, district, password_hash, created_at) "
                       "VALUES (1, 'old', 'old', 'admin', '', '', '2023-06-01 00:00:00')"))
    with store.session() as s:   # its digest as the 0001 program computed it (the columns it had)
        import hashlib
        from datetime import datetime
        cols = {"id": 1, "username": "old", "display_name": "old", "role": "admin", "district": "",
                "password_hash": "", "created_at": datetime(2023, 6, 1)}
        events.record(s, "old", "user.create", "user", 1,
                      {"row_digest": hashlib.sha256(events.canonical(cols).encode()).hexdigest()})
    assert f"0001 → {dbm.head_revision()}" in run("db", "upgrade", "--db", path)
    assert "用户：1" in run("db", "status", "--db", path) and "校验通过：1 个事件" in run("db", "verify", "--db", path)


def _totals(tmp_path, name, period, *extra, db=None, inputs=()):
    args = ("--db", db) if db else tuple(inputs)
    return next(r["values"] for r in tally_json(tmp_path, name, "gongmao-2023", period, *extra, *args)["rows"]
                if r["total"])


def test_tally_db_counts_the_lifecycle_decided_in_the_store(db, tmp_path):
    """整改/销号, 挂牌督办 and penalties recorded in the store move the counters that count them, as they
    stood at the end of the period; the files alone still give the files' numbers."""
    from datetime import date as D
    from yinhuan.store import db as dbm, service
    run("import", "--db", db, *GM_INPUTS)
    run("users", "add", "--db", db, "--user", "admin", "zhang", "--role", "inspector")
    store = dbm.connect(db)
    food = [h for h in service.list_hazards(store, as_of=D(2023, 12, 31)) if h["found_on"] == D(2023, 6, 15)]
    assert len(food) == 1 and food[0]["state"] == "整改中" and food[0]["found_by"] == "自查"
    hid = food[0]["id"]
    before = {p: _totals(tmp_path, f"b{p}", p, db=db) for p in ("2023-06", "2023-07")}
    before_cum = _totals(tmp_path, "bcum", "2023-07", "--cumulative", db=db)
    assert before == {p: _totals(tmp_path, f"f{p}", p, inputs=GM_INPUTS) for p in before}

    service.move_hazard(store, "zhang", hid, "已整改(待验收)", D(2023, 7, 21), rectified_on=D(2023, 7, 20))
    service.supervise_hazard(store, "zhang", hid, "威海市安委会", "政府", D(2023, 7, 22))
    service.penalise_hazard(store, "zhang", hid, D(2023, 7, 25), "威环应急罚〔2023〕9号", amount=2)
    service.move_hazard(store, "admin", hid, "已销号", D(2023, 7, 28), note="验收合格",
                        signatures={"主要负责人": "赵总", "安全总监": "钱监"})
    june, july = (_totals(tmp_path, f"a{p}", p, db=db) for p in ("2023-06", "2023-07"))
    cum = _totals(tmp_path, "acum", "2023-07", "--cumulative", db=db)
    assert june == before["2023-06"]     # decided in July: June's table is as it was
    moved = {k: july[k] - before["2023-07"][k] for k in july if july[k] != before["2023-07"][k]}
    assert moved == {"penalties": 1, "penalty_amount": 2}   # the month's hazard counters count July's finds only
    moved = {k: cum[k] - before_cum[k] for k in cum if cum[k] != before_cum[k]}
    assert moved == {"major_rectified": 1, "self_rectified": 1, "gov_listed": 1, "gov_listed_rectified": 1,
                     "penalties": 1, "penalty_amount": 2}
    assert _totals(tmp_path, "fjuly", "2023-07", inputs=GM_INPUTS) == before["2023-07"]   # files unchanged
    out = run("tally", "--db", db, "--checklist", "gongmao-2023", "--period", "2023-07", "--explain", "penalties")
    assert "数据库（隐患处罚记录）" in out and "威环应急罚〔2023〕9号" in out
    out = run("tally", "--db", db, "--checklist", "gongmao-2023", "--period", "2023-07", "--cumulative",
              "--explain", "self_rectified")
    assert "数据库中的处理决定（2023-07-21 zhang 改为已整改(待验收)；2023-07-22 zhang 挂牌督办（威海市安委会，政府）" in out
    # reopened in August: July's table keeps the rectification, August's cumulative table does not
    service.move_hazard(store, "admin", hid, "发现", D(2023, 8, 3), note="复查发现速冻装置又移回车间")
    assert _totals(tmp_path, "july2", "2023-07", db=db) == july
    aug = _totals(tmp_path, "aug", "2023-08", "--cumulative", db=db)
    assert aug["self_rectified"] == before_cum["self_rectified"]


def test_tally_db_counts_a_hazard_filed_under_two_record_ids_once(db, tmp_path):
    """The store's identity (enterprise, 判定依据, place): the same hazard in a later ledger under a new
    record id is one hazard in the table; files, which only know record ids, count two."""
    src = BUREAU / "evidence" / "gm-huancui-food.yaml"
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    again = json.loads(json.dumps(doc["records"]["hazards"][1], default=str), object_hook=dict)
    again["id"] = "H-02-B"
    doc["records"]["hazards"].append(again)
    doc["inspection"]["date"] = "2023-06-30"
    copy = tmp_path / "gm-huancui-food-0630.yaml"
    copy.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    inputs = [*GM_INPUTS, copy]
    run("import", "--db", db, *inputs)
    files = _totals(tmp_path, "f", "2023-06", inputs=inputs)
    stored = _totals(tmp_path, "d", "2023-06", db=db)
    assert files["major_found"] == stored["major_found"] + 1
    assert stored == _totals(tmp_path, "g", "2023-06", inputs=GM_INPUTS)


def test_check_db_registers_one_hazard_per_place_a_criterion_is_met(db, tmp_path):
    """A criterion met in two places (the records' `location`) is two hazards, each with its place;
    checked again, each is found again, not copied."""
    src = (REPO / "examples" / "criteria" / "crit-jixie.yaml").read_text(encoding="utf-8")
    o3 = next(line for line in src.splitlines() if "id: O3," in line)
    f = tmp_path / "crit-two-places.yaml"
    f.write_text(src.replace(o3, o3 + "\n" + o3.replace("id: O3,", "id: O7,").replace("涂装线", "烘干线")),
                 encoding="utf-8")
    args = ["check", "--checklist", "gongmao-criteria-2023", "--db", db, "--user", "admin", str(f)]
    assert CliRunner().invoke(main, args).exit_code == 1
    from yinhuan.store import db as dbm, models
    from sqlalchemy import select
    with dbm.connect(db).session() as s:
        two = s.scalars(select(models.Hazard).where(models.Hazard.criterion == "GM-7-7")).all()
        assert sorted(h.place for h in two) == ["涂装线", "烘干线"]
        assert all(("O7" in h.description) == (h.place == "烘干线") for h in two)
    again = CliRunner().invoke(main, args)
    assert "隐患（新）" not in again.output
    ledger = tmp_path / "ledger"
    CliRunner().invoke(main, ["check", "--checklist", "gongmao-criteria-2023", "--ledger-out", str(ledger), str(f)])
    recs = yaml.safe_load(ledger.read_text(encoding="utf-8"))["records"]["hazards"]
    assert [(r["id"], r["place"]) for r in recs if r["criterion"] == "GM-7-7"] == [
        ("GM-7-7-20230815-1", "涂装线"), ("GM-7-7-20230815-2", "烘干线")]
