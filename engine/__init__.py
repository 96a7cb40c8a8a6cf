"""yinhuan (隐患): rule-based compliance checklists for China's 2023 major-hazard campaign.

The pipeline is laid out as modules in the order data flows through them:

    load (loader.py) -> validate (validate.py, schemas/) -> compile (conditions.py, compile_native.py,
    checks/) -> evaluate (evaluate.py) -> findings (findings.py) -> tally/report (yinhuan.reports)

Rules, checklists and schemas are data shipped inside the package; see resources.py.
"""

__version__ = "0.1.0"
