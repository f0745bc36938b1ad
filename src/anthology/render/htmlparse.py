"""The HTML parser's cache of regular expressions, made to work.

WeasyPrint parses each document's HTML with tinyhtml5. Its tokenizer reads runs of text,
attribute values and names through ``HTMLUnicodeInputStream.chars_until(characters,
opposite)``, which keeps the regular expression for each ``(characters, opposite)`` in the
module's dict ``characters_until_regex``, looked up first and built on a miss. But the line
that stores it (``characters = characters_until_regex[(characters, opposite)] = regex``,
tinyhtml5 2.1.0) assigns ``characters`` first and so stores the expression under the key
``(regex, opposite)``: the lookup never finds one, and every call joins the characters into a
pattern again (for the 52 ASCII letters of an attribute's name, a list of 52 strings) and
asks ``re`` for it. Parsing the index of a 200-review book (103 kB of HTML) took 105 ms,
60 % of it there; with the cache working, 42 ms.

:func:`install` puts in its place a dict that builds the missing expression itself, the same
pattern by the same steps, and stores it under the key that is looked up, so the lookup finds
it from then on and the faulty line is never reached. The parse is the same, only faster
(tests/test_htmlparse.py compares the trees). Should tinyhtml5 no longer keep that dict, or
keep something else under its name, nothing is changed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable


class Expressions(dict[tuple[Iterable[str], bool], "re.Pattern[str]"]):
    """``(characters, opposite)`` → the expression ``chars_until`` matches with: a run of those
    characters, or (``opposite`` false) of any others; built as tinyhtml5 builds it."""

    def __missing__(self, key: tuple[Iterable[str], bool]) -> re.Pattern[str]:
        characters, opposite = key
        pattern = "".join([f"\\x{ord(character):02x}" for character in characters])
        if not opposite:
            pattern = f"^{pattern}"
        expression = self[key] = re.compile(f"[{pattern}]+")
        return expression


def install() -> bool:
    """The working cache in tinyhtml5's input stream, if tinyhtml5 is imported and keeps a
    plain dict there (True when it is in place)."""
    module = sys.modules.get("tinyhtml5.inputstream")
    current = getattr(module, "characters_until_regex", None)
    if isinstance(current, Expressions):
        return True
    if type(current) is not dict:
        return False
    module.characters_until_regex = Expressions()  # type: ignore[union-attr]
    return True
