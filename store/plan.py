"""The 部门精准执法 phase's inspection plan (工贸方案 三（三）1; 非煤矿山 full coverage).

- 重点企业 (yinhuan.key_enterprise, from each enterprise's stored profile) get one full round of
  inspection between 8月1日 and 11月30日; mines get full coverage; `progress` lists those not yet
  inspected by a department (部门检查) in that window.
- The other 工贸 enterprises get a 双随机 spot check: `draw` samples them reproducibly. The population
  is sorted by 统一社会信用代码 and sampled with Python's `random.Random(seed)`; the seed, the
  population and the draw are stored (and printed), so anyone can re-run the draw and get the same
  list (双随机一公开). `replay` re-runs a stored draw and says whether it matches.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from yinhuan.errors import InputError
from yinhuan.key_enterprise import key_enterprise

from . import events, models
from .db import Store

WINDOW = (date(2023, 8, 1), date(2023, 11, 30))


@dataclass
class Planned:
    credit_code: str
    name: str
    district: str
    sector: str
    key: bool | None
    label: str
    inspected_on: list[date]


def _key(profile: dict):
    ke = key_enterprise(profile)
    stored = profile.get("key_enterprise") or {}
    if ke.key is None and stored.get("key") is not None:   # a findings file said what its evidence knew
        return stored["key"], stored.get("label", ke.label)
    return ke.key, ke.label


def enterprises(store: Store, window=WINDOW, as_of: date | None = None, district: str | None = None) -> list[Planned]:
    """Every enterprise in the store with its 重点企业 status and its department inspections in the
    window (up to as_of)."""
    lo, hi = window
    if as_of is not None:
        hi = min(hi, as_of)
    out = []
    with store.session() as s:
        q = select(models.Enterprise).order_by(models.Enterprise.district, models.Enterprise.credit_code)
        if district:
            q = q.where(models.Enterprise.district == district)
        for e in s.scalars(q):
            days = sorted({d for (d,) in s.execute(
                select(models.Inspection.date).where(models.Inspection.enterprise_id == e.id,
                                                     models.Inspection.mode == "部门检查",
                                                     models.Inspection.date >= lo, models.Inspection.date <= hi))})
            key, label = _key(e.profile)
            if e.sector == "非煤矿山":
                label = f"非煤矿山（全覆盖检查）；{label}"
            out.append(Planned(e.credit_code, e.name, e.district, e.sector, key, label, days))
    return out


def must_inspect(p: Planned) -> bool:
    """Full coverage: key 工贸 enterprises, undetermined ones (until the profile says), and every mine."""
    return p.sector == "非煤矿山" or p.key is not False


def draw(store: Store, actor: str, *, count: int | None = None, ratio: float | None = None,
         seed: str | None = None, district: str | None = None, note: str = "") -> models.PlanDraw:
    """双随机: sample the non-key 工贸 enterprises; the seed and the draw are stored."""
    population = sorted(p.credit_code for p in enterprises(store, district=district)
                        if p.sector == "工贸" and p.key is False)
    if not population:
        raise InputError("数据库中没有可抽查的非重点工贸企业", field="--district" if district else None)
    if count is None:
        if ratio is None or not 0 < ratio <= 1:
            raise InputError("请给出抽查家数 --count 或比例 --ratio（0–1）", field="--count")
        count = max(1, round(len(population) * ratio))
    if count > len(population):
        raise InputError(f"抽查家数 {count} 多于可抽查的企业 {len(population)} 家", field="--count")
    seed = seed or secrets.token_hex(8)
    drawn = sample(population, count, seed)
    with store.session() as s:
        events.lock(s)
        row = models.PlanDraw(seed=seed, drawn_at=events.now(), drawn_by=actor,
                              params={"count": count, "ratio": ratio, "district": district, "note": note},
                              population=population, drawn=drawn)
        s.add(row)
        s.flush()
        events.record(s, actor, "plan.draw", "plan", row.id, {"seed": seed, "count": count, "drawn": drawn}, row=row)
        return row


def sample(population: list[str], count: int, seed: str) -> list[str]:
    """The draw itself: anyone with the seed and the (sorted) population gets the same list."""
    return random.Random(seed).sample(sorted(population), count)


def replay(store: Store, draw_id: int) -> tuple[models.PlanDraw, bool]:
    with store.session() as s:
        row = s.get(models.PlanDraw, draw_id)
        if row is None:
            raise InputError(f"没有编号为 {draw_id} 的抽签记录", field="draw")
        return row, sample(row.population, len(row.drawn), row.seed) == row.drawn


def draws(store: Store) -> list[models.PlanDraw]:
    with store.session() as s:
        return list(s.scalars(select(models.PlanDraw).order_by(models.PlanDraw.id)))


def names(store: Store) -> dict[str, tuple[str, str]]:
    with store.session() as s:
        return {e.credit_code: (e.name, e.district) for e in s.scalars(select(models.Enterprise))}
