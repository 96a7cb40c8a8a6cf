"""yinhuan.web: the browser app (issue 14) over the engine, the reports and the store.

Installed as part of the `yinhuan` package from the top-level folder web/; the rule engine never
imports it. `yinhuan serve` starts it (web/cli.py)."""
