"""Deterministic synthetic evidence for benchmarks and differential tests.

Values are drawn from what the rules actually test: every literal a rule compares a field with
(e.g. documents.kind = 事故隐患排查治理制度) goes into that field's pool, alongside an "other"
value, so each rule sees both matching and non-matching records. Fields are sometimes left out,
sections sometimes missing, dates spread over 2023 so periods are met, missed and pending.
New rules are picked up without editing this file. Run as a script to write files:

    python benchmarks/generate.py --n 5 --sector 工贸 --out /tmp/ev
"""
from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from pathlib import Path

from yinhuan import conditions as C
from yinhuan import creditcode
from yinhuan.derived import DERIVED_FLAGS
from yinhuan.evidence import FACT_TYPES, from_data
from yinhuan.resources import schema
from yinhuan.rulebook import load_rulebook

SECTORS = ("工贸", "非煤矿山")
SECTIONS = [t for t in FACT_TYPES if t not in ("certificates", "observations")]
_DEF = {"documents": "document", "meetings": "meeting", "inspections": "self_inspection",
        "trainings": "training", "drills": "drill", "permits": "permit", "workers": "worker",
        "contractors": "contractor", "equipment": "equipment", "hazards": "hazard"}
ID_LISTS = {("trainings", "attendees"), ("permits", "workers"), ("drills", "participants"),
            ("meetings", "attendees")}
START = date(2023, 1, 1)
_PREFIX = {"documents": "D", "meetings": "M", "inspections": "I", "trainings": "T", "drills": "DR",
           "permits": "P", "workers": "W", "contractors": "C", "equipment": "E", "hazards": "H"}


def literal_pools(book) -> dict:
    """{(fact type or 'profile', dotted field): [literal values rules compare it with]}."""
    pools: dict = {}

    def add(key, v):
        for x in (v if isinstance(v, list) else [v]):
            if isinstance(x, (str, int, float)) and not isinstance(x, bool):
                pools.setdefault(key, [])
                if x not in pools[key]:
                    pools[key].append(x)

    def visit(cond, current, aliases):
        for node, cur, bound in C.walk_scoped(cond, current, aliases):
            if isinstance(node, C.Cmp) and isinstance(node.right, C.Lit):
                target = C.target_of(node.left, cur, bound)
                if target:
                    add((target, ".".join(node.left.path)), node.right.value)

    for rule in book.rules.values():
        fact = rule.check.get("fact")
        alias = {rule.check["as"]: fact} if rule.check.get("as") and fact else {}
        for name, cond in rule.conditions.items():
            f = rule.check.get(name.split(".")[0], {}).get("fact") if "." in name else fact
            visit(cond, f, alias)
        for cond in [rule.applies] + [w for w, _ in rule.overrides]:
            visit(cond, None, {})
    return pools


