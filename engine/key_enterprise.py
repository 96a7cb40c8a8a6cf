"""重点企业: whether the notice makes an enterprise a key enterprise, worked out from its profile.

Why one function: every result shows it (the table header and the JSON), and bureaus plan their
inspections with it (工贸方案 三（三）1: key enterprises get one round of full-coverage inspection,
the others a 双随机 draw), so the table, the store and the plans must agree.

- 工贸 (工贸方案 三（三）1): 分类分级 C、D 级企业; 钢铁; 深井铸造; 液氨储量 10 吨以上涉氨制冷企业; 作业场所人数
  10 人以上涉爆粉尘企业. "10 吨以上" and "10 人以上" include 10 (以上 includes the number itself in
  Chinese legal usage, 《刑法》第九十九条 states the convention).
- 非煤矿山 (矿山方案 五（二）4 "聚焦重点矿山、D级风险矿山和尾矿库"; 六（二）3 "对重点矿山企业进行帮扶"): the notice
  does not define 重点矿山, so a mine is key when the supervising department has designated it
  (`key_enterprise_types` contains 重点矿山), when it is D级, or when it has a tailings pond (尾矿库,
  named beside the other two). C级 mines are not key: the mine plan names only D级.

A criterion whose field the profile does not give is not counted as "no": when nothing makes the
enterprise key and some criterion could not be read, `key` is None (未能确定) and `missing` names the
fields, so an incomplete profile is never planned as an ordinary enterprise by accident.
"""
from __future__ import annotations

from dataclasses import dataclass

AMMONIA_TONNES = 10      # 液氨储量 10 吨以上
DUST_WORKERS = 10        # 作业场所人数 10 人以上
# (domain, profile field, threshold, how the reason reads): the two criteria that depend on a size
BY_SIZE = (("涉氨制冷", "ammonia_tonnage", AMMONIA_TONNES, "液氨储量{}吨的涉氨制冷企业"),
           ("粉尘涉爆", "dust_workers", DUST_WORKERS, "作业场所{}人的涉爆粉尘企业"))

FIELD_NAMES = {"risk_class": "分类分级", "ammonia_tonnage": "液氨储量", "dust_workers": "涉爆粉尘作业场所人数",
               "key_enterprise_types": "重点企业类别", "mine_types": "矿山类型"}


@dataclass(frozen=True)
class KeyEnterprise:
    key: bool | None            # True 重点企业, False 非重点企业, None 未能确定 (fields missing)
    reasons: tuple[str, ...]    # why it is key, in the notice's words, e.g. ("分类分级D级", "钢铁")
    missing: tuple[str, ...]    # profile fields a criterion needed and the profile does not give

    @property
    def label(self) -> str:
        """One line for a table header: 重点企业（分类分级D级、钢铁） / 非重点企业 / 重点企业未能确定（…）."""
        if self.key:
            return f"重点企业（{'、'.join(self.reasons)}）"
        if self.key is False:
            return "非重点企业"
        return f"重点企业未能确定（企业画像未登记{'、'.join(FIELD_NAMES.get(m, m) for m in self.missing)}）"

    def to_json(self) -> dict:
        return {"key": self.key, "reasons": list(self.reasons), "missing": list(self.missing), "label": self.label}


def key_enterprise(profile: dict) -> KeyEnterprise:
    """The enterprise's 重点企业 status from its profile (the `enterprise` block of an evidence file)."""
    if profile.get("sector") == "非煤矿山":
        return _mine(profile)
    return _gongmao(profile)


def _gongmao(p: dict) -> KeyEnterprise:
    reasons, missing = [], []
    risk = p.get("risk_class")
    if risk in ("C", "D"):
        reasons.append(f"分类分级{risk}级")
    elif risk is None:
        missing.append("risk_class")
    types = p.get("key_enterprise_types") or ()
    reasons += [t for t in ("钢铁", "深井铸造") if t in types]
    domains = p.get("domains") or ()
    for domain, fieldname, threshold, wording in BY_SIZE:
        if domain in domains:
            value = p.get(fieldname)
            if value is None:
                missing.append(fieldname)
            elif value >= threshold:
                reasons.append(wording.format(_number(value)))
    return _verdict(reasons, missing)


def _mine(p: dict) -> KeyEnterprise:
    reasons, missing = [], []
    if "重点矿山" in (p.get("key_enterprise_types") or ()):
        reasons.append("重点矿山")
    risk = p.get("risk_class")
    if risk == "D":
        reasons.append("D级风险矿山")
    elif risk is None:
        missing.append("risk_class")
    if "尾矿库" in (p.get("mine_types") or ()) or (p.get("flags") or {}).get("has_tailings_pond") is True:
        reasons.append("尾矿库")
    return _verdict(reasons, missing)


def _verdict(reasons: list, missing: list) -> KeyEnterprise:
    if reasons:
        return KeyEnterprise(True, tuple(reasons), tuple(missing))
    return KeyEnterprise(None if missing else False, (), tuple(missing))


def _number(x) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
