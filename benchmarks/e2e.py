"""End to end, as a bureau runs it: the installed `yinhuan` over evidence files on disk.

    python benchmarks/e2e.py [--n 10000 100000] [--jobs 2] [--dir /tmp/yinhuan-e2e]
    python benchmarks/e2e.py --n          # only `yinhuan --help` and a one-file check, best of five

For each N it writes N synthetic 工贸 enterprises (benchmarks/generate.py, fixed seed; half
JSON, half YAML; districts and inspection modes of the example bureau, so the tables have
numbers), once, then times as subprocesses:

1. `yinhuan check --checklist gongmao-2023 --format jsonl --out findings.jsonl DIR` (every finding
   with its reason, cited records, clause and counters);
2. `yinhuan tally --checklist gongmao-2023 --period 2023-12 --cumulative` over those findings and
   the bureau's activity file (the dispatch tables as xlsx, csv and json);
3. the floor: this same script with --floor, a plain loop that reads each file with the fastest
   parser there is (json.loads; yaml_rs, the YAML reader check uses on ordinary files) and runs benchmarks/floor.py's hand-written
   rules over it, writing nothing.

It prints files/s, wall time and peak memory (RSS of the process and its workers together,
sampled every 50 ms) of each, and the ratio of check + tally to the floor. Then the one-file
check and `yinhuan --help`, best of five (rulebook cache warm). Figures: benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

SEED = 2023
DISTRICTS = ("环翠区", "文登区", "荣成市", "乳山市")     # examples/bureau/activity-gongmao.yaml
ACTIVITY = ROOT / "examples" / "bureau" / "activity-gongmao.yaml"


def yinhuan() -> str:
    exe = Path(sys.executable).parent / "yinhuan"
    return str(exe) if exe.exists() else (shutil.which("yinhuan") or "yinhuan")


# ---- the files -------------------------------------------------------------------------------

CHUNK = 1000
_gen = None


def _write_chunk(args) -> int:
    """Files chunk*1000 … of one folder; each chunk has its own seed, so the files are the same
    whichever process writes them."""
    import random
    import yaml
    import generate
    global _gen
    chunk, n, ev = args
    if _gen is None:
        _gen = generate.Generator(None, SEED)
    _gen.rng = random.Random(SEED * 1000 + chunk)
    sub = ev / f"{chunk:03d}"
    sub.mkdir(exist_ok=True)
    for i in range(chunk * CHUNK, min(n, (chunk + 1) * CHUNK)):
        data = _gen.enterprise(i, "工贸")
        data["enterprise"]["district"] = DISTRICTS[i % len(DISTRICTS)]
        insp = data.setdefault("inspection", {})
        insp.setdefault("date", "2023-11-20")
        insp["mode"] = "部门检查" if i % 3 else "自查"
        if i % 2:
            text = yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
            (sub / f"e{i:06d}.yaml").write_text(text, encoding="utf-8")
        else:
            (sub / f"e{i:06d}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return chunk


BASE = 10_000    # enterprises generated; beyond them, copies under new names and credit codes


def _copy_chunk(args) -> int:
    """Files chunk*1000 … beyond BASE: enterprise i is enterprise i % BASE (same records, same
    format) renamed 合成企业<i> with its own valid credit code, so every enterprise is distinct."""
    from yinhuan import creditcode
    chunk, n, ev, base = args
    sub = ev / f"{chunk:03d}"
    sub.mkdir(exist_ok=True)
    for i in range(chunk * CHUNK, min(n, (chunk + 1) * CHUNK)):
        j = i % BASE
        src = next((base / f"{j // CHUNK:03d}").glob(f"e{j:06d}.*"))
        text = src.read_text(encoding="utf-8")
        start = text.index(f"913710{j:06d}")          # generate.py's credit codes start so
        code = text[start:start + 18]
        new_code = creditcode.make(f"913710{i:06d}" + code[12:17])
        text = text.replace(code, new_code).replace(f"合成企业{j:05d}有限公司", f"合成企业{i:06d}有限公司")
        (sub / f"e{i:06d}{src.suffix}").write_text(text, encoding="utf-8")
    return chunk


def _generator_digest() -> str:
    """What the files depend on besides N and the seed: the generator, the evidence schema (its
    closed vocabularies) and the rules whose literals it draws from. Files written by another
    version are written again, never checked against rules they were not made for."""
    import hashlib
    from yinhuan.resources import SCHEMAS, rules_dir
    h = hashlib.sha256((HERE / "generate.py").read_bytes())
    h.update((SCHEMAS / "evidence.schema.json").read_bytes())
    for p in sorted(Path(rules_dir()).rglob("*.yaml")):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def write_files(n: int, folder: Path) -> Path:
    """N enterprises under folder/evidence (reused when already written with this N and seed).
    Up to BASE they are generated; beyond, they are renamed copies of the first BASE (generating
    100,000 takes the generator over an hour on this machine)."""
    ev = folder / "evidence"
    marker = folder / "generated.json"
    want = {"n": n, "seed": SEED, "sector": "工贸", "chunk": CHUNK, "base": BASE, "made_by": _generator_digest()}
    if marker.exists() and json.loads(marker.read_text()) == want:
        return ev
    shutil.rmtree(folder, ignore_errors=True)
    ev.mkdir(parents=True)
    t = time.perf_counter()
    if n > BASE:
        base = write_files(BASE, folder.parent / f"n{BASE}")
        for c in range(BASE // CHUNK):
            shutil.copytree(base / f"{c:03d}", ev / f"{c:03d}")
        _in_pool(_copy_chunk, [(c, n, ev, base) for c in range(BASE // CHUNK, (n + CHUNK - 1) // CHUNK)], "复制", t)
    else:
        _in_pool(_write_chunk, [(c, n, ev) for c in range((n + CHUNK - 1) // CHUNK)], "生成", t)
    marker.write_text(json.dumps(want))
    return ev


def _in_pool(work, chunks, verb: str, started: float) -> None:
    """Run work over the chunks on every core, printing progress every ten chunks."""
    import multiprocessing
    with multiprocessing.Pool(os.cpu_count() or 1) as pool:
        for done, _ in enumerate(pool.imap_unordered(work, chunks), 1):
            if done % 10 == 0:
                print(f"  已{verb} {done * CHUNK:,} 个文件（{time.perf_counter() - started:.0f} 秒）", flush=True)


def evidence_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".json", ".yaml"))


# ---- measuring a subprocess ------------------------------------------------------------------

def _tree_rss(pid: int) -> int:
    """RSS in bytes of pid and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list[str], ok=(0,)) -> tuple[float, int, float]:
    """(wall seconds, peak RSS of the process tree in bytes, CPU seconds of the tree) of one run of
    cmd. CPU time does not depend on what else the machine runs; wall time does."""
    import resource
    peak = 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.05)
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    th.join()
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd[:4])} … 退出码 {proc.returncode}：\n{err.decode('utf-8', 'replace')[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, peak, cpu


def best(cmd: list[str], times: int = 5, ok=(0,)) -> tuple[float, float]:
    """The fastest of `times` runs: (wall seconds, CPU seconds), each the minimum over the runs."""
    runs = [measure(cmd, ok) for _ in range(times)]
    return min(r[0] for r in runs), min(r[2] for r in runs)


# ---- the floor ---------------------------------------------------------------------------------

def floor_run(folder: Path) -> None:
    """Read every file with the fastest parser and run the hand-written rules: the floor."""
    from types import SimpleNamespace
    from datetime import date, datetime

    import floor
    try:    # the fastest YAML parser there is, as check uses it (engine/loader.py)
        import yaml_rs

        def yaml_load(text):
            return yaml_rs.loads(text, parse_datetime=False)
    except ImportError:
        import yaml

        def yaml_load(text):
            return yaml.load(text, Loader=yaml.CSafeLoader)
    from yinhuan.evidence import field_types

    kinds = field_types()
    dates = {t: {f for f, k in fields.items() if k in ("date", "datetime") and "." not in f}
             for t, fields in kinds.items()}

    def day(v, kind_datetime=False):
        if isinstance(v, (date, datetime)) or v is None:
            return v
        return datetime.fromisoformat(v) if kind_datetime or " " in v or "T" in v else date.fromisoformat(v)

    def norm(obj, t):
        for f in dates[t]:
            if f in obj:
                obj[f] = day(obj[f], kinds[t][f] == "datetime")
        return obj

    as_of = date(2023, 12, 31)
    counts: dict = {}
    for p in evidence_files(folder):
        text = p.read_text(encoding="utf-8")
        data = json.loads(text) if p.suffix == ".json" else yaml_load(text)
        facts = {}
        for section, items in (data.get("records") or {}).items():
            out = facts.setdefault(section, [])
            for raw in items:
                fact = norm(dict(raw), section)
                fact["_type"] = section
                certs = fact.pop("certificates", None) if section == "workers" else None
                out.append(fact)
                for j, c in enumerate(certs or ()):
                    cert = norm(dict(c), "certificates")
                    cert.update(id=f"{fact['id']}#证书{j + 1}", worker=fact["id"], _type="certificates")
                    facts.setdefault("certificates", []).append(cert)
            if section == "workers":
                facts.setdefault("certificates", [])
        profile = dict(data["enterprise"])
        profile.setdefault("domains", [])
        profile.setdefault("flags", {})
        answers = {k: dict(v, at=day(v.get("at"))) for k, v in (data.get("answers") or {}).items()}
        ev = SimpleNamespace(profile=profile, facts=facts, answers=answers, inspection=data.get("inspection") or {})
        for status, _ in floor.run_floor(ev, as_of, "gongmao-2023").values():
            counts[status] = counts.get(status, 0) + 1
    print(json.dumps(counts, ensure_ascii=False))


# ---- the run ---------------------------------------------------------------------------------

def mb(n: int) -> str:
    return f"{n / 2 ** 20:,.0f} MB"


def bench(n: int, base: Path, jobs: int | None) -> dict:
    folder = base / f"n{n}"
    print(f"\n== {n:,} 家工贸企业（seed {SEED}，一半 JSON 一半 YAML）：{folder}", flush=True)
    ev = write_files(n, folder)
    size = sum(p.stat().st_size for p in evidence_files(ev))
    print(f"  证据文件共 {size / 2 ** 20:,.0f} MB，平均 {size / n / 1024:.1f} KB", flush=True)
    out = folder / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    findings = out / "findings.jsonl"
    check = [yinhuan(), "check", "--checklist", "gongmao-2023", "--format", "jsonl", "--quiet",
             "--out", str(findings), str(ev)] + (["--jobs", str(jobs)] if jobs else [])
    tally = [yinhuan(), "tally", "--checklist", "gongmao-2023", "--period", "2023-12", "--cumulative",
             "--out", str(out / "tables"), str(ACTIVITY), str(findings)]
    floor_cmd = [sys.executable, str(Path(__file__).resolve()), "--floor", str(ev)]
    rows = {}
    rows["check"] = measure(check, ok=(0, 1))
    rows["tally"] = measure(tally)
    rows["floor"] = measure(floor_cmd)
    pipeline = rows["check"][0] + rows["tally"][0]
    pipeline_cpu = rows["check"][2] + rows["tally"][2]
    print(f"  {'阶段':<10}{'个/秒':>10}{'用时':>10}{'CPU':>10}{'峰值内存':>12}")
    for name, (wall, peak, cpu) in rows.items():
        print(f"  {name:<10}{n / wall:>10,.0f}{wall:>9.1f}s{cpu:>9.1f}s{mb(peak):>12}")
    print(f"  check+tally {n / pipeline:,.0f} 个/秒，{pipeline:.1f} 秒（CPU {pipeline_cpu:.1f} 秒）；"
          f"floor 的 {pipeline / rows['floor'][0]:.1f} 倍（CPU 时间之比 {pipeline_cpu / rows['floor'][2]:.1f} 倍）"
          f"；findings {findings.stat().st_size / 2 ** 20:,.0f} MB；负载 {os.getloadavg()[0]:.1f}", flush=True)
    return {"n": n, "rows": rows, "pipeline": pipeline}


def main() -> None:
    ap = argparse.ArgumentParser(description="端到端基准：已安装的 yinhuan 处理磁盘上的证据文件")
    ap.add_argument("--n", type=int, nargs="*", default=[10000], help="企业数（可多个；不给数值则只测 --help 和单个文件）")
    ap.add_argument("--jobs", type=int, default=None, help="传给 yinhuan check --jobs（默认：CPU 核数）")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/yinhuan-e2e"))
    ap.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.floor:
        floor_run(a.floor)
        return
    a.dir.mkdir(parents=True, exist_ok=True)
    example = ROOT / "examples" / "enterprises" / "gm-machinery.yaml"
    one = [yinhuan(), "check", "--checklist", "gongmao-2023", str(example)]
    measure(one, ok=(0, 1))   # warm the rulebook cache
    wall, cpu = best([yinhuan(), "--help"])
    print(f"yinhuan --help：{wall:.3f} 秒，CPU {cpu:.3f} 秒（五次取最快）")
    wall, cpu = best(one, ok=(0, 1))
    print(f"yinhuan check 一个文件：{wall:.3f} 秒，CPU {cpu:.3f} 秒（五次取最快，规则缓存已建）")
    for n in a.n:
        bench(n, a.dir, a.jobs)


if __name__ == "__main__":
    main()
