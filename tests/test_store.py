"""The caches of a fresh build (commit 7571158): parsed reviews (load/store.py), collation
weights of the indexes (``collation.json``) and the generated cover.

Whatever is kept, the book must be the one a build without any cache gives: every load from
the store is compared with a load without it, every index built from cached weights with one
built from pyuca, and a damaged cache file is only a miss.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from support import copy_project

import anthology
from anthology import Diagnostic, Diagnostics, load_book
from anthology.index import BookIndex, PeopleIndex, SortKeys, _collator, build_indexes, collation_version
from anthology.limits import Limits
from anthology.load import store as store_module
from anthology.load.memo import ReviewMemo
from anthology.load.review import Review
from anthology.load.store import ReviewStore
from anthology.model import Book, Chapter
from anthology.render import cover as cover_module
from anthology.render.cache import SortKeyCache
from anthology.render.cachedir import cache_dir
from anthology.render.cover import cached_cover, generated_cover
from anthology.render.pdf import FONT_DIR

REVIEW = ("Title: Film {n}\nDirector: Ann Director\nStarring: Bob Actor, Cy Actor\n\n"
          "A review of film {n}, about the harbour. Bob Actor carries it.\n")
REVIEWS = {
    "r0.txt": REVIEW.format(n=0),
    "r1.txt": REVIEW.format(n=1),
    "r2.txt": REVIEW.format(n=2),
    "empty.txt": "Title: Empty\nDirector: Ann Director\n\n",  # warning: empty-body
    "nul.txt": "Title: Nul\nDirector: Ann Director\n\nA review\x00 with a NUL byte.\n",  # warning: control-chars
    "pic.md": "# With a still\n\nDirector: Bo Director\n\n![The harbour at dawn](../assets/still.png)\n\nText.\n",
}
# The titles of the reviews the store keeps (pic.md with what it saw of its image file).
STORED = {"Film 0", "Film 1", "Film 2", "Empty", "Nul", "With a still"}
OLD = 9 * 86400  # seconds: older than prune()'s seven days


def _manifest(reviews: list[str], extra: str = "") -> str:
    return ("title: Store Test\nlanguage: en\nchapters:\n" + "".join(f"  - reviews/{r}\n" for r in reviews)
            + extra)


def _project(root: Path, *, image: bool = True, extra: dict[str, bytes] | None = None) -> Path:
    """Five storable reviews (two of them with a warning) and one that embeds an image;
    ``extra``: more review files, listed after them."""
    (root / "reviews").mkdir(parents=True)
    (root / "assets").mkdir()
    for name, text in REVIEWS.items():
        (root / "reviews" / name).write_text(text, encoding="utf-8")
    for name, data in (extra or {}).items():
        (root / "reviews" / name).write_bytes(data)
    if image:
        Image.new("RGB", (40, 30), (10, 20, 30)).save(root / "assets" / "still.png")
    (root / "anthology.yaml").write_text(_manifest([*REVIEWS, *(extra or {})]), encoding="utf-8")
    return root


def _sample(repo_root: Path, dst: Path) -> Path:
    """The repository's sample book, with all three indexes (accents, articles, other scripts)."""
    root = copy_project(repo_root, dst)
    manifest = root / "anthology.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\nindexes: [people, films, countries]\n",
                        encoding="utf-8")
    return root


def _folder(root: Path) -> Path:
    """The store's folder: wherever ANTHOLOGY_CACHE_DIR puts the project's cache."""
    return cache_dir(root) / "reviews"


def _entries(root: Path) -> dict[str, Path]:
    """Title of the stored review → its entry file (entries that are not JSON left out)."""
    found: dict[str, Path] = {}
    for path in sorted(_folder(root).glob("*.json")):
        try:
            found[json.loads(path.read_bytes())["title"]] = path
        except (ValueError, KeyError, TypeError):
            continue
    return found


def _stored_load(root: Path, diags: Diagnostics | None = None) -> tuple[Book | None, list[Diagnostic]]:
    """A load as by a fresh process: an empty memo over the project's store."""
    book, found = load_book(root, diags, ReviewMemo(ReviewStore(root)))
    return book, list(found)


