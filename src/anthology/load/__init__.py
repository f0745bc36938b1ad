"""Phase 1: text in, one immutable Book out, every problem collected with its location."""

from .book import load_book

__all__ = ["load_book"]
