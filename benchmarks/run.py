"""Enterprises per second, in one run: loading, the native evaluator, the rete evaluator (if the
extra is installed) and the hand-written floor (benchmarks/floor.py).

    python benchmarks/run.py [--n 10000] [--checklist gongmao-2023] [--rete-n 1000]

Evaluation is timed from already-loaded Evidence objects; loading (schema validation and
normalisation of the parsed data) is timed separately. The floor covers the rules in
floor.FLOOR, so the native/floor ratio is taken on that same subset of rules, like for like.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import floor  # noqa: E402
import generate  # noqa: E402
from yinhuan.errors import EngineRefused  # noqa: E402
from yinhuan.evaluate import compile_rule, evaluate  # noqa: E402
from yinhuan.evidence import from_data  # noqa: E402
from yinhuan.rulebook import load_rulebook  # noqa: E402


def rate(n: int, fn) -> float:
    t = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description="检查清单求值速度基准（家/秒）")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--checklist", default="gongmao-2023")
    ap.add_argument("--rete-n", type=int, default=1000, help="rete 较慢，只取前若干家企业计时")
    ap.add_argument("--seed", type=int, default=2023)
    a = ap.parse_args()

    book = load_rulebook()
    book.raise_problems()
    cl = book.checklist(a.checklist)
    rules = book.rules_of(cl)
    data = generate.generate(a.n, sector=cl.sector, seed=a.seed, book=book)
    evs = []
    load = rate(a.n, lambda: evs.extend(from_data(d) for d in data))
    as_of = cl.window[1]
    print(f"检查清单 {cl.id}：{len(rules)} 条规则，{a.n} 家合成企业（seed {a.seed}），评估日 {as_of}")
    print(f"  载入（校验+规范化）      {load:10,.0f} 家/秒")

    compiled = [compile_rule(r, cl) for r in rules]
    native = rate(a.n, lambda: [evaluate(compiled, ev, cl, as_of) for ev in evs])
    print(f"  native（全部规则）        {native:10,.0f} 家/秒")

    try:
        from yinhuan.rete import ReteEvaluator
        rete_ev = ReteEvaluator(book, cl)
        m = min(a.rete_n, a.n)
        rete = rate(m, lambda: [rete_ev.evaluate(ev, as_of) for ev in evs[:m]])
        print(f"  rete（全部规则，{m} 家）   {rete:10,.0f} 家/秒   native/rete = {native / rete:.1f}x")
    except EngineRefused as exc:
        print(f"  rete：未运行（{exc}）")

    if cl.id == "gongmao-2023":
        sub = [compile_rule(book.rules[r], cl) for r in floor.FLOOR]
        native_sub = rate(a.n, lambda: [evaluate(sub, ev, cl, as_of) for ev in evs])
        flo = rate(a.n, lambda: [floor.run_floor(ev, as_of) for ev in evs])
        print(f"  同一组 {len(sub)} 条规则：native {native_sub:,.0f} 家/秒，手写 floor {flo:,.0f} 家/秒，"
              f"floor/native = {flo / native_sub:.2f}x")
    else:
        print("  手写 floor 目前只覆盖 gongmao-2023")


if __name__ == "__main__":
    main()
