"""Data package: YAML files shipped with yinhuan (see yinhuan.resources)."""
