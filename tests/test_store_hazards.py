"""The hazard lifecycle in the store, on SQLite and PostgreSQL: transitions with who/when/evidence,
the refusals (in Chinese), 延期, 挂牌督办 by 谁发现谁挂牌, identity and recurrence, imports that never
override a person, and the notice's enforcement suggestions."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from store_fixtures import db_kind, pg_server, store_db  # noqa: F401
from yinhuan.cli import main
from yinhuan.errors import InputError
from yinhuan.store import db as dbm, service

CODE = "91371002MA3YH0001P"
ENT = {"name": "威海环翠示例机械有限公司", "credit_code": CODE, "city": "威海市", "district": "环翠区",
       "sector": "工贸", "industry": "机械", "domains": ["涉氨制冷"]}
BASIS = "《工贸企业重大事故隐患判定标准》第十二条第（二）项"
D = date.fromisoformat


def run(*args, code=0):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


def evidence(folder: Path, name: str, hazards: list[dict], inspected: str = "2023-06-20",
             mode: str = "部门检查", agency: str = "环翠区应急管理局") -> Path:
    p = folder / name
    doc = {"yinhuan_evidence": 1, "enterprise": ENT,
           "inspection": {"date": inspected, "mode": mode, "agency": agency}, "records": {"hazards": hazards}}
    p.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


HZ = {"id": "H-1", "description": "快速冻结装置未设置在单独的作业间内", "basis": BASIS, "found_on": "2023-06-20",
      "found_by": "部门检查", "deadline": "2023-07-31"}


@pytest.fixture
def store(store_db, tmp_path):
    run("db", "init", "--db", store_db, "--user", "admin")
    for user, role in (("zhang", "inspector"), ("li", "inspector"), ("guest", "viewer")):
        run("users", "add", "--db", store_db, "--user", "admin", user, "--role", role)
    run("import", "--db", store_db, evidence(tmp_path, "e1.yaml", [HZ]))
    st = dbm.connect(store_db)
    st.arg = store_db
    return st


def refused(fn, *args, **kw) -> str:
    with pytest.raises(InputError) as exc:
        fn(*args, **kw)
    return str(exc.value)


def the_hazard(store, as_of="2023-07-01") -> dict:
    rows = service.list_hazards(store, as_of=D(as_of))
    assert len(rows) == 1
    return rows[0]


def close_properly(store):
    service.move_hazard(store, "zhang", 1, "整改中", D("2023-06-21"),
                        five={"responsible": "王工", "measures": "新建单独作业间"})
    service.move_hazard(store, "zhang", 1, "已整改(待验收)", D("2023-07-10"), rectified_on=D("2023-07-08"))
    return service.move_hazard(store, "li", 1, "已销号", D("2023-07-12"), note="现场验收合格",
                               signatures={"主要负责人": "赵总", "安全总监": "钱监"})


def test_full_lifecycle_records_who_when_and_evidence(store):
    h = close_properly(store)
    assert h["state"] == "已销号" and h["signed_off"] == "主要负责人 赵总、安全总监 钱监"
    shown = service.show_hazard(store, 1, D("2023-08-01"))
    moves = [e for e in shown["history"] if e["kind"] == "hazard.move"]
    assert [(e["actor"], e["payload"]["to"]) for e in moves] == [
        ("zhang", "整改中"), ("zhang", "已整改(待验收)"), ("li", "已销号")]
    assert moves[0]["payload"]["five_in_place"] == {"responsible": "王工", "measures": "新建单独作业间"}
    assert moves[2]["payload"]["accepted_by"] == "li" and moves[2]["payload"]["note"] == "现场验收合格"
    out = run("hazards", "show", "--db", store.arg, "1", "--as-of", "2023-08-01")
    assert "li 状态变更 已整改(待验收) → 已销号（2023-07-12），签字 主要负责人 赵总、安全总监 钱监，验收 li" in out
    assert "校验通过" in run("db", "verify", "--db", store.arg)


def test_illegal_transitions_are_refused_with_the_reason(store):
    assert "不能直接改为 已销号" in refused(service.move_hazard, store, "zhang", 1, "已销号", D("2023-07-01"))
    assert "须给出完成整改日期" in refused(service.move_hazard, store, "zhang", 1, "已整改(待验收)", D("2023-07-01"))
    assert "早于发现时间" in refused(service.move_hazard, store, "zhang", 1, "已整改(待验收)", D("2023-07-01"),
                                     rectified_on=D("2023-06-19"))
    service.move_hazard(store, "zhang", 1, "已整改(待验收)", D("2023-07-01"), rectified_on=D("2023-06-30"))
    no_director = refused(service.move_hazard, store, "li", 1, "已销号", D("2023-07-02"), note="合格",
                          signatures={"主要负责人": "赵总"})
    assert "须有主要负责人和安全总监签字" in no_director and "缺少：安全总监" in no_director
    assert "整改人（zhang）以外" in refused(service.move_hazard, store, "zhang", 1, "已销号", D("2023-07-02"),
                                          note="合格", signatures={"主要负责人": "赵", "安全总监": "钱"})
    assert "只读用户" in refused(service.move_hazard, store, "guest", 1, "整改中", D("2023-07-02"), note="x")
    assert "不是登记的用户" in refused(service.move_hazard, store, "nobody", 1, "整改中", D("2023-07-02"))
    r = CliRunner().invoke(main, ["hazards", "move", "--db", store.arg, "--user", "zhang", "1", "发现"])
    assert r.exit_code == 2 and "当前为 已整改(待验收)，不能直接改为 发现" in r.output
    assert the_hazard(store)["state"] == "已整改(待验收)"   # nothing of the refused moves was kept


def test_extension_is_the_bureaus_and_the_only_pause_of_the_deadline(store):
    assert the_hazard(store, "2023-08-01")["overdue"]
    assert "须由应急管理局（管理员）批准" in refused(service.extend_hazard, store, "zhang", 1, D("2023-09-30"),
                                                  "设备订货", D("2023-07-20"))
    assert "须写明理由" in refused(service.extend_hazard, store, "admin", 1, D("2023-09-30"), " ", D("2023-07-20"))
    assert "应晚于原期限" in refused(service.extend_hazard, store, "admin", 1, D("2023-07-01"), "x", D("2023-07-20"))
    assert "只能通过局里批准的延期" in refused(service.move_hazard, store, "zhang", 1, "整改中", D("2023-07-20"),
                                             five={"deadline": D("2023-12-31")})
    service.extend_hazard(store, "admin", 1, D("2023-09-30"), "设备订货周期长", D("2023-07-20"))
    h = the_hazard(store, "2023-08-01")
    assert not h["overdue"] and h["deadline"] == D("2023-09-30") and h["extensions"] == 1
    assert the_hazard(store, "2023-10-01")["overdue"]
    out = run("hazards", "list", "--db", store.arg, "--overdue", "--as-of", "2023-10-01")
    assert "#1\t发现［逾期］" in out
    assert "共 0 条" in run("hazards", "list", "--db", store.arg, "--overdue", "--as-of", "2023-09-01")
    hist = service.show_hazard(store, 1, D("2023-08-01"))["history"]
    assert any("延期 2023-07-31 → 2023-09-30，理由：设备订货周期长" in e["what"] for e in hist)


def test_supervision_by_whoever_found_it(store):
    msg = refused(service.supervise_hazard, store, "zhang", 1, "文登区应急管理局", "部门", D("2023-06-22"))
    assert "谁发现谁挂牌" in msg and "环翠区应急管理局" in msg
    service.supervise_hazard(store, "zhang", 1, "环翠区应急管理局", "部门", D("2023-06-22"))
    assert "#1" in run("hazards", "list", "--db", store.arg, "--listed")
    assert "共 0 条" in run("hazards", "list", "--db", store.arg, "--not-listed")
    service.supervise_hazard(store, "zhang", 1, "威海市安委会", "政府", D("2023-06-25"))
    assert the_hazard(store)["listed"] == "威海市安委会（政府）"


def test_found_again_is_one_hazard_and_after_signoff_recurring(store, tmp_path):
    again = dict(HZ, id="H-9", found_on="2023-06-28", description="速冻装置仍在车间内（描述改了）")
    out = run("import", "--db", store.arg, evidence(tmp_path, "e2.yaml", [again], inspected="2023-06-28"))
    assert "隐患（再次发现，不重复计数） 1" in out
    h = the_hazard(store)
    assert h["description"] == HZ["description"]   # identity and the registered record are fixed
    close_properly(store)
    later = dict(HZ, id="H-20", found_on="2023-09-05")
    out = run("import", "--db", store.arg, evidence(tmp_path, "e3.yaml", [later], inspected="2023-09-05"))
    assert "隐患（销号后复现） 1" in out
    h = the_hazard(store, "2023-09-06")
    assert h["state"] == "发现" and h["recurrences"] == 1
    assert "［复现］" in run("hazards", "list", "--db", store.arg)


def test_imports_never_override_a_person_and_absence_does_not_close(store, tmp_path):
    service.extend_hazard(store, "admin", 1, D("2023-09-30"), "停产检修期间整改", D("2023-07-20"))
    service.move_hazard(store, "zhang", 1, "整改中", D("2023-07-21"), five={"responsible": "王工"})
    claims = dict(HZ, status="已整改", rectified_on="2023-07-25", deadline="2023-08-15")
    run("import", "--db", store.arg, evidence(tmp_path, "e2.yaml", [claims], inspected="2023-07-26"))
    h = the_hazard(store)
    assert (h["state"], h["deadline"]) == ("整改中", D("2023-09-30"))
    run("import", "--db", store.arg, evidence(tmp_path, "e3.yaml", [], inspected="2023-08-10"))
    assert the_hazard(store)["state"] == "整改中"


def test_an_import_moves_an_undecided_hazard_forward_only(store, tmp_path):
    done = dict(HZ, status="已整改", rectified_on="2023-07-05")
    assert "隐患（台账更新） 1" in run("import", "--db", store.arg, evidence(tmp_path, "e2.yaml", [done], "2023-07-06"))
    assert the_hazard(store)["state"] == "已整改(待验收)"
    older = dict(HZ, status="整改中")
    run("import", "--db", store.arg, evidence(tmp_path, "e3.yaml", [older], "2023-07-07"))
    assert the_hazard(store)["state"] == "已整改(待验收)"


def test_a_later_compliant_inspection_closes_it(store, tmp_path):
    crit = {"id": "H-C", "description": "速冻", "criterion": "GM-12-2", "found_on": "2023-06-20", "found_by": "部门检查"}
    run("import", "--db", store.arg, evidence(tmp_path, "e2.yaml", [crit]))
    assert len(service.list_hazards(store, as_of=D("2023-07-01"))) == 1   # same 判定依据: one hazard
    doc = {"yinhuan_findings": 1, "checklist": {"id": "gongmao-criteria-2023", "title": "t", "sector": "工贸",
                                                "window": ["2023-05-15", "2023-12-31"]}, "engine": "native",
           "results": [{"file": "x.yaml", "as_of": "2023-08-01", "enterprise": ENT,
                        "inspection": {"date": "2023-08-01", "mode": "部门检查", "agency": "环翠区应急管理局"},
                        "findings": [{"rule": "GM-12-2-RULE", "title": "t", "status": "符合", "reason": "",
                                      "counters": [], "criterion": "GM-12-2"}]}]}
    f = tmp_path / "re.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    # the hazard registered first has the 判定依据 as text; the criterion's citation is the same text
    out = run("import", "--db", store.arg, f)
    assert "隐患（复查符合销号） 1" in out, out
    assert the_hazard(store)["state"] == "已销号"


def test_enforcement_suggestions_cite_the_notice(store, tmp_path):
    s = service.show_hazard(store, 1, D("2023-07-01"))["suggestions"]
    assert [t for t, _ in s] == ["部门检查发现、企业台账未载明：属应查未查、应报未报，建议依法从严处罚"]
    assert s[0][1] == "威应急发〔2023〕12号 工贸方案 三（三）2"
    s = service.show_hazard(store, 1, D("2023-08-05"))["suggestions"]
    assert any("应改未改" in t for t, _ in s)
    service.penalise_hazard(store, "zhang", 1, D("2023-08-06"), "威环应急罚〔2023〕7号")
    close_properly(store)
    run("import", "--db", store.arg, evidence(tmp_path, "e3.yaml", [dict(HZ, id="H-2", found_on="2023-10-10")],
                                              inspected="2023-10-10"))
    s = service.show_hazard(store, 1, D("2023-10-11"))["suggestions"]
    assert any("长期存在并多次受到处罚" in t for t, _ in s)
    out = run("hazards", "show", "--db", store.arg, "1", "--as-of", "2023-10-11")
    assert "执法建议（仅供检查人员参考，不是处理决定）" in out


def test_self_reported_and_rectifying_suggests_no_penalty(store_db, tmp_path):
    run("db", "init", "--db", store_db, "--user", "admin")
    own = dict(HZ, found_by="自查", reported_on="2023-06-21", status="整改中")
    run("import", "--db", store_db, evidence(tmp_path, "own.yaml", [own], mode="自查"))
    s = service.show_hazard(dbm.connect(store_db), 1, D("2023-07-01"))["suggestions"]
    assert [t for t, _ in s] == ["企业自查发现、已按规定报告并正在整改：建议依法不予行政处罚"]


def test_list_filters(store, tmp_path):
    other = dict(ENT, credit_code="91371082MA3YH0009X", name="荣成另一家有限公司", district="荣成市")
    from yinhuan import creditcode
    other["credit_code"] = creditcode.make("91371082MA3YH0009")
    p = tmp_path / "o.yaml"
    p.write_text(yaml.safe_dump({"yinhuan_evidence": 1, "enterprise": other,
                                 "inspection": {"date": "2023-06-20", "mode": "自查"},
                                 "records": {"hazards": [dict(HZ, found_by="自查")]}}, allow_unicode=True),
                 encoding="utf-8")
    run("import", "--db", store.arg, p)
    assert "共 2 条" in run("hazards", "list", "--db", store.arg)
    out = run("hazards", "list", "--db", store.arg, "--district", "荣成市")
    assert "荣成另一家" in out and "共 1 条" in out
    assert "共 1 条" in run("hazards", "list", "--db", store.arg, "--enterprise", CODE)
    assert "共 1 条" in run("hazards", "list", "--db", store.arg, "--enterprise", "荣成另一家")
    service.move_hazard(store, "zhang", 1, "整改中", D("2023-06-21"))
    assert "共 1 条" in run("hazards", "list", "--db", store.arg, "--state", "整改中")
    r = CliRunner().invoke(main, ["hazards", "list", "--db", store.arg, "--state", "完成"])
    assert r.exit_code == 2 and "未知状态" in r.output


def test_an_explicit_link_joins_a_differently_worded_record(store, tmp_path):
    out = run("hazards", "link", "--db", store.arg, "--user", "zhang", "1", "--record", "H-77")
    assert "台账记录 H-77 已关联到隐患 #1" in out
    worded = dict(HZ, id="H-77", basis="《工贸企业重大事故隐患判定标准》第十二条第二项", description="速冻间未隔开")
    assert "隐患（再次发现，不重复计数） 1" in run("import", "--db", store.arg,
                                                 evidence(tmp_path, "e2.yaml", [worded], "2023-07-01"))
    assert len(service.list_hazards(store, as_of=D("2023-07-01"))) == 1
    r = CliRunner().invoke(main, ["hazards", "link", "--db", store.arg, "--user", "zhang", "1", "--record", "H-1"])
    assert r.exit_code == 2 and "已关联到隐患 #1" in r.output
    hist = service.show_hazard(store, 1, D("2023-07-01"))["history"]
    assert any(e["what"] == "关联台账记录 H-77" and e["actor"] == "zhang" for e in hist)


def test_a_database_failure_is_one_message_not_a_traceback(store):
    from sqlalchemy import text
    with store.engine.begin() as c:
        c.execute(text("DROP TABLE hazard_sightings"))
    r = CliRunner().invoke(main, ["hazards", "show", "--db", store.arg, "1"])
    assert r.exit_code == 2 and "数据库操作失败，未做任何更改" in r.output and "Traceback" not in r.output


def ledger_on(store, day: str) -> dict:
    """The one row of `ledger export --db --as-of day`, by column."""
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(run("ledger", "export", "--db", store.arg, "--as-of", day))))
    assert len(rows) == 1
    return rows[0]


def test_ledger_for_a_date_replays_the_hazards_history(store):
    """Each date's export shows the state, deadline, 挂牌 and rectification of that date, not today's."""
    service.move_hazard(store, "zhang", 1, "整改中", D("2023-06-21"), five={"responsible": "王工"})
    service.supervise_hazard(store, "zhang", 1, "环翠区应急管理局", "部门", D("2023-07-05"))
    service.extend_hazard(store, "admin", 1, D("2023-09-30"), "设备订货周期长", D("2023-07-20"))
    service.move_hazard(store, "zhang", 1, "已整改(待验收)", D("2023-08-10"), rectified_on=D("2023-08-08"))
    service.move_hazard(store, "li", 1, "已销号", D("2023-08-15"), note="验收合格",
                        signatures={"主要负责人": "赵总", "安全总监": "钱监"})
    service.move_hazard(store, "admin", 1, "发现", D("2023-09-01"), note="复查发现速冻装置又移回车间")
    cols = ("整改状态", "整改责任人", "挂牌督办单位", "整改期限", "完成整改时间")
    expected = {
        "2023-06-20": ("未整改", "", "", "2023.07.31", ""),
        "2023-06-25": ("整改中", "王工", "", "2023.07.31", ""),
        "2023-07-10": ("整改中", "王工", "环翠区应急管理局", "2023.07.31", ""),
        "2023-07-25": ("整改中", "王工", "环翠区应急管理局", "2023.09.30", ""),   # the 延期, once approved
        "2023-08-09": ("整改中", "王工", "环翠区应急管理局", "2023.09.30", ""),
        "2023-08-12": ("已整改", "王工", "环翠区应急管理局", "2023.09.30", "2023.08.08"),
        "2023-08-20": ("已整改", "王工", "环翠区应急管理局", "2023.09.30", "2023.08.08"),
        "2023-09-02": ("未整改", "王工", "环翠区应急管理局", "2023.09.30", ""),
    }
    for day, want in expected.items():
        row = ledger_on(store, day)
        assert tuple(row[c] for c in cols) == want, day
    r = CliRunner().invoke(main, ["ledger", "export", "--db", store.arg, "--as-of", "2023-06-19"])
    assert r.exit_code == 2 and "没有 2023-06-19 及以前发现" in r.output


def test_place_is_part_of_a_hazards_identity(store, tmp_path):
    """Same enterprise and 判定依据: two places are two hazards; the same place written with full-width
    digits or other spacing is the same hazard found again. The hazard registered without a place
    keeps its identity."""
    two = [dict(HZ, id="H-2", place="１号 速冻间"), dict(HZ, id="H-3", place="2号速冻间")]
    assert "隐患（新） 2" in run("import", "--db", store.arg, evidence(tmp_path, "e2.yaml", two, "2023-06-22"))
    again = [dict(HZ, id="H-9", place="  1号速冻间 ", found_on="2023-07-02")]
    out = run("import", "--db", store.arg, evidence(tmp_path, "e3.yaml", again, "2023-07-02"))
    assert "隐患（再次发现，不重复计数） 1" in out and "隐患（新）" not in out
    rows = service.list_hazards(store, as_of=D("2023-07-03"))
    assert sorted(h["place"] for h in rows) == ["", "2号速冻间", "１号 速冻间"]
    first = next(h for h in rows if h["place"] == "１号 速冻间")
    assert [x["seen_on"] for x in service.show_hazard(store, first["id"], D("2023-07-03"))["sightings"]] == [
        D("2023-06-22"), D("2023-07-02")]
    assert "部位：１号 速冻间" in run("hazards", "show", "--db", store.arg, first["id"])
    assert "［2号速冻间］快速冻结装置" in run("hazards", "list", "--db", store.arg)


def test_a_ledger_with_a_place_column_keeps_two_places_apart(store_db, tmp_path):
    """附件2 has no place column; a ledger may add 隐患部位 after the 17 (and the status columns): the
    store reads it, `ledger check` accepts it, and the official export stays 附件2's columns."""
    from yinhuan.reports.ledger import columns
    run("db", "init", "--db", store_db, "--user", "admin")
    head = columns() + ["隐患部位"]
    base = {"市": "威海市", "县（市、区）": "环翠区", "企业全称": ENT["name"], "统一社会信用代码": CODE, "行业": "机械",
            "领域": "涉氨制冷", "重大事故隐患描述": "速冻装置未设单独作业间", "判定依据": BASIS, "发现时间": "2023.06.20",
            "发现方式": "部门检查", "现场处置措施": "", "行政处置措施": "", "挂牌督办单位": "", "整改责任人": "王工",
            "整改期限": "2023.07.31", "整改措施": "新建作业间"}
    lines = [",".join(head)] + [",".join({**base, "序号": str(n), "隐患部位": place}[c] for c in head)
                                for n, place in ((1, "1号车间"), (2, "2号车间"), (3, "１号 车间"))]
    f = tmp_path / "台账.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "共 3 条隐患，0 条有误" in run("ledger", "check", "--as-of", "2023-07-01", f)
    out = run("import", "--db", store_db, f)
    assert "隐患（新） 2" in out and "隐患（已有） 1" in out   # row 3 is row 1 written differently
    st = dbm.connect(store_db)
    assert sorted(h["place"] for h in service.list_hazards(st, as_of=D("2023-07-01"))) == ["1号车间", "2号车间"]
    exported = run("ledger", "export", "--db", store_db, "--as-of", "2023-07-01").splitlines()[0]
    assert "隐患部位" not in exported and exported.startswith(",".join(f'"{c}"' for c in columns()[:3]))