class Generator:
    def __init__(self, book=None, seed: int = 2023):
        self.book = book or load_rulebook()
        self.pools = literal_pools(self.book)
        self.defs = schema("evidence")["$defs"]
        self.rng = random.Random(seed)
        self.judgements = [r.id for r in self.book.rules.values() if r.kind == "judgement"]

    # ---- values ---------------------------------------------------------------------------
    def _date(self, lo: date = START, days: int = 380) -> date:
        return lo + timedelta(days=self.rng.randrange(days))

    def _string(self, key, other: str) -> str:
        pool = self.pools.get(key)
        if pool and self.rng.random() < 0.75:
            return str(self.rng.choice(pool))
        return other

    def _enum(self, prop: dict) -> list | None:
        """The values a field may hold when the schema closes it (itself or the def it names)."""
        ref = prop.get("$ref", "")
        target = self.defs.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/$defs/") else {}
        return prop.get("enum") or target.get("enum")

    def _value(self, fact, name, prop, ctx):
        r = self.rng
        key = (fact, name)
        ref = prop.get("$ref", "")
        enum = self._enum(prop) or self._enum(prop.get("items") or {})   # closed vocabulary fields
        if ref.endswith("/datetime"):
            d = self._date()
            return f"{d.isoformat()} {r.randrange(6, 18):02d}:{r.choice((0, 30)):02d}"
        if ref.endswith("/date"):
            return self._date().isoformat()
        if (fact, name) in ID_LISTS:
            ws = ctx["workers"]
            return r.sample(ws, k=r.randrange(0, len(ws) + 1)) if ws else []
        if ref.endswith("/ids") or ref.endswith("/names") or prop.get("type") == "array":
            pool = [x for x in enum if x is not None] if enum else \
                list(dict.fromkeys(self.pools.get(key, []))) or ["其他"]
            return r.sample(pool, k=r.randrange(0, len(pool) + 1))
        if enum:
            return r.choice(enum)
        t = prop.get("type")
        if isinstance(t, list) and "null" in t and r.random() < 0.2:
            return None
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), "string")
        if t == "boolean":
            return r.random() < 0.7
        if t in ("integer", "number"):
            pool = [x for x in self.pools.get(key, []) if isinstance(x, (int, float))]
            base = r.choice(pool) if pool else 5
            return r.randrange(0, 2 * int(base) + 2)
        return self._string(key, f"其他{r.randrange(3)}")

    def _object(self, fact, defn, ctx, prefix="", skip=()):
        out = {}
        req = set(defn.get("required", ()))
        for name, prop in defn.get("properties", {}).items():
            if name in skip:
                continue
            ref = prop.get("$ref", "")
            target = self.defs.get(ref.rsplit("/", 1)[-1]) if ref.startswith("#/$defs/") else None
            if name not in req and self.rng.random() < 0.15:
                continue
            if target and target.get("type") == "object":
                out[name] = self._object(fact, target, ctx, prefix + name + ".")
            elif prop.get("type") == "object":
                out[name] = self._object(fact, prop, ctx, prefix + name + ".")
            else:
                out[name] = self._value(fact, prefix + name, prop, ctx)
        return out

    # ---- one enterprise -------------------------------------------------------------------
    def enterprise(self, i: int, sector: str | None = None) -> dict:
        r = self.rng
        sector = sector or SECTORS[i % 2]
        prof = self._object("profile", self.defs["enterprise"], {"workers": []},
                            skip=("credit_code", "sector", "name"))
        prof.update(name=f"合成企业{i:05d}有限公司", sector=sector, district=prof.get("district") or "环翠区",
                    credit_code=creditcode.make(f"913710{i:06d}{r.randrange(10000):04d}A"[:17]))
        if "safety_staff_full_time" in prof and "safety_staff" in prof:   # 专职 are some of the 专兼职
            prof["safety_staff_full_time"] = min(prof["safety_staff_full_time"], prof["safety_staff"])
        if sector == "工贸":
            prof.pop("mine_types", None)
            prof.pop("mine_status", None)
        else:
            prof.pop("industry", None)
        ctx = {"workers": []}
        records = {}
        n_workers = r.randrange(0, 8)
        ctx["workers"] = [f"W{j}" for j in range(n_workers)]
        for section in SECTIONS:
            if r.random() < 0.08:
                continue   # section not provided: 证据不足
            n = n_workers if section == "workers" else r.randrange(0, 6)
            items = []
            for j in range(n):
                rec = self._object(section, self.defs[_DEF[section]], ctx, skip=("certificates",))
                rec["id"] = ctx["workers"][j] if section == "workers" else f"{_PREFIX[section]}{j}"
                if section == "workers":
                    rec["name"] = f"员工{j}"
                    rec["certificates"] = [self._cert() for _ in range(r.randrange(0, 3))]
                items.append(rec)
            records[section] = items
        if "workers" not in records:   # references must resolve; keep the roster when lists name it
            records["workers"] = [{"id": w, "name": f"员工{w}"} for w in ctx["workers"]]
        _consistent_flags(prof.get("flags") or {}, records)
        answers = {}
        for rid in self.judgements:
            if r.random() < 0.7:
                answers[rid] = {"answer": r.choice(("是", "否", "不适用")), "by": "检查员甲"}
        insp = {"date": self._date(date(2023, 5, 1), 250).isoformat()} if r.random() < 0.5 else {}
        return {"enterprise": prof, "inspection": insp, "records": records, "answers": answers}

    def _cert(self) -> dict:
        frm = self._date(date(2017, 1, 1), 365 * 6)
        cert = {"type": self._string(("certificates", "type"), "特种作业操作证"),
                "operation": self.rng.choice(("电焊", "电工", "制冷与空调")),
                "valid_from": frm.isoformat(),
                "valid_until": (frm + timedelta(days=365 * self.rng.randrange(1, 7))).isoformat()}
        if self.rng.random() < 0.2:   # valid_from is optional
            del cert["valid_from"]
        return cert


def _consistent_flags(flags: dict, records: dict) -> None:
    """A flag the records contradict is an input error (yinhuan.derived): drop such flags, so the
    value is worked out from the records as a user's file would have it."""
    for flag, (section, proves, empty_proves_false, _) in DERIVED_FLAGS.items():
        recs = records.get(section)
        if recs is None or flag not in flags:
            continue
        hit = any(proves(x) for x in recs)
        if (flags[flag] is False and hit) or (flags[flag] is True and empty_proves_false and not recs):
            del flags[flag]


def generate(n: int, sector: str | None = None, seed: int = 2023, book=None) -> list[dict]:
    g = Generator(book, seed)
    return [g.enterprise(i, sector) for i in range(n)]


def evidences(n: int, sector: str | None = None, seed: int = 2023, book=None) -> list:
    """Loaded (validated, normalised) Evidence objects."""
    return [from_data(d, file=f"<合成企业{i}>") for i, d in enumerate(generate(n, sector, seed, book))]


def main() -> None:
    ap = argparse.ArgumentParser(description="生成合成证据文件（确定性）")
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--sector", choices=SECTORS, default=None)
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    for i, d in enumerate(generate(a.n, a.sector, a.seed)):
        (a.out / f"synthetic-{i:05d}.json").write_text(json.dumps(d, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
