"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.

Alphabet: 0-9 and the capital letters except I, O, Z, S, V. The check character is
31 - (sum of value*weight mod 31), with 31 mapped to 0.
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def check_char(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code) -> str | None:
    """None when the code is valid, otherwise a Chinese sentence saying what is wrong."""
    if not isinstance(code, str):
        return "统一社会信用代码应为18位字符串"
    if len(code) != 18:
        return f"统一社会信用代码应为18位，得到 {len(code)} 位"
    bad = [c for c in code if c not in _VALUE]
    if bad:
        return f"统一社会信用代码含非法字符 “{bad[0]}”（不用 I、O、Z、S、V 及小写字母）"
    expected = check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误：末位应为 {expected}，得到 {code[17]}"
    return None


def is_valid(code) -> bool:
    return problem(code) is None


def make(first17: str) -> str:
    """Complete 17 characters with their check character (used by examples and benchmarks)."""
    return first17 + check_char(first17)
