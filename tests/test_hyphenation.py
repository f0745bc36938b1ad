"""Parsed hyphenation patterns kept in the project's cache (render/hyphenation.py): the same
patterns, the same hyphenation and the same PDF as pyphen's own parse; nothing read or written
without a cache; anything damaged or foreign in the folder parsed again, never trusted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyphen
import pytest

from anthology import load_book
from anthology.paper import geometry
from anthology.render import hyphenation
from anthology.render.html import make_environment
from anthology.render.pdf import _Setup

WORDS = ["hyphenation", "cinematographer", "extraordinarily", "misunderstanding", "photography",
         "responsibilities", "documentary", "Incomprehensibility", "a", ""]


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """No dictionary made yet in this process, and no cache folder in use (as in a new worker)."""
    monkeypatch.setattr(pyphen, "hdcache", {})
    monkeypatch.setattr(pyphen, "HyphDict", hyphenation.CachedHyphDict)
    monkeypatch.setattr(hyphenation, "_folder", [None])


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The patterns files pyphen's own code parses from now on."""
    parsed: list[Path] = []
    real = hyphenation._PYPHEN_DICT.__init__

    def counting(self: object, path: Path) -> None:
        parsed.append(Path(path))
        real(self, path)

    monkeypatch.setattr(hyphenation._PYPHEN_DICT, "__init__", counting)
    return parsed


def _positions(lang: str) -> list[list[int]]:
    pyphen.hdcache.clear()
    dic = pyphen.Pyphen(lang=lang)
    return [dic.positions(word) for word in WORDS]


@pytest.mark.parametrize("lang", ["en_US", "fr", "pt_PT", "de_DE"])
def test_patterns_read_back_are_pyphens_own(fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            lang: str) -> None:
    parsed = _parses(monkeypatch)
    plain = _positions(lang)
    own = dict(pyphen.hdcache[next(iter(pyphen.hdcache))].patterns)
    hyphenation.use(tmp_path)
    assert _positions(lang) == plain  # parsed, and written
    assert len(parsed) == 2
    (written,) = tmp_path.iterdir()
    assert written.suffix == ".json"
    assert _positions(lang) == plain  # read back, not parsed
    assert len(parsed) == 2
    dictionary = pyphen.hdcache[next(iter(pyphen.hdcache))]
    assert dictionary.patterns == own
    assert dictionary.maxlen == max(len(text) for text in own)
    assert any(plain), "the words are hyphenated somewhere"


def test_without_a_cache_nothing_is_read_or_written(fresh: None, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _parses(monkeypatch)
    hyphenation.use(tmp_path / "cache")
    _positions("en_US")
    hyphenation.use(None)
    _positions("en_US")
    assert len(parsed) == 2  # the file in the cache was not read
    assert len(list((tmp_path / "cache").iterdir())) == 1


@pytest.mark.parametrize("content", [
    b"not json", b"[]", b"{}", b'{"ab": 3}', b'{"ab": [0, []]}', b'{"ab": [0, [1, "2"]]}', b'{"ab": [0, [1.5]]}',
    b'{"ab": [true, [1]]}', b'{"": [0, [1]]}', b'{"ab": [0, [1], 2]}', b"\xff\xfe", b"[" * 100000,
])
def test_a_damaged_or_foreign_file_is_parsed_again_and_rewritten(
        fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> None:
    hyphenation.use(tmp_path)
    plain = _positions("en_US")
    (written,) = tmp_path.iterdir()
    good = written.read_bytes()
    written.write_bytes(content)
    parsed = _parses(monkeypatch)
    assert _positions("en_US") == plain
    assert len(parsed) == 1
    assert written.read_bytes() == good


def test_the_file_is_named_by_the_patterns_files_content(fresh: None, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Patterns that change under the same file name (another pyphen) are parsed anew."""
    source = pyphen.LANGUAGES["en_US"]
    copy = tmp_path / "hyph_en_US.dic"
    copy.write_bytes(source.read_bytes())
    cache = tmp_path / "cache"
    hyphenation.use(cache)
    before = pyphen.Pyphen(filename=copy).positions("hyphenation")
    copy.write_text("UTF-8\np1h\n", encoding="utf-8")
    pyphen.hdcache.clear()
    parsed = _parses(monkeypatch)
    after = pyphen.Pyphen(filename=copy).positions("hyphenation")
    assert len(parsed) == 1
    assert len(list(cache.iterdir())) == 2
    assert after == [3] != before


def test_nonstandard_patterns_are_not_kept(fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hungarian's patterns carry replacements (``ssz/sz=sz``): integers with data, not JSON."""
    hyphenation.use(tmp_path)
    parsed = _parses(monkeypatch)
    first = _positions("hu_HU")
    second = _positions("hu_HU")
    assert first == second
    assert [[p.data for p in word] for word in first] == [[p.data for p in word] for word in second]
    assert len(parsed) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_chapter_hyphenated_from_the_cache_is_the_same_pdf(fresh: None, repo_root: Path, tmp_path: Path) -> None:
    from anthology.render import layout

    book, _diags = load_book(repo_root)
    assert book is not None
    geo, problem = geometry(dict(book.pdf))
    assert geo is not None, problem
    when = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    words = " ".join(WORDS[:8])
    html = ('<!DOCTYPE html><html lang="en"><body><section class="chapter"><div class="chapter-body">'
            + f'<p style="width: 25mm">{words} {words}</p>' * 6 + "</div></section></body></html>")
    job = _Setup(book, make_environment(book.root), geo, when).job("section", html)
    cache = tmp_path / "hyphenation"

    def lay_out(folder: str) -> bytes:
        pyphen.hdcache.clear()
        return layout.lay_out(job, frozenset(), folder).pdf

    plain = lay_out("")
    assert not cache.exists()
    written = lay_out(str(cache))
    (stored,) = cache.iterdir()
    data = json.loads(stored.read_bytes())
    assert data and all(isinstance(item, list) and len(item) == 2 for item in data.values())
    read_back = lay_out(str(cache))
    assert plain == written == read_back
    assert any(key.name.startswith("hyph_en") for key in pyphen.hdcache), "the chapter was hyphenated"
