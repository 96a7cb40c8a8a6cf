"""One fact, written once: profile flags that the records already state.

An enterprise with contractors on file has contractors; one with hazardous-work permits has
hazardous work; one whose roster puts a worker in a special-operations post has special
operations. A rule reads the flag alone (`applies: {profile: flags.has_contractors, eq: true}`),
so the flag and the records must not say two things:

- a flag the file leaves out is worked out from the records (when their section is given);
- a flag that contradicts the records is an input error naming the file, the flag's line and the
  records, raised at load (exit 2), the same in both sectors.

What the records can prove: a non-empty section proves the flag true. Only the contractors'
register also proves it false when it is given and empty (it lists every 外包外租 unit); an empty
permits list or a roster without special posts says nothing was recorded, not that there is no
such work, so those flags stay as written (or absent).
"""
from __future__ import annotations

from .findings import ids_text

# flag -> (records section, which records prove it, does an empty section prove it false?,
#          the records in Chinese)
DERIVED_FLAGS = {
    "has_contractors": ("contractors", lambda r: True, True, "外包外租单位（承包承租方）"),
    "has_hazardous_work": ("permits", lambda r: True, False, "危险作业审批单"),
    "has_special_operations": ("workers", lambda r: r.get("special_operation") not in (None, ""), False,
                               "特种作业岗位人员"),
}


def derive_flags(profile: dict, facts: dict, doc) -> None:
    """Set absent flags from the records; raise doc.error on a flag contradicting them."""
    flags = profile["flags"]
    for flag, (section, proves, empty_proves_false, what) in DERIVED_FLAGS.items():
        records = facts.get(section)
        if records is None:
            continue
        hits = [r["id"] for r in records if proves(r)]
        said = flags.get(flag)
        if said is None:
            if hits:
                flags[flag] = True
            elif empty_proves_false and not records:
                flags[flag] = False
            continue
        if said is False and hits:
            raise doc.error(f"企业画像 flags.{flag} 为 false（无），但 records.{section} 登记了{what}："
                            f"{ids_text(hits)}；请改正其一（省略该项则由记录推定）", ("enterprise", "flags", flag))
        if said is True and empty_proves_false and not records:
            raise doc.error(f"企业画像 flags.{flag} 为 true（有），但 records.{section} 为空列表，未登记任何{what}；"
                            "请改正其一（省略该项则由记录推定）", ("enterprise", "flags", flag))
