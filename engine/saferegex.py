"""Rule regexes (`matches:`) that cannot hang the engine.

Rule authors are trusted less than the engine: `matches: "^(a+)+$"` takes Python's backtracking
`re` about 2^n steps on a note of n a's and a "!" — a 35-character note never finishes. Two guards:

1. `problem(pattern)`, run by `rules lint` and whenever a rulebook is loaded, rejects the patterns
   that backtrack catastrophically, with the reason in Chinese: a quantifier inside a repeated
   group (`(a+)+`, `(a*b?)*`), an alternation inside a repeated group whose branches can start
   with the same character (`(a|ab)+`, `(.|a)*`), more than three unbounded quantifiers, and
   the constructs a linear-time engine cannot run (back-references, look-around, atomic groups,
   conditionals). What is left — literals, classes, anchors, alternation, groups, one level of
   quantifiers — is what rules need (`^\\d{6}$`, `未.*(培训|教育)`).
2. `compile_pattern(pattern)` compiles with Google's RE2 (`pip install 'yinhuan[re2]'`, in the
   test extra), whose matching time is linear in the text whatever the pattern, when it is
   installed; otherwise with Python's `re`, on the patterns guard 1 lets through.

Both engines give the same answers on that subset (`re.search` semantics: a match anywhere).
"""
from __future__ import annotations

import re
from functools import lru_cache

try:  # Python 3.11+: the parser behind re.compile
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re import _constants as sre_c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

try:
    import re2 as _re2  # google-re2: linear-time matching
except ImportError:  # pragma: no cover - exercised where the extra is not installed
    _re2 = None

ENGINE = "re2" if _re2 is not None else "re"
MAX_UNBOUNDED = 3       # quantifiers without an upper bound (* + {n,}) in one pattern
MANY = 10               # a bounded repeat above this counts as repeating "many" times

_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT} | (
    {sre_c.POSSESSIVE_REPEAT} if hasattr(sre_c, "POSSESSIVE_REPEAT") else set())
_UNSUPPORTED = {sre_c.GROUPREF: "反向引用（\\1）", sre_c.GROUPREF_EXISTS: "条件分组 (?(1)…)",
                sre_c.ASSERT: "前瞻/后顾断言 (?=…) (?<=…)", sre_c.ASSERT_NOT: "否定断言 (?!…) (?<!…)"}
if hasattr(sre_c, "ATOMIC_GROUP"):  # Python 3.11+
    _UNSUPPORTED[sre_c.ATOMIC_GROUP] = "原子分组 (?>…)"
if hasattr(sre_c, "POSSESSIVE_REPEAT"):
    _UNSUPPORTED[sre_c.POSSESSIVE_REPEAT] = "占有量词（*+ ++）"


class Unsafe(ValueError):
    pass


def problem(pattern: str) -> str | None:
    """Why the pattern may backtrack catastrophically or cannot run in linear time; None if fine."""
    try:
        tree = sre_parse.parse(pattern)
    except re.error as exc:
        return f"正则表达式无效：{exc}"
    try:
        unbounded = _walk(tree, in_repeat=False)
    except Unsafe as exc:
        return str(exc)
    if unbounded > MAX_UNBOUNDED:
        return (f"正则表达式有 {unbounded} 个不限次数（或上限超过 {MANY}）的量词，最多 {MAX_UNBOUNDED} 个："
                "过多会使匹配时间随文字长度成倍增长")
    return None


def _walk(items, in_repeat: bool) -> int:
    """Raise Unsafe on a catastrophic construct; return the number of unbounded quantifiers."""
    count = 0
    for op, av in items:
        if op in _UNSUPPORTED:
            raise Unsafe(f"正则表达式中的{_UNSUPPORTED[op]}不受支持（线性时间的匹配引擎不能运行它）")
        if op in _REPEATS:
            lo, hi, body = av
            if in_repeat:
                raise Unsafe("正则表达式中重复的分组内又有量词（如 (a+)+、(a?a?)*），会灾难性回溯；请改写为单层量词")
            if hi == sre_c.MAXREPEAT or hi > MANY:
                count += 1
            if hi > 1:
                _check_alternation(body)
            count += _walk(body, hi > 1)
        elif op == sre_c.SUBPATTERN:
            count += _walk(av[-1], in_repeat)
        elif op == sre_c.BRANCH:
            count += sum(_walk(b, in_repeat) for b in av[1])
    return count


def _check_alternation(body) -> None:
    """Inside a repeat, alternatives must start with different characters, so each repetition has
    one way to go: (甲|乙)+ and (ab|cd)+ are fine, (a|ab)+ and (.|a)* are not."""
    for op, av in body:
        if op == sre_c.SUBPATTERN:
            _check_alternation(av[-1])
        elif op == sre_c.BRANCH:
            seen: set = set()
            for branch in av[1]:
                first = _first_chars(branch)
                if first is None or first & seen:
                    raise Unsafe("正则表达式中重复的分组内，几个选择项可以以同一字符开头（如 (a|ab)+），会灾难性回溯")
                seen |= first
                _check_alternation(branch)


def _first_chars(branch) -> set | None:
    """The characters a branch can begin with, when that is a short known set; None otherwise."""
    for op, av in branch:
        if op == sre_c.AT:
            continue
        if op == sre_c.LITERAL:
            return {av}
        if op == sre_c.IN:
            chars = set()
            for iop, iav in av:
                if iop == sre_c.LITERAL:
                    chars.add(iav)
                elif iop == sre_c.RANGE and iav[1] - iav[0] <= 256:
                    chars.update(range(iav[0], iav[1] + 1))
                else:
                    return None
            return chars
        if op == sre_c.SUBPATTERN:
            return _first_chars(av[-1])
        return None
    return None  # an empty branch can match where any other does


@lru_cache(maxsize=512)
def compile_pattern(pattern: str):
    """The compiled pattern, with RE2 when installed; refuses what `problem` rejects."""
    why = problem(pattern)
    if why:
        raise Unsafe(why)
    if _re2 is not None:
        return _re2.compile(pattern)
    return re.compile(pattern)