def _assert_same_book(got: Book | None, expected: Book | None) -> None:
    assert got is not None and expected is not None
    assert [c.source for c in got.chapters] == [c.source for c in expected.chapters]
    for mine, theirs in zip(got.chapters, expected.chapters, strict=True):
        for f in dataclasses.fields(Chapter):
            assert getattr(mine, f.name) == getattr(theirs, f.name), f"{mine.source}: {f.name} differs"
    assert got == expected


def _same_as_fresh(root: Path) -> list[Diagnostic]:
    """Load from the store, load without any store or memo: the same book, the same diagnostics."""
    stored_book, stored = _stored_load(root)
    fresh_book, fresh = load_book(root, Diagnostics())
    _assert_same_book(stored_book, fresh_book)
    assert stored == list(fresh)
    return stored


def _codes(diagnostics: list[Diagnostic]) -> set[str]:
    return {d.code for d in diagnostics}


def _age(path: Path, seconds: float) -> None:
    when = time.time() - seconds
    os.utime(path, (when, when))


def _fake_entries(folder: Path, count: int, age: float, prefix: str) -> list[Path]:
    """``count`` entries no build asked for, ``age`` seconds old (newest first)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for n in range(count):
        path = folder / f"{prefix}{n:04d}".ljust(64, "0")
        path = path.with_name(path.name + ".json")
        path.write_text('{"format": "review-1"}', encoding="utf-8")
        _age(path, age + n)
        made.append(path)
    return made


# -- parsed reviews: load/store.py through load/memo.py ---------------------------------------

def test_a_load_from_the_store_is_the_load_without_it_before_and_after_an_edit(tmp_path: Path,
                                                                                parses: list[str]) -> None:
    root = _project(tmp_path / "book")
    _same_as_fresh(root)
    assert sorted(parses) == sorted(REVIEWS), "an empty store: every review is parsed"
    assert set(_entries(root)) == STORED
    parses.clear()
    _same_as_fresh(root)
    assert parses == [], "a fresh memo over a full store parses nothing"
    parses.clear()
    (root / "reviews" / "r1.txt").write_text(REVIEW.format(n=1) + "\nOne more sentence.\n", encoding="utf-8")
    _same_as_fresh(root)
    assert sorted(parses) == ["r1.txt"]
    book, _ = _stored_load(root)
    assert book is not None and "One more sentence." in book.chapters[1].body_html


def test_the_warnings_of_a_stored_parse_are_given_again(tmp_path: Path, parses: list[str]) -> None:
    root = _project(tmp_path / "book")
    first = _same_as_fresh(root)
    assert {"empty-body", "control-chars"} <= _codes(first)
    parses.clear()
    again = _same_as_fresh(root)
    assert "empty.txt" not in parses and "nul.txt" not in parses
    assert again == first, "the same warnings, at the same places"
    stored = json.loads(_entries(root)["Empty"].read_bytes())
    assert [d[4] for d in stored["diagnostics"]] == ["empty-body"]


def test_a_warning_the_manifest_ignores_is_stored_and_shown_once_no_longer_ignored(tmp_path: Path,
                                                                                     parses: list[str]) -> None:
    root = _project(tmp_path / "book")
    manifest = root / "anthology.yaml"
    manifest.write_text(_manifest(list(REVIEWS), "warnings:\n  ignore: [empty-body]\n"), encoding="utf-8")
    assert "empty-body" not in _codes(_same_as_fresh(root))
    manifest.write_text(_manifest(list(REVIEWS)), encoding="utf-8")
    parses.clear()
    assert "empty-body" in _codes(_same_as_fresh(root))
    assert "empty.txt" not in parses, "the ignore list is not part of the key: the stored parse serves"


IMAGE_CHANGES: dict[str, tuple[bool, Callable[[Path], None], str]] = {
    # (the image there at first, what changes, the warning the new parse gives or "")
    "repainted": (True, lambda still: Image.new("RGB", (40, 30), (200, 20, 30)).save(still), ""),
    "damaged": (True, lambda still: still.write_bytes(b"\x89PNG not a picture"), "image-unreadable"),
    "removed": (True, lambda still: still.unlink(), "image-missing"),
    "added": (False, lambda still: Image.new("RGB", (40, 30), (10, 20, 30)).save(still), ""),
    "a-folder-in-its-place": (True, lambda still: (still.unlink(), still.mkdir()), "image-missing"),
}


@pytest.mark.parametrize("change", IMAGE_CHANGES.values(), ids=IMAGE_CHANGES.keys())
def test_a_review_that_embeds_a_local_image_is_stored_while_the_image_is_as_it_was(
        tmp_path: Path, parses: list[str], change: tuple[bool, Callable[[Path], None], str]) -> None:
    there, alter, warning = change
    root = _project(tmp_path / "book", image=there)
    found = _same_as_fresh(root)
    assert ("image-missing" in _codes(found)) is not there
    entry = json.loads(_entries(root)["With a still"].read_bytes())
    assert len(entry["looked"]) == 1 + (not there)  # beside the review, then from the root when not there
    assert entry["images"] == ([["assets/still.png", "image/png"]] if there else [])
    parses.clear()
    _same_as_fresh(root)
    assert parses == [], "the image as it was: the stored parse serves"

    alter(root / "assets" / "still.png")
    parses.clear()
    again = _same_as_fresh(root)  # the book the parse gives now, and its warnings
    assert parses == ["pic.md"]
    assert (warning in _codes(again)) if warning else not _codes(again) & {"image-missing", "image-unreadable"}
    parses.clear()
    _same_as_fresh(root)
    assert parses == [], "the new parse stored in its turn"


def test_a_watch_process_parses_a_review_again_when_its_image_changes(tmp_path: Path, parses: list[str]) -> None:
    root = _project(tmp_path / "book")
    memo = ReviewMemo(ReviewStore(root))
    book, _ = load_book(root, Diagnostics(), memo)
    assert book is not None and book.chapters[-1].images
    memo.loaded()
    parses.clear()
    load_book(root, Diagnostics(), memo)
    assert parses == []
    memo.loaded()
    (root / "assets" / "still.png").unlink()
    again, found = load_book(root, Diagnostics(), memo)
    assert parses == ["pic.md"]
    assert again is not None and not again.chapters[-1].images and "image-missing" in _codes(list(found))


def test_a_review_that_cannot_be_parsed_is_not_stored(tmp_path: Path, parses: list[str]) -> None:
    broken = {
        "notitle.txt": b"just words. More words here.\n\nAnd more.\n",  # no-title
        "utf16.txt": b"\xff\xfe\x00broken",  # encoding
        "unclosed.md": b"---\ntitle: Never closed\n\nText.\n",  # front-matter-unclosed
    }
    root = _project(tmp_path / "book", extra=broken)
    book, first = _stored_load(root)
    fresh_book, fresh = load_book(root, Diagnostics())
    assert book is None and fresh_book is None
    assert first == list(fresh)
    assert {"no-title", "encoding", "front-matter-unclosed"} <= _codes(first)
    assert set(_entries(root)) == STORED
    assert len(list(_folder(root).glob("*.json"))) == len(STORED), "no entry for a review in error"
    parses.clear()
    _, again = _stored_load(root)
    assert sorted(parses) == sorted(broken)
    assert again == first


def _edit_json(change: Callable[[dict], object]) -> Callable[[bytes], bytes]:
    """A damage: the JSON file (a review's entry, collation.json) read, changed, written back."""
    def damage(data: bytes) -> bytes:
        content = json.loads(data)
        change(content)
        return json.dumps(content).encode("utf-8")

    return damage


def _set_credit(index: int, value: object) -> Callable[[dict], object]:
    return lambda entry: entry["credits"][0].__setitem__(index, value)


DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: len(data) // 2],
    "empty-file": lambda data: b"",
    "not-text": lambda data: b"\xff\x00\x13\x9c" + data,
    "a-list": lambda data: b"[]",
    "a-string": lambda data: b'"review-1"',
    "other-format": _edit_json(lambda entry: entry.__setitem__("format", "review-0")),
    "no-format": _edit_json(lambda entry: entry.pop("format")),
    "no-body": _edit_json(lambda entry: entry.pop("body_html")),
    "title-a-number": _edit_json(lambda entry: entry.__setitem__("title", 42)),
    "body-null": _edit_json(lambda entry: entry.__setitem__("body_html", None)),
    "credits-a-number": _edit_json(lambda entry: entry.__setitem__("credits", 3)),
    "credit-line-a-string": _edit_json(_set_credit(4, "2")),
    "credit-line-a-bool": _edit_json(_set_credit(4, True)),
    "credit-name-a-number": _edit_json(_set_credit(3, [7])),
    "credit-short": _edit_json(lambda entry: entry["credits"].__setitem__(0, entry["credits"][0][:4])),
    "severity-unknown": _edit_json(lambda entry: entry["diagnostics"][0].__setitem__(3, "fatal")),
    "diagnostic-line-a-float": _edit_json(lambda entry: entry["diagnostics"][0].__setitem__(1, 3.0)),
}
DAMAGES["nested-too-deep"] = lambda data: b"[" * 100_000
DAMAGES["credit-names-a-string"] = _edit_json(_set_credit(3, "Ann Director"))


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_entry_is_a_miss_and_is_written_again(tmp_path: Path, parses: list[str],
                                                          damage: Callable[[bytes], bytes]) -> None:
    root = _project(tmp_path / "book")
    _same_as_fresh(root)
    entry = _entries(root)["Empty"]  # a credit and a warning: every field of an entry is there
    entry.write_bytes(damage(entry.read_bytes()))
    parses.clear()
    found = _same_as_fresh(root)
    assert "empty-body" in _codes(found)
    assert sorted(parses) == ["empty.txt"], "the damaged entry is parsed again, nothing else"
    parses.clear()
    _same_as_fresh(root)
    assert parses == [], "the parse replaced the damaged entry"


