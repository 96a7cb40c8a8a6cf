"""Stage 6, tally and report: what a bureau files every month.

Inputs (findings JSON of many inspections, enterprises' evidence with their hazard ledgers, the
bureau's activity file) are told apart by content (inputs.py), turned into counted items
(tally.py) under the formulas in layouts/metrics.yaml, and written as the notice's forms
(xlsx.py, csvjson.py, ledger.py), whole or not at all (atomic.py). cli.py is the thin click layer.
"""
