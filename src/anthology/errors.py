"""Diagnostics: every problem is a value with a location, collected, then shown together.

The library never prints. Loading and rendering append :class:`Diagnostic` records to a
:class:`Diagnostics` collector; the CLI formats them as
``file:line:col: error|warning: message [code]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One located problem. ``line`` and ``col`` are 1-based; 0 means unknown."""

    file: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        return f"{where}: {self.severity}: {self.message} [{self.code}]"


class Diagnostics:
    """An ordered collector of diagnostics, shared by one load or build."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []
        self._ignored: frozenset[str] = frozenset()

    def ignore(self, codes: Iterable[str]) -> None:
        """Silence warnings with these codes (the manifest's ``warnings: {ignore: […]}``)."""
        self._ignored = self._ignored | frozenset(codes)

    def _shown(self) -> list[Diagnostic]:
        return [d for d in self._items if d.severity == "error" or d.code not in self._ignored]

    def error(self, file: str, line: int, col: int, code: str, message: str) -> None:
        self._items.append(Diagnostic(file, line, col, "error", code, message))

    def warning(self, file: str, line: int, col: int, code: str, message: str) -> None:
        self._items.append(Diagnostic(file, line, col, "warning", code, message))

    def extend(self, items: Iterable[Diagnostic]) -> None:
        self._items.extend(items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._shown())

    def __len__(self) -> int:
        return len(self._shown())

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self._items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self._shown() if d.severity == "warning"]


class AnthologyError(Exception):
    """A user error: the input cannot become a book. Carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.severity == "error"]
        super().__init__("\n".join(str(d) for d in errors) or "build failed")

    @classmethod
    def single(cls, file: str, line: int, col: int, code: str, message: str) -> AnthologyError:
        return cls([Diagnostic(file, line, col, "error", code, message)])
