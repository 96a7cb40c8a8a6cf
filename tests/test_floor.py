"""The hand-written floor (benchmarks/floor.py) and the native evaluator must give, per rule, the
same status and the same set of cited record ids on generated evidence, for every rule of both
checklists, so the benchmark compares like with like and drift between the floor and the rules
(or the checklists' parameters) is caught. The Chinese reason wording is not compared."""
from __future__ import annotations

import random
import sys

import pytest

from yinhuan.dates import parse_date
from yinhuan.evaluate import compile_checklist, evaluate
from yinhuan.evidence import from_data

from conftest import GM_PROFILE, REPO, shipped_book

sys.path.insert(0, str(REPO / "benchmarks"))
import floor  # noqa: E402
import generate  # noqa: E402

CHECKLISTS = sorted(floor.FLOOR)
AS_OF = [None, "2023-06-15", "2023-12-31"]   # None: the inspection date, else the window's end


@pytest.fixture(scope="module")
def book():
    return shipped_book(r"rules/(gongmao|mine)/|checklists/(gongmao|mine)-2023|clauses/(gongmao|mine)-2023")


def with_observations(data: dict, rng: random.Random) -> dict:
    """The generator writes no observations; add 疏散出口 / 有奖举报公告牌 ones so the rules on
    them see matching, failing and absent records too."""
    if rng.random() < 0.1:
        return data
    obs = []
    for j in range(rng.randrange(0, 5)):
        kind = rng.choice(("疏散出口", "疏散出口", "有奖举报公告牌", "其他"))
        o = {"id": f"O{j}", "kind": kind,
             "place": rng.choice(("员工宿舍", "生产经营场所") + (() if kind == "疏散出口" else ("其他",)))}
        for flag in ("marked", "clear", "adequate") if kind != "有奖举报公告牌" else ():
            v = rng.choice((True, True, False, "absent") + ((None,) if kind == "其他" else ()))
            if v != "absent":
                o[flag] = v
        obs.append(o)
    return dict(data, records=dict(data["records"], observations=obs))


@pytest.fixture(scope="module")
def generated(book):
    out = {}
    for cid in CHECKLISTS:
        rng = random.Random(7)
        data = generate.generate(300, sector=book.checklist(cid).sector, seed=11, book=book)
        out[cid] = [from_data(with_observations(d, rng), file=f"<合成企业{i}>") for i, d in enumerate(data)]
    return out


@pytest.mark.parametrize("checklist", CHECKLISTS)
def test_floor_knows_every_rule_of_the_checklist(book, checklist):
    ids = set(book.checklist(checklist).rule_ids)
    written = set(floor.FLOOR[checklist])
    unknown = sorted(ids - written)
    assert not unknown, (f"检查清单 {checklist} 有手写 floor 未覆盖的规则，请在 benchmarks/floor.py 的 "
                         f"FLOOR['{checklist}'] 中补写：{'、'.join(unknown)}")
    gone = sorted(written - ids)
    assert not gone, f"benchmarks/floor.py 含有检查清单 {checklist} 中已不存在的规则：{'、'.join(gone)}"


@pytest.mark.parametrize("as_of", AS_OF)
@pytest.mark.parametrize("checklist", CHECKLISTS)
def test_floor_and_native_agree(book, generated, checklist, as_of):
    cl = book.checklist(checklist)
    compiled = compile_checklist(book, cl)
    differences = []
    for ev in generated[checklist]:
        when = parse_date(as_of) if as_of else (ev.inspection.get("date") or cl.window[1])
        hand = floor.run_floor(ev, when, checklist)
        for f in evaluate(compiled, ev, cl, when):
            status, ids = hand[f.rule]
            native_ids = {e["id"] for e in f.evidence}
            if (status, set(ids)) != (f.status, native_ids):
                differences.append(f"{ev.file} {f.rule}（评估日 {when}）：native {f.status} {sorted(native_ids)}，"
                                   f"floor {status} {sorted(ids)}")
    assert not differences, (f"{len(differences)} 处不一致（规则、检查清单参数或 floor 有变？）：\n"
                             + "\n".join(differences[:20]))


def test_floor_gives_not_applicable_to_the_other_sector(book, generated):
    ev = generated["mine-2023"][0]
    assert set(floor.run_floor(ev, parse_date("2023-12-31"), "gongmao-2023").values()) == {floor.NOT_APPLICABLE}


def test_certificate_is_valid_through_its_last_day(book):
    """工贸方案 二（一）3: a special-operations worker must hold a certificate valid on the work date.
    Work at 08:30 on the certificate's last day is covered: a date against a date-time compares
    by the day (this was once a native bug: the date was taken as midnight)."""
    cl = book.checklist("gongmao-2023")
    ev = from_data({"enterprise": GM_PROFILE, "records": {
        "workers": [{"id": "W1", "name": "张三", "special_operation": "电焊", "certificates": [
            {"type": "特种作业操作证（焊接与热切割作业）", "operation": "电焊", "valid_from": "2021-06-06",
             "valid_until": "2023-06-06"}]}],
        "permits": [{"id": "P1", "kind": "动火", "work_start": "2023-06-06 08:30", "workers": ["W1"]}]}})
    when = parse_date("2023-06-30")
    assert floor.run_floor(ev, when, cl.id)["GM-3-SPECIAL-OPS-CERTIFIED"] == (floor.PASS, ())
    findings = evaluate(compile_checklist(book, cl), ev, cl, when)
    native = next(f for f in findings if f.rule == "GM-3-SPECIAL-OPS-CERTIFIED")
    assert native.status == floor.PASS, f"native: {native.status}，{native.reason}"
