"""Credit roles: one table of label synonyms, the credit-box order, and name splitting.

Header labels ("Directed by") and front-matter keys ("director", "movie-title") go
through the same table, so adding a synonym is one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Credit


@dataclass(frozen=True, slots=True)
class Role:
    key: str
    label: str  # singular label for the credit box
    plural: str  # label when there are several names
    people: bool  # values are people's names (split, indexed)
    synonyms: tuple[str, ...]


# Order here is the order of the credit box.
ROLES: tuple[Role, ...] = (
    Role("title", "Title", "Title", False, ("title", "titre", "título")),
    Role("original_title", "Original title", "Original title", False,
         ("original title", "original name", "titre original", "título original", "aka")),
    Role("film", "Film", "Film", False, ("film", "movie", "movie title", "film title")),
    Role("director", "Director", "Directors", True,
         ("director", "directors", "directed by", "direction", "dir", "a film by", "réalisateur",
          "réalisatrice", "réalisation", "dirigido por", "direção", "realizador", "regie")),
    Role("writer", "Writer", "Writers", True,
         ("writer", "writers", "written by", "screenplay", "screenplay by", "script", "screenwriter",
          "scénario", "roteiro", "guion")),
    Role("starring", "Starring", "Starring", True,
         ("starring", "cast", "with", "stars", "actors", "featuring", "avec", "elenco", "interprètes")),
    Role("producer", "Producer", "Producers", True, ("producer", "producers", "produced by", "production")),
    Role("cinematography", "Cinematography", "Cinematography", True,
         ("cinematography", "cinematographer", "director of photography", "photography", "dop")),
    Role("editor", "Editor", "Editors", True, ("editor", "editing", "edited by", "film editing", "montage")),
    Role("music", "Music", "Music", True, ("music", "music by", "composer", "original music", "musique")),
    Role("country", "Country", "Countries", False,
         ("country", "countries", "country of origin", "pays", "país", "origin")),
    Role("language", "Language", "Languages", False, ("language", "languages", "langue", "idioma")),
    Role("year", "Year", "Year", False, ("year", "release year", "année", "ano")),
    Role("release_date", "Released", "Released", False, ("release date", "released", "release", "sortie")),
    Role("running_time", "Running time", "Running time", False,
         ("running time", "runtime", "run time", "duration", "length", "durée", "duração")),
    Role("genre", "Genre", "Genres", False, ("genre", "genres")),
    Role("certificate", "Certificate", "Certificate", False,
         ("certificate", "uk certificate", "certification", "rated", "mpaa", "classification")),
    Role("rating", "Rating", "Rating", False, ("rating", "score", "grade", "verdict")),
    Role("reviewer", "Reviewer", "Reviewers", True,
         ("reviewer", "reviewed by", "review by", "by", "critic", "author", "auteur")),
    Role("date", "Reviewed", "Reviewed", False, ("date", "review date", "published")),
)

ROLE_BY_KEY = {r.key: r for r in ROLES}
_SYNONYMS = {syn: role for role in ROLES for syn in role.synonyms}
ROLE_ORDER = {r.key: i for i, r in enumerate(ROLES)}

# A value that is a rating, not a list of actors ("Stars: 4", "stars: 3.5/5", "★★★").
_RATING = re.compile(r"^[\d\s.,/★☆*½+-]+(stars?)?$|^[A-F][+-]?$", re.IGNORECASE)


def normalise_label(label: str) -> str:
    label = label.strip().strip("*_").strip().rstrip(":").strip()
    label = re.sub(r"[-_\s]+", " ", label)
    return label.lower()


def role_for(label: str, value: str = "") -> Role | None:
    """The role a header label or front-matter key stands for, or None if unknown."""
    role = _SYNONYMS.get(normalise_label(label))
    if role is not None and role.key == "starring" and value and _RATING.match(value.strip()):
        return ROLE_BY_KEY["rating"]
    return role


_SPLIT = re.compile(r"\s*(?:,|;|/|\s&\s|\s+and\s+|\s+et\s+)\s*")
_LEADING_CONJUNCTION = re.compile(r"^(?:and|&|et)\s+", re.IGNORECASE)
_ET_AL = re.compile(r"\s*,?\s+et\s+al\.?\s*$", re.IGNORECASE)
_ABBREVIATED_END = re.compile(r"(?:\b(?:Jr|Sr|St|Dr)|\b[A-Z])\.$")
_PAREN = re.compile(r"\s*\([^)]*\)")


def split_names(value: str) -> tuple[str, ...]:
    """Split a people credit on commas, semicolons, slashes, 'and', '&' and French 'et'.

    Parenthesised notes ("Hirokazu Koreeda (Screenplay)") are dropped from the name.
    """
    names: list[str] = []
    for raw in _SPLIT.split(_ET_AL.sub("", _PAREN.sub("", value))):
        name = raw.strip()
        if not _ABBREVIATED_END.search(name):
            name = name.rstrip(".").strip()
        name = _LEADING_CONJUNCTION.sub("", name.lstrip(".").strip()).strip()  # ".\r0" → "0" (found by fuzzing)
        if name and name.lower() not in ("others", "more", "etc") and name not in names:
            names.append(name)
    return tuple(names)


def make_credit(role: Role | None, label: str, value: str | list[str], line: int = 0) -> Credit | None:
    """Build a credit from a label and a value (a string, or a list from front matter)."""
    if isinstance(value, list):
        parts = [" ".join(str(v).split()) for v in value if v is not None and str(v).strip()]
        text = ", ".join(parts)
    else:
        parts = []
        text = " ".join(str(value).split())
    if not text:
        return None
    if role is None:
        return Credit("", label.strip(), text, (), line)
    names: tuple[str, ...] = ()
    if role.people:
        names = tuple(dict.fromkeys(n for p in parts for n in split_names(p))) if parts else split_names(text)
    shown = role.plural if len(names) > 1 else role.label
    return Credit(role.key, shown, text, names, line)


def ordered(credits: list[Credit]) -> tuple[Credit, ...]:
    """Credit-box order: known roles in table order, then labels kept as found, in order."""
    known = sorted((c for c in credits if c.role), key=lambda c: ROLE_ORDER[c.role])
    return tuple(known + [c for c in credits if not c.role])


# Free text that carries credits, as some blogs put them in a front-matter field:
# "The Past Director: Asghar Farhadi Writers: … Starring: … Runtime: 130 minutes".
_LABEL_IN_TEXT = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(s) for s in sorted(_SYNONYMS, key=len, reverse=True)) + r")\s*:\s*",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]{0,200}>")


def credits_in_text(text: str, *, minimum: int = 2) -> tuple[str, list[Credit]]:
    """Credits written inline as 'Label: value' runs; returns (text before them, credits).

    Fewer than ``minimum`` known labels means the text is prose: ("", []).
    """
    text = " ".join(_TAG.sub(" ", text).split())
    matches = [m for m in _LABEL_IN_TEXT.finditer(text) if role_for(m.group(1)) is not None]
    if len(matches) < minimum:
        return "", []
    credits: list[Credit] = []
    for m, following in zip(matches, [*matches[1:], None], strict=True):
        value = text[m.end(): following.start() if following else len(text)].strip(" ,;.")
        credit = make_credit(role_for(m.group(1), value), m.group(1), value)
        if credit is not None:
            credits.append(credit)
    return text[: matches[0].start()].strip(" ,;."), credits
