"""Copy the team's reference catalogues (../shared/reference/*.yaml) into the product's catalogue
format (rules/catalogue/*.yaml), adding what the engine needs: article and item, applicability
keys, effective date and verification status.

Why a script: the reference files are the checked source; copying by hand would let ids,
citations or summaries drift. Run once per reference update, review the diff, commit the result:

    python tools/import_reference_catalogue.py ../shared/reference

Ids, citations, scopes, summaries, sources and notes are copied verbatim. Applicability keys come
from the tables below (the standards' own articles 第二条–第十三条 and the mine standard's parts),
not from the paraphrases.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent.parent
OUT = HERE / "rules" / "catalogue"

# 工贸: article -> applicability keys (第二条 names the industries; 第十一–十三条 the special domains)
GONGMAO_ARTICLES = {
    "第三条": {},
    "第四条": {"industries": ["冶金"]},
    "第五条": {"industries": ["有色"]},
    "第六条": {"industries": ["建材"]},
    "第七条": {"industries": ["机械"]},
    "第八条": {"industries": ["轻工"]},
    "第九条": {"industries": ["纺织"]},
    "第十条": {"industries": ["烟草"]},
    "第十一条": {"domains": ["粉尘涉爆"]},
    "第十二条": {"domains": ["涉氨制冷"]},
    "第十三条": {"flags": ["confined_space_toxic"]},
    "第十四条": {},
}
GONGMAO_ITEM_OVERRIDES = {"GM-3-3": {"domains": ["金属冶炼"]}}  # 第三条第（三）项: 金属冶炼企业 only
MINE_PARTS = {"UG": ("一", "地下"), "OP": ("二", "露天"), "TP": ("三", "尾矿库")}

GONGMAO_OUTSIDE = [
    {"regime": "危险化学品", "text": "危险化学品方面的重大事故隐患判定另有规定的，适用其规定"},
    {"regime": "消防", "text": "消防（火灾）方面的重大事故隐患判定另有规定的，适用其规定"},
    {"regime": "燃气", "text": "燃气方面的重大事故隐患判定另有规定的，适用其规定"},
    {"regime": "特种设备", "text": "特种设备方面的重大事故隐患判定另有规定的，适用其规定"},
]


def _header(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def _entry(raw: dict, article: str, item: str, applies: dict, effective: str) -> dict:
    out = {"id": raw["id"], "citation": raw["citation"], "article": article}
    if item:
        out["item"] = item
    out["scope"] = raw["scope"]
    for k in ("category", "topic"):
        if raw.get(k):
            out[k] = raw[k]
    out["applies"] = applies
    out["effective"] = effective
    out["unconfirmed"] = bool(raw.get("unconfirmed", False))
    out["summary"] = raw["summary"]
    out["source_url"] = raw["source_url"]
    if raw.get("note"):
        out["note"] = raw["note"]
    return out


def gongmao(ref: dict) -> dict:
    std = ref["standard"]
    entries = []
    for raw in ref["entries"]:
        m = re.search(r"》(第[一二三四五六七八九十]+条)(第（[一二三四五六七八九十]+）项)?$", raw["citation"])
        article, item = m.group(1), (m.group(2) or "")
        applies = GONGMAO_ITEM_OVERRIDES.get(raw["id"], GONGMAO_ARTICLES[article])
        entries.append(_entry(raw, article, item, applies, str(std["effective"])))
    return {"catalogue": "gongmao-2023",
            "standard": {**{k: str(v) for k, v in std.items()}, "short_title": f"《{std['title']}》",
                         "rule_document": "工贸判定标准", "sector": "工贸",
                         "example_entry": "GM-12-2"},  # the notice's 附件2 cites 第十二条第（二）项
            "outside_scope": {"article": "第二条", "regimes": GONGMAO_OUTSIDE},
            "entries": entries}


def mine(ref: dict) -> dict:
    std = ref["standard"]
    entries = []
    for raw in ref["entries"]:
        part_key = raw["id"].split("-")[1]
        part, mine_type = MINE_PARTS[part_key]
        m = re.search(r"》(一|二|三)(（[一二三四五六七八九十]+）)(\d*)$", raw["citation"])
        assert m and m.group(1) == part, raw["id"]
        entries.append(_entry(raw, m.group(1) + m.group(2), m.group(3), {"mine_types": [mine_type]},
                              str(std["effective"])))
    return {"catalogue": "mine-2022",
            "standard": {**{k: str(v) for k, v in std.items()}, "short_title": f"《{std['title']}》",
                         "rule_document": "矿山判定标准", "sector": "非煤矿山", "example_entry": "MINE-UG-1-1",
                         "not_covered": "《金属非金属矿山重大事故隐患判定标准补充情形》（矿安〔2024〕41号，2024-04-23，8项）未收录"},
            "parts": [{"part": p, "mine_type": t} for p, t in MINE_PARTS.values()],
            "entries": entries}


def main(ref_dir: str) -> None:
    ref = Path(ref_dir)
    for src, name, convert in (("gongmao-major-hazard-criteria.yaml", "gongmao-2023.yaml", gongmao),
                               ("mine-major-hazard-criteria.yaml", "mine-2022.yaml", mine)):
        data = convert(yaml.safe_load((ref / src).read_text(encoding="utf-8")))
        head = (_header(ref / src) + "\n#\n# 本文件由 tools/import_reference_catalogue.py 自 ../shared/reference/" + src
                + " 生成；id、citation、scope、summary、source_url、note 原样照录。\n"
                "# summary 为整理者的概述（摘要），不是原文；任何输出均须标注“摘要”。\n")
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)
        (OUT / name).write_text(head + body, encoding="utf-8")
        print(f"{name}: {len(data['entries'])} 条")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(HERE.parent / "shared" / "reference"))
