"""The durable-rules host, used only in the ways the note found safe.

- SyncHost: no timer threads, so no action runs late or on another thread.
- One C call per enterprise and ruleset, then every action runs synchronously; the state is
  always deleted (live sids stay far below the 1024 limit), and a sentinel `__end__` rule makes
  sure at least one action ran for the sid, so delete_state never frees an uninitialised pointer.
- Actions are wrapped so an exception is recorded, not swallowed into the state.
"""
from __future__ import annotations

import copy
import itertools
import json

from ..errors import EngineRefused

INSTALL_HINT = "rete 引擎需要安装可选依赖：pip install 'yinhuan[rete]'（需要 C 编译器，Python 3.13 不可用）"
_names = itertools.count(1)


def load_durable():
    """Import durable-rules lazily: the default install does not have it."""
    try:
        import durable_rules_engine as dre
        from durable import engine
    except Exception:  # ImportError, or the undefined-symbol failure on Python 3.13
        raise EngineRefused(INSTALL_HINT) from None
    engine._unix_now = _unix_now
    return dre, engine


def _unix_now() -> float:
    """durable-rules' own `_unix_now`, without the call Python 3.12 deprecates.

    durable.engine computes `datetime.now() - datetime.utcfromtimestamp(0)` once per action; on 3.12
    every call warns (hundreds of thousands of DeprecationWarnings in the test suite). The epoch as a
    naive datetime is `datetime(1970, 1, 1)`, so this returns exactly the same value, silently."""
    import datetime
    return (datetime.datetime.now() - datetime.datetime(1970, 1, 1)).total_seconds()


class Host:
    """Owns the rulesets of one ReteEvaluator."""

    def __init__(self):
        self.dre, engine = load_durable()

        class SyncHost(engine.Host):
            def _run(self):
                pass

        self.host = SyncHost()
        self.errors: list = []
        self.names: list[str] = []

    def add_ruleset(self, rules: dict) -> str:
        name = f"yinhuan_{next(_names)}"
        rules = dict(rules)
        rules["__end__"] = {"all": [{"m": {"t": "__end__"}}], "run": lambda c: None}
        self.host.set_rulesets(copy.deepcopy({name: rules}))  # set_rulesets deletes "run"
        self.names.append(name)
        return name

    def safe(self, fn):
        def act(c):
            try:
                fn(c)
            except Exception as exc:  # noqa: BLE001 - recorded and re-raised after the batch
                self.errors.append(exc)
        return act

    def run_enterprise(self, name: str, sid: str, payload: list) -> None:
        rs = self.host.get_ruleset(name)
        errs: list = []
        try:
            # code 1 (some fact matched nothing) is normal; the batch is processed whole
            _code, off = self.dre.assert_facts(rs._handle, json.dumps(payload, ensure_ascii=False))
            rs.do_actions(off, lambda e, s: errs.append(e) if e else None)
        finally:
            self.host.delete_state(name, sid)
        problems = errs + self.errors
        self.errors = []
        if problems:
            raise RuntimeError(f"durable-rules 规则集 {name} 执行出错：{problems[0]!r}")

    def close(self) -> None:
        """Free the C rulesets (there is no unregister call; this is the note's workaround)."""
        for name in self.names:
            rs = self.host._ruleset_directory.pop(name, None)
            if rs is not None:
                self.host._ruleset_list.remove(rs)
                self.dre.delete_ruleset(rs._handle)
        self.names = []
