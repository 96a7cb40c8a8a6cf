"""Write docs/observations.md from engine/schemas/evidence.schema.json.

Why generated: the schema is what validates evidence files, so the documentation of observation
kinds is read from it and cannot drift from it. Run after editing an observation kind:

    python tools/observations_doc.py
"""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMON = ("id", "kind", "location", "note", "date", "regime")

INTRO = """# 现场观察记录 / site observations (`records.observations`)

<!-- 本文件由 tools/observations_doc.py 依 engine/schemas/evidence.schema.json 生成，请勿手改。 -->

检查人员把现场看到的事实——场所、设备、做法——记为 `records.observations` 中的一条记录：
`id`（本文件内唯一）、`kind`（类别）及该类别的字段。判定标准中能由这些事实判定的情形写成
事实模式规则（`none` 检查：模式描述隐患，匹配即为重大事故隐患）；只有人能判断的情形是判断项，
在 `answers` 中回答。

Inspectors record what they saw as observations: an `id`, a `kind`, and that kind's fields. The
kinds below are validated field by field (an unknown or misspelt field is an error); any other
kind is rejected with the nearest known ones (the closed vocabulary, docs/evidence.md); write `其他` for
something no rule reads, with its fields free-form.

所有类别共有的字段 / fields every kind may have:

| 字段 | 类型 | 说明 |
|---|---|---|
{common}

`regime` 标明该事项的重大事故隐患判定由其他规定调整（《工贸企业重大事故隐患判定标准》第二条：
危险化学品、消防、燃气、特种设备）；检查清单将其列为“不在本标准范围，适用其规定”，不作符合或不符合判定。

引用其他观察记录的字段（如 `有限空间作业.space` → `有限空间.id`）写对方记录的 `id`，加载时核对所指记录存在且类别正确。
装置所在房间、场所所在建筑等事实直接记在该条记录上（如速冻装置的 `dedicated_room`、`room_workers`）。

例 / example:

```yaml
records:
  observations:
    - {{id: O1, kind: 速冻装置, location: 速冻车间, dedicated_room: true, room_workers: 12}}
    - {{id: O2, kind: 有限空间, location: 污水处理站集水井, identified: false, warning_sign: false, toxic_risk: [硫化氢]}}
    - {{id: O3, kind: 有限空间作业, space: O2, approved: true, ventilate_test_first: false, guardian_present: true}}
```
"""


def _type(v: dict) -> str:
    if "enum" in v:
        return " / ".join(str(x) for x in v["enum"])
    if v.get("$ref", "").endswith("/date"):
        return "日期"
    if v.get("type") == "array":
        items = v.get("items", {})
        return "列表" + (f"（{' / '.join(items['enum'])}）" if "enum" in items else "")
    return {"boolean": "true/false", "integer": "整数", "number": "数字", "string": "文字"}.get(v.get("type"), "")


def render() -> str:
    s = json.loads((ROOT / "engine/schemas/evidence.schema.json").read_text(encoding="utf-8"))
    defs = s["$defs"]
    obs = defs["observation"]
    common = "\n".join(f"| `{k}` | {_type(obs['properties'][k])} | {obs['properties'][k].get('description', '')} |"
                       for k in COMMON)
    out = [INTRO.format(common=common)]
    out.append("## 已知类别 / known kinds\n")
    for branch in obs["allOf"]:
        kind = branch["if"]["properties"]["kind"]["const"]
        d = defs[branch["then"]["$ref"].rsplit("/", 1)[-1]]
        out.append(f"### {kind}\n\n{d['description'].split('：', 1)[1]}\n")
        out.append("| 字段 | 必填 | 类型 | 说明 |\n|---|---|---|---|")
        for f, v in d["properties"].items():
            if f in COMMON:
                continue
            req = "是" if f in d["required"] else ""
            out.append(f"| `{f}` | {req} | {_type(v)} | {v.get('description', '')} |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    (ROOT / "docs/observations.md").write_text(render(), encoding="utf-8")
    print("wrote docs/observations.md")


if __name__ == "__main__":
    main()
