"""The book model: frozen dataclasses produced by ``load`` and read by ``render``.

Rendering never goes back to the review files or the YAML: everything it needs is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Limits


@dataclass(frozen=True, slots=True)
class Credit:
    """One line of a credit box: a role and its value, split into names for people roles."""

    role: str  # key from the synonym table ("director"), or "" for a label kept as found
    label: str  # what the credit box shows ("Director", "Directors", "Aspect Ratio")
    value: str  # the value as written, whitespace-normalised
    names: tuple[str, ...] = ()  # people, for people roles; empty otherwise
    line: int = 0  # 1-based line in the review file (0 when unknown)

    @property
    def is_people(self) -> bool:
        return bool(self.names)


@dataclass(frozen=True, slots=True)
class Image:
    """A local image a chapter embeds: project-relative path and the id used in outputs."""

    path: str  # POSIX, relative to the project root
    media_type: str


@dataclass(frozen=True, slots=True)
class Chapter:
    id: str  # stable, from the file name: "ch-escape"
    source: str  # project-relative path as written in the manifest
    title: str
    lang: str
    credits: tuple[Credit, ...]
    body_html: str  # sanitised XHTML fragment
    subtitle: str = ""
    part_id: str = ""
    images: tuple[Image, ...] = ()
    text: str = ""  # the file's text, newlines normalised: to locate what is found in the body

    @property
    def country(self) -> str:
        return next((c.value for c in self.credits if c.role == "country"), "")


@dataclass(frozen=True, slots=True)
class Part:
    id: str
    title: str
    chapters: tuple[Chapter, ...]


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    aliases: tuple[str, ...] = ()
    sort_as: str = ""
    order: str = ""  # "family-first" | "given-first" | "" (decide by rule)
    see: str = ""


def _frozen(mapping: dict[str, Any] | None = None) -> MappingProxyType[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Book:
    root: Path
    title: str
    language: str
    identifier: str
    entries: tuple[Chapter | Part, ...]  # book order: chapters and parts as listed
    subtitle: str = ""
    editors: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    publisher: str = ""
    date: str = ""
    rights: str = ""
    edition: str = ""
    description: str = ""
    cover: str = ""
    people: tuple[Person, ...] = ()
    indexes: tuple[str, ...] = ("people",)
    pdf: MappingProxyType[str, Any] = field(default_factory=_frozen)
    epub: MappingProxyType[str, Any] = field(default_factory=_frozen)
    limits: Limits = DEFAULT_LIMITS  # anthology.yaml's limits: over the defaults of limits.py

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        """Every chapter in book order, parts flattened."""
        out: list[Chapter] = []
        for entry in self.entries:
            out.extend(entry.chapters if isinstance(entry, Part) else (entry,))
        return tuple(out)

    @property
    def sections(self) -> tuple[Chapter | Part, ...]:
        """Parts and chapters in reading order, flat: a part's divider, then its chapters."""
        out: list[Chapter | Part] = []
        for entry in self.entries:
            out.extend((entry, *entry.chapters) if isinstance(entry, Part) else (entry,))
        return tuple(out)

    @property
    def parts(self) -> tuple[Part, ...]:
        return tuple(e for e in self.entries if isinstance(e, Part))

    @property
    def creators(self) -> tuple[str, ...]:
        return self.authors or self.editors