def test_the_key_follows_everything_the_parse_depends_on(tmp_path: Path) -> None:
    path = tmp_path / "reviews" / "r0.txt"
    base = {"data": b"Title: A\n\nText.\n", "path": path, "root": tmp_path, "file": "reviews/r0.txt",
            "title_override": "", "lang": "", "default_lang": "en", "limits": Limits()}
    changes: dict[str, object] = {
        "data": b"Title: A\n\nText!\n", "path": tmp_path / "elsewhere" / "r0.txt", "root": tmp_path / "elsewhere",
        "file": "reviews/r9.txt", "title_override": "Another Title", "lang": "fr", "default_lang": "de",
        "limits": dataclasses.replace(Limits(), list_items=20_000),
    }
    key = ReviewStore.key(**base)  # type: ignore[arg-type]
    assert key == ReviewStore.key(**base), "the same inputs, the same key"  # type: ignore[arg-type]
    keys = {name: ReviewStore.key(**{**base, name: value}) for name, value in changes.items()}  # type: ignore[arg-type]
    assert all(k != key for k in keys.values()), [name for name, k in keys.items() if k == key]
    assert len(set(keys.values())) == len(keys)


MANIFEST_EDITS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "title-override": (lambda root: _replace(root / "anthology.yaml", "  - reviews/r0.txt\n",
                                             "  - file: reviews/r0.txt\n    title: Another Title\n"),
                       ["r0.txt"]),
    "chapter-language": (lambda root: _replace(root / "anthology.yaml", "  - reviews/r0.txt\n",
                                               "  - file: reviews/r0.txt\n    language: fr\n"),
                         ["r0.txt"]),
    "book-language": (lambda root: _replace(root / "anthology.yaml", "language: en\n", "language: de\n"),
                      sorted(REVIEWS)),
    "limits": (lambda root: _replace(root / "anthology.yaml", "chapters:\n",
                                     "limits:\n  list_items: 20000\nchapters:\n"),
               sorted(REVIEWS)),
    "file-bytes": (lambda root: _replace(root / "reviews" / "r0.txt", "harbour", "harvest"), ["r0.txt"]),
}


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("edit", MANIFEST_EDITS.values(), ids=list(MANIFEST_EDITS))
def test_what_the_key_holds_parses_again_and_undoing_it_finds_the_entry(
        tmp_path: Path, parses: list[str], edit: tuple[Callable[[Path], None], list[str]]) -> None:
    change, parsed_again = edit
    root = _project(tmp_path / "book")
    originals = {p: p.read_bytes() for p in [root / "anthology.yaml", *(root / "reviews").iterdir()]}
    _same_as_fresh(root)
    change(root)
    parses.clear()
    _same_as_fresh(root)
    assert sorted(parses) == parsed_again
    for path, data in originals.items():
        path.write_bytes(data)
    parses.clear()
    _same_as_fresh(root)
    assert parses == [], "undone: the entries of the first load serve again"


