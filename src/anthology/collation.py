"""pyuca's collator, with its table read only as far as the texts it collates need.

``pyuca.Collator()`` parses the whole Default Unicode Collation Element Table (``allkeys.txt``,
some 30,000 lines) into its trie before the first sort key: a tenth of a second, on the way
of a first build (the index is made before any chapter can be handed to a worker) and of
``anthology people``. :func:`collator` is pyuca's own collator with a table that is filled in
as it is read: the file is read whole and its lines set aside by the code point they start
with; the lines of a code point are parsed (pyuca's own way, in the file's order) into
pyuca's trie the first time a lookup starts there.

Every lookup of pyuca's algorithm (``Trie.find_prefix``, from
``BaseCollator.collation_elements``) matches keys that begin with the first code point it
is given, so it finds exactly what it finds in the whole table: the sort keys are pyuca's,
for any text (tests/test_collation.py compares them with ``pyuca.Collator``'s).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import pyuca
from pyuca.collator import COLL_ELEMENT_PATTERN
from pyuca.trie import Trie
from pyuca.utils import hexstrings2int


def table_path() -> str:
    """The table pyuca's default collator reads."""
    return os.path.join(os.path.dirname(pyuca.collator.__file__), f"allkeys-{pyuca.Collator.UCA_VERSION}.txt")


class _Table(Trie):
    """pyuca's trie of the table, each code point's entries added on the first lookup at it."""

    def __init__(self, pending: dict[int, list[str]]) -> None:
        super().__init__()
        self._pending = pending

    def find_prefix(self, key: Sequence[int]):  # type: ignore[override]  # pyuca's signature
        if key:
            lines = self._pending.pop(key[0], None)
            if lines is not None:
                for line in lines:  # pyuca's reading of a line
                    a, b = line.split("#", 1)[0].rstrip().split(";", 1)
                    self.add(hexstrings2int(a.split()),
                             [hexstrings2int(x.groups()) for x in COLL_ELEMENT_PATTERN.finditer(b.strip())])
        return super().find_prefix(key)


# A line of the table that is not blank, a comment or a directive: its first code point, and the line.
_ENTRY = re.compile(r"^[ \t]*([0-9A-Fa-f]+)\b.*$", re.M)
_IMPLICIT = re.compile(r"^@implicitweights.*$", re.M)


def collator(path: str | None = None) -> pyuca.Collator:
    """A ``pyuca.Collator`` whose table (``path``: pyuca's own by default) is parsed as used."""
    with open(path or table_path()) as keys_file:  # as pyuca opens it
        text = keys_file.read()
    pending: dict[int, list[str]] = {}
    for match in _ENTRY.finditer(text):
        pending.setdefault(int(match[1], 16), []).append(match[0])
    implicit: list[list[int]] = []
    for match in _IMPLICIT.finditer(text):  # pyuca's reading of these lines
        ch_range, base = match[0].split("#", 1)[0].rstrip()[len("@implicitweights"):].split(";")
        range_start, range_end = ch_range.split("..")
        implicit.append([int(range_start, 16), int(range_end, 16), int(base, 16)])
    made = pyuca.Collator.__new__(pyuca.Collator)  # its __init__ would parse the whole table
    made.table = _Table(pending)
    made.implicit_weights = implicit
    return made
