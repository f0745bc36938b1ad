"""Manifest + reviews + people → one Book, with every error collected before failing."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from types import MappingProxyType

from ..errors import Diagnostics
from ..model import Book, Chapter, Part, Person
from .manifest import ChapterRef, PartRef, default_identifier, load_manifest
from .memo import ReviewMemo
from .people import load_people
from .review import parse_review
from .templates import check_user_templates


def slugify(text: str, fallback: str = "book") -> str:
    """ASCII slug for file names and ids: 'Café Noir!' → 'cafe-noir'."""
    text = re.sub(r"['’]", "", text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-") or fallback


class _Ids:
    """Stable, unique XML ids derived from file names and titles."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, prefix: str, text: str) -> str:
        base = f"{prefix}-{slugify(text, 'x')}"
        candidate, n = base, 2
        while candidate in self.used:
            candidate, n = f"{base}-{n}", n + 1
        self.used.add(candidate)
        return candidate


def load_book(root: Path | str, diags: Diagnostics | None = None,
              memo: ReviewMemo | None = None) -> tuple[Book | None, Diagnostics]:
    """Load a project. Returns (book, diagnostics); book is None when any error was found.
    ``memo``: reviews parsed by an earlier load of this process, reused when unchanged."""
    try:
        return _load(Path(root), diags if diags is not None else Diagnostics(), memo)
    finally:
        if memo is not None:
            memo.loaded()


def _load(root: Path, diags: Diagnostics, memo: ReviewMemo | None) -> tuple[Book | None, Diagnostics]:
    manifest = load_manifest(root, diags)
    if manifest is None:
        return None, diags
    diags.ignore(manifest.ignore_warnings)
    check_user_templates(root, diags)

    people: tuple[Person, ...] = ()
    people_path = manifest.meta.get("people")
    if people_path:
        people = load_people(root / str(people_path), str(people_path), diags)
    elif (root / "people.yaml").is_file() and "people" not in manifest.meta:
        people = load_people(root / "people.yaml", "people.yaml", diags)

    language = str(manifest.meta["language"])
    ids = _Ids()

    def chapter(ref: ChapterRef, part_id: str) -> Chapter | None:
        file = ref.path.relative_to(root.resolve()).as_posix()
        review = (memo.parse if memo is not None else parse_review)(
            ref.path, root, file, diags, ref.title, ref.language, language, manifest.limits)
        if review is None:
            return None
        return Chapter(
            id=ids.make("ch", Path(ref.source).stem),
            source=file,
            title=review.title,
            lang=ref.language or review.lang or language,
            credits=review.credits,
            body_html=review.body_html,
            subtitle=review.subtitle,
            part_id=part_id,
            images=tuple(review.images),
            text=review.text,
        )

    entries: list[Chapter | Part] = []
    for entry in manifest.entries:
        if isinstance(entry, PartRef):
            part_id = ids.make("part", entry.title)
            chapters = tuple(c for c in (chapter(r, part_id) for r in entry.chapters) if c)
            entries.append(Part(part_id, entry.title, chapters))
        else:
            ch = chapter(entry, "")
            if ch is not None:
                entries.append(ch)

    if diags.errors:
        return None, diags
    meta = manifest.meta
    title = str(meta.get("title", ""))
    book = Book(
        root=root,
        title=title,
        language=language,
        identifier=str(meta.get("identifier") or default_identifier(title)),
        entries=tuple(entries),
        subtitle=str(meta.get("subtitle", "")),
        editors=tuple(meta.get("editor", ())) + tuple(meta.get("editors", ())),  # type: ignore[arg-type]
        authors=tuple(meta.get("author", ())) + tuple(meta.get("authors", ())),  # type: ignore[arg-type]
        publisher=str(meta.get("publisher", "")),
        date=str(meta.get("date", "")),
        rights=str(meta.get("rights", "")),
        edition=str(meta.get("edition", "")),
        description=str(meta.get("description", "")),
        cover=str(meta.get("cover", "")),
        people=people,
        indexes=manifest.indexes,
        pdf=MappingProxyType(dict(manifest.pdf)),
        epub=MappingProxyType(dict(manifest.epub)),
        limits=manifest.limits,
    )
    return book, diags