def test_the_code_salt_is_part_of_the_key(tmp_path: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "book")
    _same_as_fresh(root)
    args = (b"Title: A\n\nText.\n", root / "reviews" / "a.txt", root, "reviews/a.txt", "", "", "en", Limits())
    old_key = ReviewStore.key(*args)
    ReviewStore(root).put(old_key, Review(title="A", body_html="<p>Text.</p>", text="Title: A\n\nText.\n"), ())
    assert ReviewStore(root).get(old_key) is not None
    before = {p.name for p in _folder(root).glob("*.json")}
    with monkeypatch.context() as patched:
        patched.setattr(store_module, "salt", lambda: "review-1 anthology 0.0.0 another checkout")
        new_key = ReviewStore.key(*args)
        assert new_key != old_key
        assert ReviewStore(root).get(new_key) is None, "an entry of other code is not found"
        parses.clear()
        _same_as_fresh(root)
        assert sorted(parses) == sorted(REVIEWS), "other code: every review is parsed again"
        after = {p.name for p in _folder(root).glob("*.json")}
        assert len(after - before) == len(STORED), "stored again under the new keys"
    parses.clear()
    _same_as_fresh(root)
    assert parses == []


def test_prune_keeps_the_entries_used_and_the_newest_others(tmp_path: Path) -> None:
    """render/cache.py:prune: unused entries go after seven days, and beyond the newest
    max(entries used, 50); temporary files of a killed build go after an hour."""
    root = _project(tmp_path / "book")
    _same_as_fresh(root)
    folder = _folder(root)
    used = set(folder.glob("*.json"))
    for path in used:
        _age(path, OLD)  # old, but the next load uses them
    recent = _fake_entries(folder, 60, 10, "a")
    stale = _fake_entries(folder, 60, OLD, "b")
    killed = folder / ".tmp-abc.json"
    killed.write_text("{", encoding="utf-8")
    _age(killed, 2 * 3600)
    memo = ReviewMemo(ReviewStore(root))
    book, _ = load_book(root, Diagnostics(), memo)
    assert book is not None and memo.store is not None
    memo.store.prune()
    left = set(folder.iterdir())
    assert used <= left, "an entry the load used is kept however old"
    assert not left & set(stale), "unused for more than seven days: gone"
    assert set(recent[:50]) <= left and not left & set(recent[50:]), "the 50 newest unused entries stay"
    assert killed not in left


