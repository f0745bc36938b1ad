"""Phase 2: Book → HTML (Jinja) → PDF (WeasyPrint) and XHTML → EPUB (ebooklib)."""
