"""Bytes → text for every file we read: UTF-8 (BOM allowed) or UTF-16 with a BOM.

A decoding error names the line and column of the first bad byte.
"""

from __future__ import annotations

from ..errors import Diagnostics


def decode(data: bytes, file: str, diags: Diagnostics) -> str | None:
    """Decode ``data``; report and return None when it is not text we can read."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            diags.error(file, 0, 0, "encoding", "starts like UTF-16 but is not: save it as UTF-8")
            return None
        diags.warning(file, 1, 1, "encoding-utf16", "file is UTF-16; read it, but UTF-8 is expected")
        return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.error(file, line, col, "encoding",
                    f"not valid UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8")
        return None
