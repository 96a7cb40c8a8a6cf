"""One error type for every bad input, so the CLI can print one clear line and exit 2.

An InputError names the file, the line (when the loader knows it), the field (as a dotted path)
and what was expected. It never carries a traceback to the user.
"""
from __future__ import annotations


class InputError(Exception):
    """Bad input: a file that cannot be used as it is. Exit code 2."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 field: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def located(self, file: str | None = None, line: int | None = None) -> "InputError":
        """Fill in the location if the raiser did not know it."""
        if self.file is None:
            self.file = file
        if self.line is None:
            self.line = line
        return self

    def __str__(self) -> str:
        where = self.file or "<输入>"
        if self.line:
            where += f":{self.line}"
        field = f" 字段 {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class InputErrors(InputError):
    """Several problems found in one pass (lint reports all of them, not just the first)."""

    def __init__(self, errors: list[InputError]):
        super().__init__(f"{len(errors)} 个问题")
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class EngineRefused(Exception):
    """An evaluator refuses a rule it cannot run safely (the rete backend's guards)."""
