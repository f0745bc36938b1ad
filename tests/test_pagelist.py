"""EPUB page-break markers (render/pagelist.py): each goes before the character with its number
among the block's non-space characters, the same as a character-by-character walk would put it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from anthology.render.pagelist import PageBreak, _mark_block

_WORDS = ["a", "word", "Östlund", "이제훈", "l'été", "—", "\u00ad", "x\u200by"]
_SPACES = [" ", "  ", "\u00a0", "\u2009", "\n", "\t", "\u3000"]


def _reference(texts: list[str], offsets: list[int]) -> list[str]:
    """What the markers should give: a walk over every character, in order."""
    wanted = sorted(offsets)
    count = 0
    out_texts = []
    for text in texts:
        out = []
        for ch in text:
            while wanted and count == wanted[0] and not ch.isspace():
                out.append(f"\ue000{wanted.pop(0)}\ue001")
            out.append(ch)
            if not ch.isspace():
                count += 1
        out_texts.append("".join(out))
    return out_texts


text = st.lists(st.one_of(st.sampled_from(_WORDS), st.sampled_from(_SPACES)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(text, min_size=1, max_size=4), st.lists(st.integers(0, 60), max_size=5))
def test_markers_go_before_the_numbered_non_space_character(texts: list[str], offsets: list[int]) -> None:
    solid = sum(1 for t in texts for ch in t if not ch.isspace())
    offsets = [o for o in offsets if o < solid]  # past the end: the block's end (another path)
    block = etree.fromstring("<p>x</p>")
    block.text = texts[0]
    for extra in texts[1:]:  # text after inline children: the children's text, then their tails
        child = etree.SubElement(block, "i")
        child.text = extra
    _mark_block(block, [PageBreak(str(o), "s", "b", o) for o in offsets])
    got = [block.text or ""] + [child.text or "" for child in block]
    assert got == _reference(texts, offsets)