def test_an_entry_written_long_ago_but_just_used_survives_an_edit(tmp_path: Path, parses: list[str]) -> None:
    """A load from the store marks its entries as recently used: a build after an edit
    prunes the entry of the text before the edit only seven days after it was last used."""
    root = _project(tmp_path / "book")
    _same_as_fresh(root)
    for path in _folder(root).glob("*.json"):
        _age(path, OLD)
    _same_as_fresh(root)  # uses every entry, written nine days ago
    edited = root / "reviews" / "r1.txt"
    edited.write_text(REVIEW.format(n=1) + "\nOne more sentence.\n", encoding="utf-8")
    memo = ReviewMemo(ReviewStore(root))
    load_book(root, Diagnostics(), memo)
    assert memo.store is not None
    memo.store.prune()
    edited.write_text(REVIEW.format(n=1), encoding="utf-8")  # the edit undone
    parses.clear()
    _same_as_fresh(root)
    assert parses == [], "the entry of the text before the edit was kept"


# -- builds -------------------------------------------------------------------------------------

def test_a_build_without_the_cache_neither_reads_nor_writes_the_store(tmp_path: Path) -> None:
    root = _project(tmp_path / "book")
    _same_as_fresh(root)  # the store holds every storable review
    poisoned = _entries(root)["Film 0"]
    entry = json.loads(poisoned.read_bytes())
    entry["body_html"] = "<p>Poisoned by the cache.</p>"
    poisoned.write_text(json.dumps(entry), encoding="utf-8")
    book, _ = _stored_load(root)
    assert book is not None and "Poisoned" in book.chapters[0].body_html, "a load from the store reads it"
    folder = _folder(root)
    _fake_entries(folder, 3, OLD, "c")  # what prune() would remove
    for path in folder.iterdir():
        _age(path, OLD)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}
    result, _ = anthology.build(root, tmp_path / "out", pdf=False, use_cache=False, workers=1)
    with zipfile.ZipFile(result.outputs["epub"]) as epub:
        assert not any(b"Poisoned" in epub.read(name) for name in epub.namelist())
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()} == before
    assert sorted(p.name for p in cache_dir(root).iterdir()) == ["reviews"], "no collation.json, cover or layout"


