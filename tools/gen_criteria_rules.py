"""Scaffold judgement-item rules for every catalogue item that no hand-written fact-pattern rule
covers, so that one checklist walks the whole standard.

Why generated: 185 items would otherwise be typed by hand, and each must repeat its catalogue
entry's citation and applicability exactly. The generated YAML is committed and is what the
engine reads; lint re-checks it against the catalogue. Re-run after editing the catalogue or
adding a fact-pattern rule (rules/criteria/*/facts*.yaml):

    python tools/gen_criteria_rules.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yinhuan.catalogue import applies_condition, load_catalogues  # noqa: E402

FOLDER = {"工贸": "gongmao", "非煤矿山": "mine"}
REMEDY = ("立即消除该情形；不能立即消除的，落实整改责任人、措施、资金、期限和应急预案（五到位），"
          "并列入重大事故隐患台账，判定依据写本条目的引用。")


def covered_by_hand(folder: Path) -> set[str]:
    out = set()
    for f in sorted(folder.glob("facts*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        for r in data.get("rules", [data]):
            if r.get("criterion"):
                out.add(r["criterion"])
    return out


def profile_for(entry) -> dict:
    a = entry.applies
    p = {}
    if a.get("industries"):
        p["industry"] = a["industries"][0]
    if a.get("domains"):
        p["domains"] = [a["domains"][0]]
    if a.get("flags"):
        p["flags"] = {f: True for f in a["flags"]}
    if a.get("mine_types"):
        p["mine_types"] = [a["mine_types"][0]]
    return p


def rule_for(entry) -> dict:
    std = entry.standard
    rid = f"CRIT-{entry.id}"
    label = entry.raw_label
    guidance = (f"对照{std.short_title}{entry.clause}原文判断（下列问题中的情形为本目录的摘要，以原文为准）；"
                f"适用范围：{entry.scope}。不属于该适用范围的，答“不适用”。")
    if entry.unconfirmed:
        guidance += "本条目录条目尚未对照全文核实（条文待核实）。"
    rule = {"id": rid, "title": f"{entry.clause}（{label}）",
            "source": {"document": std.rule_document, "clause": entry.clause},
            "criterion": entry.id,
            "tags": [f"{std.sector}判定标准" if std.sector == "工贸" else "矿山判定标准", "判定标准"]}
    cond = applies_condition(entry)
    if cond:
        rule["applies"] = cond
    rule["check"] = {"kind": "judgement",
                     "question": f"是否存在以下情形（摘要）：{entry.summary}？",
                     "fail_on": "是", "guidance": guidance}
    rule["remedy"] = REMEDY
    ent = profile_for(entry)
    ev = lambda ans: ({"enterprise": ent} if ent else {}) | {"answers": {rid: {"answer": ans, "by": "检查人员"}}}
    rule["examples"] = [{"name": "检查人员判定存在该情形", "expect": "不符合", "evidence": ev("是")},
                        {"name": "检查人员判定不存在该情形", "expect": "符合", "evidence": ev("否")}]
    return rule


def main() -> None:
    cats = load_catalogues()
    for std in cats.standards:
        folder = ROOT / "rules" / "criteria" / FOLDER[std.sector]
        hand = covered_by_hand(folder)
        rules = []
        for e in std.entries:
            if e.id in hand:
                continue
            object.__setattr__(e, "raw_label", _label(std, e))
            rules.append(rule_for(e))
        head = (f"# 由 tools/gen_criteria_rules.py 依 rules/catalogue/{std.catalogue}.yaml 生成，请勿手改。\n"
                f"# {std.short_title}中没有事实模式规则（facts*.yaml）的条项，作为判断项逐项检查。\n"
                "# 问题中的情形为目录摘要，不是条文原文。\n")
        text = yaml.safe_dump({"rules": rules}, allow_unicode=True, sort_keys=False, width=200)
        (folder / "judgement.yaml").write_text(head + text, encoding="utf-8")
        print(f"{folder.relative_to(ROOT)}/judgement.yaml: {len(rules)} 条判断项（{len(hand)} 项由事实模式规则判定）")


def _label(std, e) -> str:
    raw = yaml.safe_load(Path(std.file).read_text(encoding="utf-8"))
    entry = next(x for x in raw["entries"] if x["id"] == e.id)
    return entry.get("topic") or entry.get("category") or entry["scope"]


if __name__ == "__main__":
    main()
