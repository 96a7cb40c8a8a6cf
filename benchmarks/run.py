"""Enterprises per second, in one run: loading, the native evaluator, the rete evaluator (if the
extra is installed) and the hand-written floor (benchmarks/floor.py), each over the full checklist.

    python benchmarks/run.py [--n 10000] [--checklist gongmao-2023 [mine-2023]] [--rete-n 1000]

Evaluation is timed from already-loaded Evidence objects; loading (schema validation and
normalisation of the parsed data) is timed separately. Each evaluator runs the enterprises one
after another and drops the findings, as a streaming run (check → tally) would; the loaded
evidence is moved out of the garbage collector's way first (gc.freeze), because 10,000 enterprises
held in memory would otherwise make every collection walk all of them — a cost of the benchmark's
set-up, not of any evaluator. Every figure is the best of three runs, on one core. Native words
its reasons only when a finding is read, so it is timed twice: deciding, and deciding then
writing every finding as JSON (what `yinhuan check --format json` does). The floor covers every rule of
gongmao-2023 and mine-2023 and gives the same status and cited records as native
(tests/test_floor.py), so native/floor is like for like.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import floor  # noqa: E402
import generate  # noqa: E402
from yinhuan.errors import EngineRefused  # noqa: E402
from yinhuan.evaluate import compile_checklist, evaluate  # noqa: E402
from yinhuan.evidence import from_data  # noqa: E402
from yinhuan.rulebook import load_rulebook  # noqa: E402


def rate(n: int, fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n / best


def stream(items, fn):
    """Evaluate one enterprise after another, keeping nothing."""
    def run():
        for ev in items:
            fn(ev)
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description="检查清单求值速度基准（家/秒）")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--checklist", nargs="+", default=["gongmao-2023"], choices=sorted(floor.FLOOR),
                    help="一个或多个检查清单")
    ap.add_argument("--rete-n", type=int, default=1000, help="rete 较慢，只取前若干家企业计时")
    ap.add_argument("--seed", type=int, default=2023)
    a = ap.parse_args()

    book = load_rulebook()
    book.raise_problems()
    for cid in a.checklist:
        bench(book, cid, a.n, a.rete_n, a.seed)


def bench(book, cid: str, n: int, rete_n: int, seed: int) -> None:
    cl = book.checklist(cid)
    rules = book.rules_of(cl)
    data = generate.generate(n, sector=cl.sector, seed=seed, book=book)
    evs = []
    load = rate(n, lambda: evs.extend(from_data(d) for d in data), repeat=1)
    gc.collect()
    gc.freeze()
    as_of = cl.window[1]
    print(f"检查清单 {cl.id}：{len(rules)} 条规则，{n} 家合成企业（seed {seed}），评估日 {as_of}")
    print(f"  载入（校验+规范化）      {load:10,.0f} 家/秒")

    compiled = compile_checklist(book, cl)
    native = rate(n, stream(evs, lambda ev: evaluate(compiled, ev, cl, as_of)))
    print(f"  native（全部规则）        {native:10,.0f} 家/秒（目标 ≥ 2,000）")
    worded = rate(n, stream(evs, lambda ev: [f.to_json() for f in evaluate(compiled, ev, cl, as_of)]))
    print(f"  native＋写出 JSON 结果    {worded:10,.0f} 家/秒（理由、证据说明全部成文）")

    try:
        from yinhuan.rete import ReteEvaluator
        rete_ev = ReteEvaluator(book, cl)
        m = min(rete_n, n)
        rete = rate(m, stream(evs[:m], lambda ev: rete_ev.evaluate(ev, as_of)), repeat=1)
        print(f"  rete（全部规则，{m} 家）   {rete:10,.0f} 家/秒   native/rete = {native / rete:.1f}x")
    except EngineRefused as exc:
        print(f"  rete：未运行（{exc}）")

    missing = sorted(set(cl.rule_ids) - set(floor.FLOOR[cid]))
    if missing:
        print(f"  手写 floor：缺规则 {'、'.join(missing)}，未计时")
        return
    flo = rate(n, stream(evs, lambda ev: floor.run_floor(ev, as_of, cid)))
    print(f"  手写 floor（全部规则）    {flo:10,.0f} 家/秒   native/floor 耗时比 = {flo / native:.2f}x"
          f"（目标 ≤ 2x）")
    gc.unfreeze()


if __name__ == "__main__":
    main()