def test_a_cached_build_stores_the_reviews_prunes_and_builds_the_same_bytes(tmp_path: Path,
                                                                             parses: list[str]) -> None:
    root = _project(tmp_path / "book")
    first, _ = anthology.build(root, tmp_path / "one", use_cache=True, workers=1)
    assert sorted(parses) == sorted(REVIEWS)
    entries = _entries(root)
    assert set(entries) == STORED
    stale = _fake_entries(_folder(root), 60, OLD, "d")
    parses.clear()
    second, _ = anthology.build(root, tmp_path / "two", use_cache=True, workers=1)
    assert parses == [], "the second build parses nothing"
    assert set(first.outputs) == set(second.outputs) == {"pdf", "epub"}
    for kind in ("pdf", "epub"):
        assert first.outputs[kind].read_bytes() == second.outputs[kind].read_bytes(), kind
    assert not any(path.exists() for path in stale), "stale entries pruned after the build"
    assert all(path.exists() for path in entries.values()), "the entries the build used stay"
    covers = list(cache_dir(root).glob("cover-*.png"))
    assert len(covers) == 1
    with zipfile.ZipFile(second.outputs["epub"]) as epub:
        assert epub.read("EPUB/images/cover.png") == covers[0].read_bytes()


# -- collation weights: SortKeyCache and SortKeys ----------------------------------------------

IndexView = list[tuple[str, list[tuple[str, str, str, str]], list[str]]]


def _view(indexes: list[PeopleIndex | BookIndex]) -> IndexView:
    """Each index: its entries in order (id, heading, letter group, see) and its groups."""
    return [(index.key, [(e.id, e.heading, e.group, e.see) for e in index.entries],
             [group for group, _ in index.groups()]) for index in indexes]


def _cached_indexes(root: Path, book: Book) -> tuple[IndexView, SortKeys]:
    """What render/build.py does: weights from collation.json, the indexes, the weights kept."""
    cache = SortKeyCache(root)
    keys = cache.load()
    _, indexes = build_indexes(book, keys)
    cache.save(keys)
    return _view(indexes), keys


@pytest.fixture
def sample(repo_root: Path, tmp_path: Path) -> tuple[Path, Book, IndexView]:
    """The sample book, loaded, and its indexes built without any cached weight."""
    root = _sample(repo_root, tmp_path / "book")
    book, diags = load_book(root)
    assert book is not None, [str(d) for d in diags]
    _, indexes = build_indexes(book)
    assert {i.key for i in indexes} == {"people", "films", "countries"}
    return root, book, _view(indexes)


def _collation(root: Path) -> Path:
    return cache_dir(root) / "collation.json"


