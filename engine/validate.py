"""Stage 2, validate: JSON Schema for structure, with errors that carry file, line and field.

jsonschema reports an error with its path into the instance; the loader recorded the line of
every path, so each message becomes `file:line: 字段 a.b[2].c: what was expected`.
The wording table below turns jsonschema's validator keywords into short Chinese sentences.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from functools import lru_cache

import fastjsonschema

from .errors import InputError
from .loader import Document
from .resources import schema


def _join(values) -> str:
    return "、".join(str(v) for v in values)


def _message(err) -> str:
    v, val = err.validator, err.validator_value
    inst = err.instance
    if v == "required":
        missing = [k for k in val if isinstance(inst, dict) and k not in inst]
        return f"缺少必填字段 {_join(missing)}"
    if v == "additionalProperties":
        extra = [k for k in inst if k not in err.schema.get("properties", {})] if isinstance(inst, dict) else []
        allowed = _join(err.schema.get("properties", {}).keys())
        return f"未知字段 {_join(extra)}（允许：{allowed}）"
    if v == "enum":
        return f"取值 {inst!r} 无效，应为以下之一：{_join(val)}"
    if v == "const":
        return f"取值应为 {val!r}"
    if v == "type":
        names = {"string": "字符串", "integer": "整数", "number": "数字", "boolean": "true/false",
                 "array": "列表", "object": "映射", "null": "null"}
        want = _join(names.get(t, t) for t in (val if isinstance(val, list) else [val]))
        return f"类型应为{want}，得到 {inst!r}"
    if v == "pattern":
        return f"取值 {inst!r} 不符合格式 {val}"
    if v in ("minLength", "minItems", "minProperties"):
        return "不能为空" if val == 1 else f"长度至少为 {val}"
    if v in ("minimum", "exclusiveMinimum"):
        return f"应不小于 {val}，得到 {inst!r}"
    if v == "uniqueItems":
        return "列表中有重复项"
    if v in ("oneOf", "anyOf"):
        return "结构不符合任何一种允许的写法"
    return err.message


@lru_cache(maxsize=None)
def validator(schema_name: str):
    """One validator per schema, built once: building one (and resolving its $refs) costs more
    than validating a typical evidence file. jsonschema is imported only here, when a file is
    rejected or rules are checked (a run over valid evidence never needs it)."""
    from jsonschema import Draft202012Validator
    return Draft202012Validator(schema(schema_name))


def most_specific(err):
    """For a oneOf/anyOf failure, the sub-error that explains most: the one deepest in the document
    (a misspelt `expect: 通过` three levels down, not "missing `rules`" from the branch the author did
    not mean), then jsonschema's own best match among those; repeated down nested alternatives."""
    from jsonschema.exceptions import best_match
    while err.context:
        deepest = max(len(e.absolute_path) for e in err.context)
        candidates = [e for e in err.context if len(e.absolute_path) == deepest]
        err = best_match(candidates) or candidates[0]
    return err


def schema_errors(doc: Document, schema_name: str) -> list[InputError]:
    """Every schema violation in the document, located, in document order."""
    validator_ = validator(schema_name)
    out = []
    for err in validator_.iter_errors(doc.data):
        err = most_specific(err)
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            extra = [k for k in err.instance if k not in err.schema.get("properties", {})]
            if extra:
                path = path + (extra[0],)
        out.append(doc.error(_message(err), path))
    out.sort(key=lambda e: (e.line or 0))
    return out


# fastjsonschema's code builds, for every object and array item it descends into, the path its
# error message would name — `(name_prefix or "data") + ".answers.{key}".format(**locals())`, a
# locals() dict and a format per answer (~116 per synthetic enterprise) — although a file is
# valid far more often than not, and a rejected one gets its message from jsonschema anyway.
# The gate passes the parent's prefix down unchanged instead: the same yes/no, in less than half
# the time (0.55 -> 0.24 ms per generated evidence file; benchmarks/README.md).
_PATH_ARGUMENT = re.compile(r', \(name_prefix or "data"\) \+ "[^"\n]*"(?:\.format\(\*\*locals\(\)\))?\)')
_GATE_ONLY_VERSION = b"gate-only-1"     # part of the cache key: code generated before this is not reused


def _gate_only(code: str) -> str:
    """The validator's code with each sub-validator called with the prefix it was given rather
    than a freshly built path (only the text of fastjsonschema's own messages, unused, changes)."""
    return _PATH_ARGUMENT.sub(", name_prefix)", code)


@lru_cache(maxsize=None)
def fast_check(schema_name: str):
    """The same schema compiled to Python by fastjsonschema: a yes/no gate about 14x faster than
    jsonschema on valid files. Our schemas use only keywords draft-07 already has ($defs is reached
    by JSON pointer), so it is compiled as draft-07; tests/test_validate.py checks the two agree."""
    s = copy.deepcopy(schema(schema_name))  # fastjsonschema edits the schema it compiles
    s["$schema"] = "http://json-schema.org/draft-07/schema#"
    from .cache import cached_code

    def source():  # generating and compiling the evidence schema's code takes ~1 s: cached on disk
        resolver, generator = fastjsonschema._factory(s, {})
        return _gate_only(generator.global_state_code + "\n" + generator.func_code), resolver.get_scope_name()
    key = hashlib.sha256(json.dumps(s, sort_keys=True).encode() + fastjsonschema.VERSION.encode()
                         + _GATE_ONLY_VERSION).hexdigest()
    try:
        return cached_code(f"schema-{schema_name}", key, source)
    except Exception:  # a fastjsonschema without the generator we use: compile it here
        return fastjsonschema.compile(s)


def validate(doc: Document, schema_name: str) -> None:
    """Raise the first schema violation as an InputError (loaders stop at the first problem).

    Valid files pass the fast gate and are done; a file it rejects is checked again by
    jsonschema, the reference, which also locates the problem for the message."""
    try:
        fast_check(schema_name)(doc.data)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    errors = schema_errors(doc, schema_name)
    if errors:
        raise errors[0]
