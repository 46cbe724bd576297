"""Findings are values with a location: collected from every step, sorted, printed once."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity = "error"

    def human(self) -> str:
        return f"{printable(self.path)}:{self.line}:{self.col}: {self.code} {printable(self.message)}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(**data)


def printable(text: str) -> str:
    """`text` for one terminal line: control, bidi and line-separator characters shown as escapes
    (`\\n`, `\\x1b`, `\\u202e`), so a file name or quoted text can neither start a forged line nor
    move the cursor."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
                   for char in text)