def test_a_build_with_every_weight_cached_does_not_construct_the_collator(tmp_path: Path, repo_root: Path) -> None:
    root = _sample(repo_root, tmp_path / "book")
    first, _ = anthology.build(root, tmp_path / "one", pdf=False, workers=1)
    saved = _collation(root).read_bytes()
    assert json.loads(saved)["version"] == collation_version()
    _collator.cache_clear()
    second, _ = anthology.build(root, tmp_path / "two", pdf=False, workers=1)
    assert _collator.cache_info().currsize == 0, "pyuca's table was loaded though every weight was cached"
    assert first.outputs["epub"].read_bytes() == second.outputs["epub"].read_bytes()
    assert _collation(root).read_bytes() == saved, "nothing new asked for: the file is left as it is"


def test_index_entries_are_the_same_with_weights_from_the_cache(sample: tuple[Path, Book, IndexView]) -> None:
    root, book, fresh = sample
    computed, keys = _cached_indexes(root, book)
    assert computed == fresh and keys.computed > 0
    _collator.cache_clear()
    cached, keys = _cached_indexes(root, book)
    assert keys.computed == 0 and _collator.cache_info().currsize == 0
    assert cached == fresh


def test_weights_from_a_file_of_this_version_are_used_as_they_are(sample: tuple[Path, Book, IndexView]) -> None:
    """The control for the damaged-file tests: shuffled weights under the current version
    do change the index, so a result equal to the fresh one there means the file was ignored."""
    root, book, fresh = sample
    _cached_indexes(root, book)
    _collation(root).write_bytes(_reversed_weights(_collation(root).read_bytes()))
    assert _cached_indexes(root, book)[0] != fresh


def _reversed_weights(data: bytes) -> bytes:
    """The same texts, their weights given to one another in reverse order."""
    content = json.loads(data)
    texts = sorted(content["keys"])
    weights = [content["keys"][t] for t in texts]
    content["keys"] = dict(zip(texts, reversed(weights), strict=True))
    return json.dumps(content).encode("utf-8")


def _other_version(data: bytes) -> bytes:
    content = json.loads(_reversed_weights(data))
    content["version"] = "pyuca 0.0 1 unicode 1.0"
    return json.dumps(content).encode("utf-8")


COLLATION_DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "other-version": _other_version,
    "not-json": lambda data: b"{not json",
    "truncated": lambda data: data[: len(data) // 2],
    "a-list": lambda data: b"[]",
    "no-version": _edit_json(lambda c: c.pop("version")),
    "keys-a-list": _edit_json(lambda c: c.__setitem__("keys", list(c["keys"].items()))),
    "weights-numbers": _edit_json(lambda c: c.__setitem__("keys", {t: 7 for t in c["keys"]})),
    "weights-null": _edit_json(lambda c: c.__setitem__("keys", {t: None for t in c["keys"]})),
    "weights-text": _edit_json(lambda c: c.__setitem__("keys", {t: ["x"] for t in c["keys"]})),
    "weights-nested": _edit_json(lambda c: c.__setitem__("keys", {t: [[1]] for t in c["keys"]})),
}
COLLATION_DAMAGES["nested-too-deep"] = lambda data: b"[" * 100_000
COLLATION_DAMAGES["weights-floats"] = _edit_json(
    lambda c: c.__setitem__("keys", {t: [float(w) for w in k] for t, k in c["keys"].items()}))
COLLATION_DAMAGES["weights-bools"] = _edit_json(
    lambda c: c.__setitem__("keys", {t: [True for _w in k] for t, k in c["keys"].items()}))


@pytest.mark.parametrize("damage", COLLATION_DAMAGES.values(), ids=COLLATION_DAMAGES.keys())
def test_a_collation_file_of_another_version_or_damaged_is_ignored(
        sample: tuple[Path, Book, IndexView], damage: Callable[[bytes], bytes]) -> None:
    root, book, fresh = sample
    _cached_indexes(root, book)
    _collation(root).write_bytes(damage(_collation(root).read_bytes()))
    result, keys = _cached_indexes(root, book)
    assert result == fresh
    assert keys.computed > 0, "the weights were computed again"
    assert json.loads(_collation(root).read_bytes())["version"] == collation_version(), "and the file rewritten"
    again, keys = _cached_indexes(root, book)
    assert again == fresh and keys.computed == 0


