"""The rete back end: the same conditions run by durable-rules (optional extra `yinhuan[rete]`).

It exists to cross-check the native evaluator (tests/test_differential.py), not for speed.
durable-rules is imported only when a ReteEvaluator is built, so `import yinhuan.rete` works
without the extra; building one without it raises EngineRefused with the install hint.
"""
from .evaluator import ReteEvaluator

__all__ = ["ReteEvaluator"]
