"""yinhuan plan: 重点企业 from stored profiles, full-coverage progress in 8月1日–11月30日, and a
reproducible 双随机 draw whose seed and result are stored and printed."""
from __future__ import annotations

import json
import random
import re

import pytest
import yaml
from click.testing import CliRunner

from store_fixtures import db_kind, pg_server, store_db  # noqa: F401
from yinhuan import creditcode
from yinhuan.cli import main


def run(*args, code=0):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


def code(i: int) -> str:
    return creditcode.make(f"91371002MA3P{i:05d}")


PROFILES = {
    0: {"risk_class": "D"},                                           # key: D级
    1: {"risk_class": "A", "domains": ["涉氨制冷"], "ammonia_tonnage": 12},   # key: 液氨 12 吨
    2: {"risk_class": "B", "domains": ["粉尘涉爆"], "dust_workers": 8},      # not key
    3: {"domains": []},                                               # undetermined: no risk_class
    **{i: {"risk_class": "A"} for i in range(4, 14)},                  # ten ordinary enterprises
}


@pytest.fixture
def db(store_db, tmp_path):
    run("db", "init", "--db", store_db, "--user", "admin")
    files = []
    for i, extra in PROFILES.items():
        ent = {"name": f"计划企业{i}", "credit_code": code(i), "city": "威海市", "district": "环翠区",
               "sector": "工贸", "industry": "机械", **extra}
        p = tmp_path / f"e{i}.yaml"
        p.write_text(yaml.safe_dump({"yinhuan_evidence": 1, "enterprise": ent}, allow_unicode=True), encoding="utf-8")
        files.append(p)
    mine = {"name": "计划矿业", "credit_code": code(99), "city": "威海市", "district": "乳山市", "sector": "非煤矿山",
            "mine_types": ["露天"], "risk_class": "B"}
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump({"yinhuan_evidence": 1, "enterprise": mine}, allow_unicode=True), encoding="utf-8")
    run("import", "--db", store_db, *files, p)
    return store_db


def findings(tmp_path, name, i, day, mode="部门检查"):
    ent = {"name": f"计划企业{i}" if i != 99 else "计划矿业", "credit_code": code(i),
           "district": "环翠区" if i != 99 else "乳山市", "sector": "工贸" if i != 99 else "非煤矿山"}
    doc = {"yinhuan_findings": 1, "checklist": {"id": "gongmao-2023", "title": "t", "sector": "工贸",
                                                "window": ["2023-05-19", "2023-12-31"]}, "engine": "native",
           "results": [{"file": "x.yaml", "as_of": day,
                        "enterprise": ent,
                        "inspection": {"date": day, "mode": mode, "agency": "环翠区应急管理局"}, "findings": []}]}
    p = tmp_path / name
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def test_key_enterprises_and_progress(db, tmp_path):
    out = run("plan", "show", "--db", db, "--as-of", "2023-12-01")
    assert out.startswith("应全覆盖检查 4 家")
    assert "计划企业0" in out and "分类分级D级" in out and "液氨储量12吨" in out
    assert "计划企业3" in out and "未能确定" in out and "非煤矿山（全覆盖检查）" in out
    assert "计划企业2" not in out and "计划企业5" not in out
    run("import", "--db", db, findings(tmp_path, "a.json", 0, "2023-08-15"),
        findings(tmp_path, "b.json", 1, "2023-07-20"),               # before the window
        findings(tmp_path, "c.json", 99, "2023-09-01", mode="自查"))  # a self-check is not the round
    out = run("plan", "show", "--db", db, "--as-of", "2023-12-01")
    assert "已检查 1 家，尚未检查 3 家" in out
    assert re.search(r"已检查 2023-08-15\t环翠区\t计划企业0", out)
    assert re.search(r"尚未检查\t环翠区\t计划企业1", out)
    early = run("plan", "show", "--db", db, "--as-of", "2023-08-10")
    assert "已检查 0 家" in early


def test_draw_is_reproducible_stored_and_printed(db):
    out = run("plan", "draw", "--db", db, "--user", "admin", "--count", "4", "--note", "8月双随机")
    seed = re.search(r"种子 (\w+)", out).group(1)
    drawn = re.findall(r"（(\w{18})）", out)
    assert len(drawn) == 4 and len(set(drawn)) == 4
    population = sorted(code(i) for i in [2, *range(4, 14)])   # the non-key 工贸 enterprises only
    assert "从 11 家非重点工贸企业中抽取 4 家" in out
    assert drawn == random.Random(seed).sample(population, 4)   # anyone can re-run it by hand
    assert "重新抽签结果一致" in run("plan", "replay", "--db", db, "1")
    again = run("plan", "draw", "--db", db, "--user", "admin", "--count", "4", "--seed", seed)
    assert re.findall(r"（(\w{18})）", again) == drawn
    listed = run("plan", "draws", "--db", db)
    assert f"种子 {seed}" in listed and "4/11 家" in listed and "8月双随机" in listed


def test_draw_refusals_and_tampered_draw(db):
    r = CliRunner().invoke(main, ["plan", "draw", "--db", db, "--count", "50"])
    assert r.exit_code == 2 and "多于可抽查的企业 11 家" in r.output
    r = CliRunner().invoke(main, ["plan", "draw", "--db", db])
    assert r.exit_code == 2 and "--count" in r.output
    run("plan", "draw", "--db", db, "--user", "admin", "--ratio", "0.3", "--seed", "abc")
    from sqlalchemy import text
    from yinhuan.store import db as dbm
    with dbm.get_engine(dbm.resolve_url(db)).begin() as c:
        c.execute(text("UPDATE plan_draws SET seed = 'other'"))
    r = CliRunner().invoke(main, ["plan", "replay", "--db", db, "1"])
    assert r.exit_code == 1 and "不一致" in r.output
    assert "plan_draws #1" in CliRunner().invoke(main, ["db", "verify", "--db", db]).output
