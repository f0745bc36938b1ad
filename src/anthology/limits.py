"""The limits that keep any input answerable: bounded size, depth, time and memory.

Every limit the loader and renderer enforce is declared here, once: its name, its default,
the largest value a project may raise it to, and what it protects. A project raises (or
lowers) one in ``anthology.yaml``::

    limits:
      list_items: 20000      # a long filmography, knowingly slower to lay out

Defaults are generous for real books and small enough that a hostile file gets a located
message in seconds instead of a hang, a crash deep in a library, or silent loss of text.
The ``ceiling`` is where a library underneath us breaks (Python's recursion in the layout
engine, Pillow's decompression-bomb guard), so a limit cannot be raised past it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def _limit(default: int, ceiling: int, unit: str, doc: str, *, overridable: bool = True) -> Any:
    return field(default=default, metadata={"ceiling": ceiling, "unit": unit, "doc": doc,
                                            "overridable": overridable})


@dataclass(frozen=True, slots=True)
class Limits:
    """Named limits, with defaults. Replace fields with :func:`dataclasses.replace`."""

    review_megabytes: int = _limit(
        16, 256, "MB",
        "Largest review file. A 16 MB review is about 5,000 printed pages; past it the file is "
        "refused before it is read, with its size in the message.")
    chapters: int = _limit(
        10_000, 100_000, "chapters",
        "Most chapters in one book (parts' chapters included). Every chapter is read, "
        "indexed and laid out; 5,000 are checked in a few seconds.")
    list_items: int = _limit(
        5_000, 200_000, "items",
        "Most list items in one review, all its lists together. Laying out a list item costs "
        "the layout engine about 3 ms, so 5,000 items (about 150 pages) build in under 20 s; "
        "past the limit the review is refused at the first item over it.")
    nesting_depth: int = _limit(
        32, 100, "levels",
        "Deepest nesting of quotes, lists and HTML elements in a review body. Deeper levels are "
        "flattened (their text kept) with a warning; the layout engine recurses once per level "
        "and fails past about 120.")
    yaml_depth: int = _limit(
        64, 200, "levels",
        "Deepest nesting of lists and mappings in YAML front matter (anthology.yaml and "
        "people.yaml always use the default). Deeper is a located error, never a crash.")
    yaml_values: int = _limit(
        200_000, 10_000_000, "values",
        "Most values one YAML front matter may expand to through aliases (the 'billion laughs' "
        "bomb stops here).")
    image_pixels: int = _limit(
        100_000_000, 178_000_000, "pixels",
        "Largest image (width × height) a chapter or the cover may embed: 10,000 × 10,000. A "
        "full-page picture at 300 dpi needs a tenth of that. Larger images are left out with a "
        "warning (a cover is an error).")
    layout_seconds: int = _limit(
        300, 3600, "seconds",
        "Longest time one chapter (or the index, or the front matter) may take to lay out. A "
        "chapter of a real book takes well under a second; past the limit the build stops with "
        "the chapter's name instead of running on. Checked when chapters are laid out in worker "
        "processes (the default on more than one core) or in the command line's main thread.")
    resource_megabytes: int = _limit(
        64, 64, "MB",
        "Largest file the renderer reads for a stylesheet, font or image it is asked for. Fixed: "
        "not settable in anthology.yaml.", overridable=False)

    @staticmethod
    def names() -> tuple[str, ...]:
        """Every limit's name, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(Limits))

    @staticmethod
    def overridable() -> tuple[str, ...]:
        """The limits a project may set under ``limits:`` in anthology.yaml."""
        return tuple(f.name for f in dataclasses.fields(Limits) if f.metadata["overridable"])

    @staticmethod
    def info(name: str) -> dict[str, Any]:
        """default, ceiling, unit and doc of one limit."""
        f = next(f for f in dataclasses.fields(Limits) if f.name == name)
        return {"default": f.default, **f.metadata}

    @property
    def review_bytes(self) -> int:
        return self.review_megabytes * 2**20

    @property
    def resource_bytes(self) -> int:
        return self.resource_megabytes * 2**20


DEFAULT = Limits()


def how_to_raise(name: str) -> str:
    """The hint closing a limit message: where the limit is set."""
    if not Limits.info(name)["overridable"]:
        return "a fixed limit"
    return f"raise it with 'limits: {{{name}: …}}' in anthology.yaml"
