"""collation.py: pyuca's collator with its table parsed as it is used gives pyuca's sort keys."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import pyuca
from hypothesis import given, settings
from hypothesis import strategies as st

from anthology import collation
from anthology.index import _collator, collation_version


@pytest.fixture(scope="module")
def whole() -> pyuca.Collator:
    return pyuca.Collator()


def _table_keys(path: str) -> list[str]:
    """Every key of the table (one code point, or a contraction), as a string."""
    keys = []
    for line in Path(path).read_text().split("\n"):
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("@"):
            keys.append("".join(chr(int(h, 16)) for h in line.split(";", 1)[0].split()))
    return keys


def test_every_key_of_the_table_sorts_as_with_the_whole_table(whole: pyuca.Collator) -> None:
    lazy = collation.collator()
    keys = _table_keys(collation.table_path())
    assert len(keys) > 20000
    for key in keys:
        assert lazy.sort_key(key) == whole.sort_key(key), key
    assert lazy.implicit_weights == whole.implicit_weights
    # What was never parsed starts with a code point that normalisation (NFD, sort_key's first
    # step) replaces: no lookup can start there.
    assert all(unicodedata.normalize("NFD", chr(cp)) != chr(cp) for cp in lazy.table._pending)
    # each key once more, now that the table holds what it can: nothing was added twice
    assert [lazy.sort_key(k) for k in keys[::97]] == [whole.sort_key(k) for k in keys[::97]]


def test_names_of_the_book_sort_as_with_the_whole_table(whole: pyuca.Collator) -> None:
    lazy = collation.collator()
    names = ["Ade, Maren", "Trier, Lars von", "Lee Je-hoon", "是枝裕和", "Ōshima, Nagisa", "Çağan Irmak",
             "Æbeltoft", "Ñandú", "ǅemal", "Ångström", "a\u0301b", "L·l", "Sjöström, Victor", "Żuławski",
             "Kiarostami, Abbas", "Farhādi", "봉준호", "Ли", "Δημήτρης", "'Salem", "O'Brien", "—"]
    assert sorted(names, key=lazy.sort_key) == sorted(names, key=whole.sort_key)
    for name in names:
        assert lazy.sort_key(name) == whole.sort_key(name)


# Texts from every block a name or a title may use: Latin with its combining marks (contractions
# and discontiguous matches), Greek, Cyrillic, Arabic, Hangul, CJK (implicit weights), and
# characters the table lacks.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x24F),
        st.characters(min_codepoint=0x300, max_codepoint=0x36F),
        st.characters(min_codepoint=0x370, max_codepoint=0x52F),
        st.characters(min_codepoint=0x600, max_codepoint=0x6FF),
        st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),
        st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
        st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0x10000, max_codepoint=0x2FFFF),
    ),
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(_TEXT, min_size=1, max_size=6))
def test_any_texts_sort_as_with_the_whole_table(whole: pyuca.Collator, texts: list[str]) -> None:
    lazy = collation.collator()  # a fresh table each time: the order of first lookups varies
    for text in texts:
        assert lazy.sort_key(text) == whole.sort_key(text), text


def test_the_table_is_the_one_pyuca_reads_and_names_the_cache_version() -> None:
    assert collation.table_path() == str(Path(pyuca.__file__).parent / f"allkeys-{pyuca.Collator.UCA_VERSION}.txt")
    assert re.fullmatch(r"pyuca \S+ \d+ unicode \S+", collation_version())
    assert str(Path(collation.table_path()).stat().st_size) in collation_version()


def test_the_index_collates_with_it() -> None:
    _collator.cache_clear()
    assert isinstance(_collator().table, collation._Table)


def test_another_table_file_is_read_the_same_way(tmp_path: Path) -> None:
    """A table of three lines, comments and an implicit-weights directive: pyuca's reading of it."""
    table = tmp_path / "allkeys.txt"
    table.write_text(
        "# a comment\n@version 9.9.9\n@implicitweights 17000..18AFF; FB00 # Tangut\n\n"
        "0062 ; [.2000.0020.0002] # b\n0061 ; [.2001.0020.0002] # a, after b\n"
        "0061 0062 ; [.1000.0020.0002][.0000.0021.0002] # the contraction ab, before both\n"
    )
    lazy, whole = collation.collator(str(table)), pyuca.Collator(str(table))
    assert lazy.implicit_weights == whole.implicit_weights == [[0x17000, 0x18AFF, 0xFB00]]
    for text in ("a", "b", "ab", "ba", "abc", "c", "\U00017001"):
        assert lazy.sort_key(text) == whole.sort_key(text), text
    assert sorted(["a", "b", "ab"], key=lazy.sort_key) == ["ab", "b", "a"]