def test_history_of_a_store_written_before_events_said_what_they_changed():
    """Round-1 stores: hazard events without `set`; the ledger for a date is still rebuilt from what
    their payloads say (the move's state and date, the 延期's old and new deadline, the 挂牌)."""
    from yinhuan.store import hazards, models
    hz = models.Hazard(found_on=D("2023-06-20"), state="已销号", deadline=D("2023-09-30"), responsible="王工",
                       measures="", onsite_action="", admin_action="", listed_by="环翠区应急管理局",
                       listed_level="部门", rectified_on=D("2023-08-08"), closed_on=D("2023-08-15"))

    def ev(kind, **payload):
        return models.Event(kind=kind, payload=payload)
    evs = [ev("hazard.register", identity="x", source="e1.yaml", state="发现"),
           ev("hazard.move", **{"from": "发现", "to": "整改中", "on": "2023-06-21", "note": ""}),
           ev("hazard.list", unit="环翠区应急管理局", level="部门", on="2023-07-05"),
           ev("hazard.extend", **{"from": "2023-07-31", "to": "2023-09-30", "reason": "订货", "on": "2023-07-20"}),
           ev("hazard.move", **{"from": "整改中", "to": "已整改(待验收)", "on": "2023-08-10",
                                "rectified_on": "2023-08-08", "note": ""}),
           ev("hazard.move", **{"from": "已整改(待验收)", "to": "已销号", "on": "2023-08-15", "note": "合格"})]
    pick = ("state", "deadline", "listed_by", "rectified_on", "closed_on")
    got = {day: tuple(hazards.state_on(hz, evs, D(day))[k] for k in pick)
           for day in ("2023-06-20", "2023-07-10", "2023-07-25", "2023-08-12", "2023-08-20")}
    assert got == {
        "2023-06-20": ("发现", D("2023-07-31"), "", None, None),
        "2023-07-10": ("整改中", D("2023-07-31"), "环翠区应急管理局", None, None),
        "2023-07-25": ("整改中", D("2023-09-30"), "环翠区应急管理局", None, None),
        "2023-08-12": ("已整改(待验收)", D("2023-09-30"), "环翠区应急管理局", D("2023-08-08"), None),
        "2023-08-20": ("已销号", D("2023-09-30"), "环翠区应急管理局", D("2023-08-08"), D("2023-08-15")),
    }
    assert hazards.state_on(hz, evs, D("2023-06-19")) is None


def test_penalty_amount_from_the_command_line(store):
    r = CliRunner().invoke(main, ["hazards", "penalty", "--db", store.arg, "--user", "zhang", "1", "--note", "罚〔2023〕1号",
                                  "--amount", "两万"])
    assert r.exit_code == 2 and "罚款金额应为数字（万元）" in r.output
    r = CliRunner().invoke(main, ["hazards", "penalty", "--db", store.arg, "--user", "zhang", "1", "--note", "罚〔2023〕1号",
                                  "--amount", "-1"])
    assert r.exit_code == 2 and "不能为负数" in r.output
    assert "共 1 次" in run("hazards", "penalty", "--db", store.arg, "--user", "zhang", "1", "--note", "罚〔2023〕1号",
                           "--amount", "2.5", "--on", "2023-07-01")
    pen = [e for e in service.show_hazard(store, 1, D("2023-07-02"))["history"] if e["kind"] == "hazard.penalty"]
    assert pen[0]["payload"]["amount"] == "2.5" and pen[0]["payload"]["set"] == {"penalties": 1,
                                                                                  "penalised_on": "2023-07-01"}
