"""The Markdown parser of review bodies (markdown-it-py): CommonMark with tables, strikethrough
and the language's typographic quotes, that keeps the text nested past its limit.

Imported by load/body.py only when a review is parsed: a build whose reviews all come from
the store (load/store.py) never imports markdown-it (a fiftieth of a second).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.rules_block import StateBlock

# Typographic quotes by language (markdown-it's smartquotes): double open/close, single open/close.
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("“", "”", "‘", "’"), "fr": ("«\u00a0", "\u00a0»", "“", "”"), "pt": ("“", "”", "‘", "’"),
    "es": ("«", "»", "“", "”"), "it": ("«", "»", "“", "”"), "de": ("„", "“", "‚", "‘"),
    "nl": ("“", "”", "‘", "’"), "pl": ("„", "”", "‚", "’"), "sv": ("”", "”", "’", "’"),
    "da": ("»", "«", "›", "‹"), "no": ("«", "»", "‘", "’"), "ru": ("«", "»", "„", "“"),
    "ja": ("「", "」", "『", "』"), "zh": ("“", "”", "‘", "’"), "ko": ("“", "”", "‘", "’"),
}
_parsers: dict[tuple[tuple[str, ...], int], MarkdownIt] = {}
# Container markers a flattened line still carries: '>' of quotes, '-', '*', '+' or '1.' of lists.
_MARKERS = re.compile(r"^[ \t]*(?:(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]*)+")


class _FlatteningBlock(ParserBlock):
    """markdown-it's block parser, except that past its nesting limit it keeps the text.

    markdown-it silently drops everything nested deeper than ``maxNesting`` (quotes in quotes,
    lists in lists). Here the rest of the too-deep container becomes one paragraph, without
    its markers, and the first such line is noted in ``env`` for a located warning.
    """

    def tokenize(self, state: StateBlock, startLine: int, endLine: int) -> None:  # noqa: N803 - markdown-it's names
        if state.level < state.md.options.maxNesting:
            super().tokenize(state, startLine, endLine)
            return
        line = state.skipEmptyLines(startLine)
        if line >= endLine or state.sCount[line] < state.blkIndent:
            return
        raw = state.getLines(line, endLine, state.blkIndent, False)
        kept = "\n".join(_MARKERS.sub("", part) for part in raw.split("\n")).strip()
        state.env.setdefault("flattened_at", line)
        if kept:
            opened = state.push("paragraph_open", "p", 1)
            opened.map = [line, endLine]
            inline = state.push("inline", "", 0)
            inline.content = kept
            inline.map = [line, endLine]
            inline.children = []
            state.push("paragraph_close", "p", -1)
        state.line = endLine


def parser(lang: str, depth: int) -> MarkdownIt:
    """A CommonMark parser whose straight quotes become the language's typographic ones."""
    primary = lang.split("-")[0].lower()
    quotes = QUOTES.get(primary, QUOTES["en"])
    if (quotes, depth) not in _parsers:
        md = MarkdownIt("commonmark", {"html": True, "typographer": True, "quotes": list(quotes),
                                       "maxNesting": depth})
        flattening = _FlatteningBlock()
        flattening.ruler = md.block.ruler
        md.block = flattening
        _parsers[(quotes, depth)] = md.enable(["table", "strikethrough", "smartquotes"])
    return _parsers[(quotes, depth)]
