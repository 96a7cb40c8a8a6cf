"""A 证据不足 reason for a missing records section names the section in Chinese (rules/wording/records.yaml),
with the key only in brackets, so an inspector reads which kind of record the file lacks."""
from yinhuan.checks.context import section_check, section_names
from yinhuan.evidence import SECTION_OF


def test_every_records_section_has_a_chinese_name():
    names = section_names()
    missing = sorted(set(SECTION_OF.values()) - set(names))
    assert not missing, f"rules/wording/records.yaml lacks: {missing}"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in names[s]) for s in SECTION_OF.values())


def test_missing_section_reason_names_the_section_in_chinese():
    _, verdict = section_check("certificates", "特种作业人员持证情况")
    status, reason = verdict[0], verdict[1]
    assert status == "证据不足"
    assert reason.startswith("证据文件未提供从业人员名册（records.workers）")
    assert reason.endswith("无法核查特种作业人员持证情况")