def test_only_the_weights_the_last_build_asked_for_are_kept(sample: tuple[Path, Book, IndexView]) -> None:
    root, book, fresh = sample
    _cached_indexes(root, book)
    content = json.loads(_collation(root).read_bytes())
    asked = dict(content["keys"])
    assert {*"ABCXYZ"} <= set(asked), "the letters' weights (for letter groups) are kept too"
    content["keys"]["Bogus, Heading"] = [1, 2, 3]
    _collation(root).write_text(json.dumps(content), encoding="utf-8")
    result, keys = _cached_indexes(root, book)
    assert result == fresh and keys.computed == 0
    kept = json.loads(_collation(root).read_bytes())["keys"]
    assert "Bogus, Heading" not in kept
    assert kept == asked


# -- the generated cover: cached_cover ---------------------------------------------------------

@pytest.fixture
def small_book(tmp_path: Path) -> Book:
    book, diags = load_book(_project(tmp_path / "book"))
    assert book is not None, [str(d) for d in diags]
    return book


def _covers(folder: Path) -> list[Path]:
    return sorted(folder.glob("cover-*.png"))


def test_the_cached_cover_is_the_generated_one_and_is_read_back(tmp_path: Path, small_book: Book,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    drawn = cached_cover(small_book, FONT_DIR, folder)
    assert drawn == generated_cover(small_book, FONT_DIR)
    assert [p.read_bytes() for p in _covers(folder)] == [drawn]

    def not_again(book: Book, font_dir: Path) -> bytes:
        raise AssertionError("the cover was drawn again")

    monkeypatch.setattr(cover_module, "generated_cover", not_again)
    assert cached_cover(small_book, FONT_DIR, folder) == drawn


def test_a_new_title_draws_a_new_cover_and_removes_the_old(tmp_path: Path, small_book: Book) -> None:
    folder = tmp_path / "cache"
    first = cached_cover(small_book, FONT_DIR, folder)
    [old] = _covers(folder)
    renamed = dataclasses.replace(small_book, title="Another Title")
    drawn = cached_cover(renamed, FONT_DIR, folder)
    assert drawn == generated_cover(renamed, FONT_DIR) and drawn != first
    [new] = _covers(folder)
    assert new != old and not old.exists()
    assert new.read_bytes() == drawn


def test_without_a_folder_the_cover_is_drawn_and_nothing_written(tmp_path: Path, small_book: Book,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = cover_module.generated_cover

    def counting(book: Book, font_dir: Path) -> bytes:
        calls.append(book.title)
        return real(book, font_dir)

    monkeypatch.setattr(cover_module, "generated_cover", counting)
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    first = cached_cover(small_book, FONT_DIR, None)
    assert cached_cover(small_book, FONT_DIR, None) == first == real(small_book, FONT_DIR)
    assert calls == [small_book.title] * 2, "drawn each time: nothing kept"
    assert sorted(tmp_path.rglob("*")) == before


def test_file_digests_are_remembered_under_the_files_stat_and_never_trusted_past_a_change(tmp_path: Path) -> None:
    import hashlib

    from anthology.render.cache import file_digests

    font, other = tmp_path / "a.otf", tmp_path / "b.otf"
    font.write_bytes(b"OTTO one")
    other.write_bytes(b"OTTO two")
    memo = tmp_path / "cache" / "digests.json"
    first = file_digests([font, other, tmp_path / "missing.otf"], memo)
    assert first == {font: hashlib.sha256(b"OTTO one").hexdigest(), other: hashlib.sha256(b"OTTO two").hexdigest()}
    kept = json.loads(memo.read_bytes())
    kept[str(font)][5] = "remembered"  # what the memo says is what is given while the file is untouched
    memo.write_text(json.dumps(kept), encoding="utf-8")
    assert file_digests([font], memo) == {font: "remembered"}
    time.sleep(0.01)
    font.write_bytes(b"OTTO one")  # written again, same bytes: a new change time, hashed again
    assert file_digests([font], memo) == {font: first[font]}
    memo.write_text("not json", encoding="utf-8")  # a damaged memo is only a slower build
    assert file_digests([font, other], memo) == first
    assert file_digests([font, other]) == first
